// npm run up: its command line, the order it deploys stacks in (read from their stack files), what
// it says at the end, and the command itself failing before it touches anything.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseUpArgs } from "../operations/operator-args";
import { readsBootstrapStack } from "../operations/bootstrap-join";
import {
  StackRole,
  bootstrapReference,
  configuredStacks,
  defaultUpStacks,
  joinConfigOf,
  failureLines,
  lastLines,
  planUp,
  readProjectFiles,
  readStackConfig,
  stackRoleOf,
  upSummary,
  waveSchedule,
} from "../operations/up-plan";
import { prefixedLines } from "../operations/prefixed-lines";
import { readStackSettings } from "../program/stack-settings";

const ROOT = path.join(__dirname, "..");
const KEY = "distributed-consul:bootstrapStack";

/** A scratch project folder: the checkout's Pulumi.yaml and the given stack files' config. */
function projectWith(stacks: Record<string, Record<string, unknown>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "up-plan-"));
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const [name, config] of Object.entries(stacks)) {
    fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), yaml.dump({ config }));
  }
  return dir;
}

/** The roles of a project folder's stacks, as `npm run up` reads them. */
function rolesIn(dir: string, names: readonly string[]): StackRole[] {
  const project = readProjectFiles(dir);
  return names.map((n) => stackRoleOf(n, joinConfigOf(readStackConfig(project, n)), project.name));
}

const role = (stack: string, extra: Partial<StackRole> = {}): StackRole => ({
  stack,
  bootstraps: false,
  bootstrapStackSetting: "node1",
  ...extra,
});

