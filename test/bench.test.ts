// npm run bench keeps working: one round of one host under its mocks prints its table.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { parseBenchArgs, runBench } from "../bench/compose";

describe("npm run bench (bench/compose.ts)", () => {
  it("prints its table for one host, one run: components and raw docker resources side by side", async () => {
    const lines: string[] = [];
    await runBench(parseBenchArgs(["--hosts", "1", "--runs", "1"]), (line) => lines.push(line));
    assert.strictEqual(lines.length, 3, lines.join("\n"));
    assert.match(lines[0], /^median of 1 runs each, Node v\d+/);
    assert.strictEqual(
      lines[1],
      "hosts | components ms | raw ms | ratio | components ms/host | resources (components / raw) | opt-out warnings",
    );
    const [hosts, components, raw, ratio, perHost, resources, warnings] = lines[2].split(" | ");
    assert.strictEqual(hosts, "1");
    for (const ms of [components, raw, ratio, perHost]) assert.ok(Number(ms) > 0, lines[2]);
    // Both sides declare the host's images, volumes and containers; the components add themselves.
    const [withComponents, rawCount] = resources.split(" / ").map(Number);
    assert.ok(rawCount > 0 && withComponents > rawCount, resources);
    assert.ok(Number(warnings) > 0, "the components' opt-outs warn");
  });

  it("runs as `npm run bench -- --hosts 1 --runs 1`, the command docs/composing.md gives", function () {
    // The command itself (package.json's script, ts-node, bench/compose.ts run as the main module),
    // not only its function: a broken script line or entry point fails here.
    this.timeout(120_000);
    const run = spawnSync(
      "npm",
      ["run", "--silent", "bench", "--", "--hosts", "1", "--runs", "1"],
      {
        cwd: path.join(__dirname, ".."),
        encoding: "utf8",
        timeout: 110_000,
      },
    );
    assert.strictEqual(run.status, 0, `${run.error ?? ""}\n${run.stdout}\n${run.stderr}`);
    const lines = run.stdout.trim().split("\n");
    assert.match(lines[0], /^median of 1 runs each, Node v\d+/, run.stdout);
    assert.match(lines[1], /^hosts \| components ms \| raw ms \| ratio/, run.stdout);
    assert.match(lines[2], /^1 \| \d+ \| \d+ \| \d+\.\d\d \| /, run.stdout);
    assert.strictEqual(lines.length, 3, run.stdout);
  });

  it("takes --hosts and --runs, defaulting to 1, 10 and 100 hosts, 5 runs", () => {
    assert.deepStrictEqual(parseBenchArgs([]), { hosts: [1, 10, 100], runs: 5 });
    assert.deepStrictEqual(parseBenchArgs(["--hosts", "1,10", "--runs", "3"]), {
      hosts: [1, 10],
      runs: 3,
    });
    assert.throws(() => parseBenchArgs(["--runs", "0"]), /--runs: "0" is not a whole number/);
    assert.throws(() => parseBenchArgs(["--sizes", "1"]), /--sizes: not a flag of npm run bench/);
  });
});