describe("npm run up", () => {
  it("command line: --stacks in the given order, or none (every stack); every mistake at once", () => {
    assert.deepStrictEqual(parseUpArgs(["--stacks", "node1, node2,node3"]), {
      args: { stacks: ["node1", "node2", "node3"] },
    });
    assert.deepStrictEqual(parseUpArgs(["--stacks=node2"]), { args: { stacks: ["node2"] } });
    assert.deepStrictEqual(parseUpArgs([]), { args: { stacks: undefined } });
    assert.deepStrictEqual(parseUpArgs(["--stacks", "node1,node1", "--parallel", "3", "node2"]), {
      problems: [
        "unknown flag --parallel; flags are --stacks.",
        'unexpected argument "node2"; flags are --stacks.',
        "--stacks names node1 more than once.",
      ],
    });
    assert.deepStrictEqual(parseUpArgs(["--stacks"]), { problems: ["--stacks needs a value."] });
    assert.deepStrictEqual(parseUpArgs(["--stacks", ","]), {
      problems: ["--stacks needs at least one stack name (node1,node2)."],
    });
  });

  it("the shipped stacks: node1 (bootstrap) first, then node2 and node3 in parallel", () => {
    const project = readProjectFiles(ROOT);
    assert.strictEqual(project.name, "distributed-consul");
    assert.deepStrictEqual(
      configuredStacks(ROOT).filter((s) => /^node\d$/.test(s)),
      ["node1", "node2", "node3"],
    );
    const roles = rolesIn(ROOT, ["node1", "node2", "node3"]);
    assert.deepStrictEqual(
      roles.map((r) => [r.stack, r.bootstraps, r.reads]),
      [
        ["node1", true, undefined],
        ["node2", false, { stack: "node1" }],
        ["node3", false, { stack: "node1" }],
      ],
    );
    assert.deepStrictEqual(planUp(roles, new Set()), {
      plan: { waves: [["node1"], ["node2", "node3"]] },
    });
    // Any order given: the bootstrap stack still goes first; the others keep the given order.
    assert.deepStrictEqual(planUp(rolesIn(ROOT, ["node3", "node1", "node2"]), new Set()), {
      plan: { waves: [["node1"], ["node3", "node2"]] },
    });
    // node1 deployed already: node2 and node3 at once.
    assert.deepStrictEqual(planUp(rolesIn(ROOT, ["node2", "node3"]), new Set(["node1"])), {
      plan: { waves: [["node2", "node3"]] },
    });
  });

  it("a joining stack whose bootstrap stack is neither given nor deployed: nothing starts, each named with the fix", () => {
    const planned = planUp(rolesIn(ROOT, ["node2", "node3"]), new Set(["node4"]));
    assert.deepStrictEqual(planned, {
      problems: ["node2", "node3"].map(
        (s) =>
          `${s} joins through stack node1's cluster output (${KEY}: organization/distributed-consul/node1), but node1 is neither given nor deployed: add it (--stacks node1,node2,node3), deploy it first, or point ${KEY} of ${s} at the bootstrap stack.`,
      ),
    });
  });

  it("bootstrapExpect: no stack bootstraps or reads another, so all go at once", () => {
    const expect = (n: number) => ({
      "distributed-consul:nodeName": `node${n}`,
      "distributed-consul:bootstrapExpect": 3,
      "distributed-consul:joinAddresses": ["192.168.99.100:8301", "192.168.99.101:8301"],
      "distributed-consul:gossipKey": { secure: "v1:abc" },
    });
    const dir = projectWith({ a: expect(1), b: expect(2), c: expect(3) });
    try {
      const roles = rolesIn(dir, ["a", "b", "c"]);
      assert.ok(roles.every((r) => !r.bootstraps && r.reads === undefined));
      assert.deepStrictEqual(planUp(roles, new Set()), { plan: { waves: [["a", "b", "c"]] } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a stack configured explicitly reads no bootstrap stack, but still waits for a given one that bootstraps", () => {
    const dir = projectWith({
      boot: { "distributed-consul:bootstrap": true },
      joins: {
        [KEY]: "",
        "distributed-consul:joinAddresses": ["192.168.99.100:8301"],
        "distributed-consul:wanJoinAddresses": ["192.168.99.100:8302"],
        "distributed-consul:gossipKey": { secure: "v1:a" },
        "distributed-consul:aclManagementToken": { secure: "v1:b" },
        "distributed-consul:tlsCaKey": { secure: "v1:c" },
        "distributed-consul:tlsCaCertificate": "PEM",
      },
      // Everything but the CA key: it reads the bootstrap stack for that (the default stack name).
      partly: {
        "distributed-consul:joinAddresses": ["192.168.99.100:8301"],
        "distributed-consul:wanJoinAddresses": ["192.168.99.100:8302"],
        "distributed-consul:gossipKey": { secure: "v1:a" },
        "distributed-consul:aclManagementToken": { secure: "v1:b" },
      },
    });
    try {
      const roles = rolesIn(dir, ["joins", "partly", "boot"]);
      assert.deepStrictEqual(
        roles.map((r) => r.reads),
        [undefined, { stack: "node1" }, undefined],
      );
      // `partly` reads node1, which is deployed; `joins` reads nothing; both wait for `boot`.
      assert.deepStrictEqual(planUp(roles, new Set(["node1"])), {
        plan: { waves: [["boot"], ["joins", "partly"]] },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a stack that reads itself, and stacks that read each other, are refused", () => {
    assert.deepStrictEqual(
      planUp([role("node1", { reads: { stack: "node1" } })], new Set(["node1"])),
      {
        problems: [
          `node1 reads its own cluster output (${KEY}: node1): set distributed-consul:bootstrap: true on it if it is the bootstrap host, else point ${KEY} at the bootstrap stack.`,
        ],
      },
    );
    assert.deepStrictEqual(
      planUp(
        [
          role("x", { reads: { stack: "y" } }),
          role("y", { reads: { stack: "x" } }),
          role("z", { reads: { external: "acme/other/node1" } }),
        ],
        new Set(),
      ),
      {
        problems: [
          `x, y wait for each other (each reads another's cluster output, ${KEY}); point ${KEY} of each at the one stack that sets distributed-consul:bootstrap: true.`,
        ],
      },
    );
  });

  it("bootstrapStack names a stack of this project in each StackReference form; another project's is external", () => {
    const p = "distributed-consul";
    assert.deepStrictEqual(bootstrapReference("node1", p), { stack: "node1" });
    assert.deepStrictEqual(bootstrapReference("acme/node1", p), { stack: "node1" });
    assert.deepStrictEqual(bootstrapReference("organization/distributed-consul/node1", p), {
      stack: "node1",
    });
    assert.deepStrictEqual(bootstrapReference("acme/other/node1", p), {
      external: "acme/other/node1",
    });
    assert.strictEqual(bootstrapReference(" ", p), undefined);
    // A stack of another project is not this command's to order or check.
    assert.deepStrictEqual(
      planUp([role("node2", { reads: { external: "acme/other/node1" } })], new Set()),
      { plan: { waves: [["node2"]] } },
    );
  });

  it("reads a stack's config as the program does: the same stacks read the bootstrap stack", () => {
    // Raw config (short names, as `pulumi config set` stores text), each case once through the
    // program's reader and once through the stack file `npm run up` reads.
    const cases: Record<string, Record<string, string>> = {
      shipped: {},
      bootstraps: { bootstrap: "true" },
      expects: { bootstrapExpect: "3", joinAddresses: '["192.168.99.100:8301"]' },
      noStack: { bootstrapStack: "" },
      emptyLists: { joinAddresses: "[]", wanJoinAddresses: "[]", gossipKey: "" },
      aclOff: {
        aclEnabled: "false",
        joinAddresses: '["192.168.99.100:8301"]',
        wanJoinAddresses: '["192.168.99.100:8302"]',
        gossipKey: "k",
        tlsCaKey: "key",
      },
      aclOnNoToken: {
        joinAddresses: '["192.168.99.100:8301"]',
        wanJoinAddresses: '["192.168.99.100:8302"]',
        gossipKey: "k",
        tlsCaKey: "key",
      },
    };
    const base = { nodeName: "node5", internalDatacenter: "vm5", hostAddress: "192.168.99.104" };
    const files = Object.fromEntries(
      Object.entries(cases).map(([name, raw]) => [
        name,
        Object.fromEntries(
          Object.entries({ ...base, ...raw }).map(([k, v]) => [`distributed-consul:${k}`, v]),
        ),
      ]),
    );
    const dir = projectWith(files);
    try {
      const project = readProjectFiles(dir);
      const seen: Record<string, boolean> = {};
      for (const [name, raw] of Object.entries(cases)) {
        const all: Record<string, string> = { ...base, ...raw };
        const program = readsBootstrapStack(readStackSettings((k) => all[k]).settings);
        const up = readsBootstrapStack(joinConfigOf(readStackConfig(project, name)));
        assert.strictEqual(up, program, `${name}: npm run up and the program disagree`);
        seen[name] = up;
      }
      assert.deepStrictEqual(seen, {
        shipped: true,
        bootstraps: false,
        expects: false,
        noStack: false,
        emptyLists: true,
        aclOff: false,
        aclOnNoToken: true,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without --stacks: every stack file, but not a stack the backend lists as destroyed", () => {
    assert.deepStrictEqual(
      defaultUpStacks(
        ["node1", "node2", "node3", "node4"],
        [
          { name: "node1", resourceCount: 50, lastUpdate: "2026-12-07T18:00:00Z" },
          // `pulumi destroy`: updated, no resources left.
          { name: "node3", resourceCount: 0, lastUpdate: "2026-12-07T18:10:00Z" },
          // `pulumi stack init` only: never deployed.
          { name: "node4" },
        ],
      ),
      { stacks: ["node1", "node2", "node4"], skipped: ["node3"] },
    );
  });

  it("says each stack's time and the total; on failure, every failed stack with its error's last lines", () => {
    assert.deepStrictEqual(
      upSummary(
        [
          { stack: "node1", seconds: 52.31 },
          { stack: "node2", seconds: 40 },
        ],
        [],
        93.4,
      ),
      { ok: true, lines: ["every stack is up: node1 52.3 s, node2 40.0 s; total 93.4 s."] },
    );
    assert.deepStrictEqual(
      upSummary(
        [
          { stack: "node1", seconds: 50 },
          { stack: "node2", seconds: 30, error: "a\nb" },
          { stack: "node3", seconds: 31 },
          { stack: "node4", seconds: 20, error: "c" },
        ],
        [],
        81,
      ),
      {
        ok: false,
        lines: [
          "failed: node2, node4 (node1 50.0 s, node2 30.0 s (failed), node3 31.0 s, node4 20.0 s (failed); total 81.0 s).",
          "[node2] a",
          "[node2] b",
          "[node4] c",
        ],
      },
    );
    assert.deepStrictEqual(upSummary([{ stack: "node1", seconds: 9, error: "x" }], ["node2"], 9), {
      ok: false,
      lines: [
        "failed: node1 (node1 9.0 s (failed); total 9.0 s).",
        "not started, as they wait for a failed stack: node2.",
        "[node1] x",
      ],
    });
    assert.strictEqual(lastLines("1\n\n2\n3  \n4", 3), "2\n3\n4");
    // A failed up's error (as the Automation API gives it, abridged from a real one): the lines
    // that say what went wrong, not the resource counts that end the output.
    const failed = [
      "code: 255",
      " stdout: Updating (node2):",
      " +  docker:index:RemoteImage host-global-image creating (0s) error: 1 error occurred:",
      "    error:   sdk-v2/provider2.go:571: Unable to read Docker image: unable to pull image x:missing",
      "    error: update failed",
      "  pulumi:pulumi:Stack (distributed-consul-node2):",
      "    error: update failed",
      "Resources:",
      "    + 13 created",
      "Duration: 9s",
      " stderr: Command failed with exit code 255: pulumi up --stack node2",
      " err?: Error: Command failed with exit code 255: pulumi up --stack node2",
    ].join("\n");
    assert.strictEqual(
      failureLines(failed),
      "error:   sdk-v2/provider2.go:571: Unable to read Docker image: unable to pull image x:missing\nerror: update failed",
    );
    assert.strictEqual(failureLines("a\nb\nc", 2), "b\nc");
  });

  it("prefixes each line of a stack's output with its name, also across chunks", () => {
    const lines: string[] = [];
    const out = prefixedLines("node2", (l) => lines.push(l));
    out.write("Updating (node2)\n\n  +  docker:");
    out.write("index:Container x\n");
    out.write("Resources: 3");
    out.flush();
    assert.deepStrictEqual(lines, [
      "[node2] Updating (node2)",
      "[node2]   +  docker:index:Container x",
      "[node2] Resources: 3",
    ]);
  });

  describe("the command (package.json's script), its failure paths, with a stand-in Pulumi CLI", function () {
    this.timeout(120_000);
    /**
     * A stand-in for the Pulumi CLI, where the project's `pulumi` package (node_modules/.bin/pulumi,
     * first on the PATH of an npm script) looks for the CLI it installs: `$PULUMI_HOME/versions/
     * $PULUMI_VERSION/bin/pulumi`. It lists `listing` as the backend's stacks, selects any stack,
     * and fails any other command (an `up`), saying so. Every call is recorded.
     */
    function fakePulumi(listing: readonly object[]): {
      env: Record<string, string>;
      calls(): string[];
      remove(): void;
    } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "up-cli-"));
      const bin = path.join(dir, "home", "versions", "3.0.0-fake", "bin");
      fs.mkdirSync(bin, { recursive: true });
      const log = path.join(dir, "calls");
      fs.writeFileSync(path.join(dir, "stacks.json"), JSON.stringify(listing));
      fs.writeFileSync(
        path.join(bin, "pulumi"),
        [
          "#!/bin/sh",
          `echo "$*" >> '${log}'`,
          'case "$1 $2" in',
          '  "version "*) echo v3.265.0 ;;',
          `  "stack ls") cat '${path.join(dir, "stacks.json")}' ;;`,
          '  "stack select") ;;',
          '  *) echo "error: stand-in pulumi refused: $*" >&2; exit 1 ;;',
          "esac",
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      return {
        env: {
          PULUMI_HOME: path.join(dir, "home"),
          PULUMI_VERSION: "3.0.0-fake",
          PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
          PULUMI_CONFIG_PASSPHRASE: "test",
          PULUMI_SKIP_UPDATE_CHECK: "true",
        },
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    }
    const run = (args: readonly string[], env: Record<string, string>) =>
      spawnSync("npm", ["run", "--silent", "up", "--", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 110_000,
        env: { ...process.env, ...env },
      });
    let cli: ReturnType<typeof fakePulumi> | undefined;
    afterEach(() => cli?.remove());

    it("a stack without a stack file, or a bad flag: exit 1, naming it, before any Pulumi call", () => {
      cli = fakePulumi([]);
      const unknown = run(["--stacks", "node1,nodeX"], cli.env);
      assert.strictEqual(unknown.status, 1, `${unknown.stdout}\n${unknown.stderr}`);
      assert.match(
        unknown.stderr,
        /^up: no stack file Pulumi\.nodeX\.yaml in .* \(stacks: [^)]*node1, node2, node3/m,
      );
      const bad = run(["--stacks", "node1", "--parallel"], cli.env);
      assert.strictEqual(bad.status, 1, `${bad.stdout}\n${bad.stderr}`);
      assert.match(bad.stderr, /^up: unknown flag --parallel; flags are --stacks\./m);
      assert.deepStrictEqual(cli.calls(), []);
    });

    it("node2 alone, node1 not deployed: exit 1 naming both and the fix; nothing deployed", () => {
      cli = fakePulumi([{ name: "node3", resourceCount: 40, lastUpdate: "2026-12-07T19:00:00Z" }]);
      const alone = run(["--stacks", "node2"], cli.env);
      assert.strictEqual(alone.status, 1, `${alone.stdout}\n${alone.stderr}`);
      assert.match(
        alone.stderr,
        /^up: nothing was deployed:\n +node2 joins through stack node1's cluster output .* but node1 is neither given nor deployed: add it \(--stacks node1,node2\)/m,
      );
      assert.ok(
        cli.calls().every((c) => /^(version|stack ls)\b/.test(c)),
        cli.calls().join("\n"),
      );
    });

    it("the bootstrap stack fails: the joining stacks are not started; exit 1 naming it with its error", () => {
      cli = fakePulumi([]);
      const failed = run(["--stacks", "node3,node1,node2"], cli.env);
      assert.strictEqual(failed.status, 1, `${failed.stdout}\n${failed.stderr}`);
      assert.match(failed.stdout, /^up: node1; then node3 \+ node2 in parallel\.$/m);
      assert.match(failed.stdout, /^\[node1\] up failed after \d+\.\d s$/m);
      assert.match(
        failed.stderr,
        /^up: failed: node1 \(node1 \d+\.\d s \(failed\); total \d+\.\d s\)\.\nnot started, as they wait for a failed stack: node3, node2\.\n\[node1\] .*/m,
      );
      assert.match(failed.stderr, /^\[node1\] .*stand-in pulumi refused: up /m);
      // Only node1 was selected and deployed.
      const touched = cli.calls().filter((c) => !/^(version|stack ls)\b/.test(c));
      assert.ok(
        touched.length > 0 && touched.every((c) => /--stack node1\b/.test(c)),
        touched.join("\n"),
      );
    });

    it("node1 deployed: node2 and node3 at once; each failure named", () => {
      cli = fakePulumi([{ name: "node1", resourceCount: 50, lastUpdate: "2026-12-07T19:00:00Z" }]);
      const failed = run(["--stacks", "node2,node3"], cli.env);
      assert.strictEqual(failed.status, 1, `${failed.stdout}\n${failed.stderr}`);
      assert.match(failed.stdout, /^up: node2 \+ node3 in parallel\.$/m);
      assert.match(failed.stderr, /^up: failed: node2, node3 \(node2 .*node3 .*total/m);
      for (const s of ["node2", "node3"])
        assert.match(failed.stderr, new RegExp(`^\\[${s}\\] .*stand-in pulumi refused: up `, "m"));
    });
  });
});

describe("npm run up's waves", () => {
  it("runs new stacks of a wave together and deployed ones one at a time beside them", () => {
    assert.deepStrictEqual(waveSchedule(["node2", "node3", "node4"], new Set(["node2", "node4"])), {
      together: ["node3"],
      oneByOne: ["node2", "node4"],
    });
    assert.deepStrictEqual(waveSchedule(["node2", "node3"], new Set()), {
      together: ["node2", "node3"],
      oneByOne: [],
    });
  });
});
