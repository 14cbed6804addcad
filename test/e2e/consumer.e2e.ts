// The real suite's first file: the package as a user installs it. `npm pack` of this repository
// (its `prepare` builds it), a new TypeScript Pulumi project in a temporary folder outside the
// checkout that installs the tarball and the Pulumi SDKs from npm, a program that is the README's
// TypeScript example (two ConsulHosts on node1 and node2, each with its docker provider) next to
// a resource of its own, type-checked strictly, deployed with `pulumi up`, checked through Consul
// (dc1 has both servers; a KV write through one is read through the other), then destroyed. It
// runs on empty hosts and leaves them empty: the next files deploy the same container names.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { TestEnvironment, TestHost, readTestEnvironment } from "../../testbed/environment";
import { consumerProgram, readmeExample, writeConsumerProject } from "../../testbed/consumer";
import {
  assertNoLeftovers,
  containersOf,
  leftoversOn as leftovers,
  volumesOf,
} from "../../testbed/project";
import { ConsulAccess, consulGet, consulPut, docker, eventually } from "../../testbed/probes";

const ROOT = path.join(__dirname, "..", "..");
const STEP_MS = 6 * 60_000;
const GLOBAL_HTTPS_PORT = 8501;
const GLOBAL_RPC_PORT = 8300;

let env: TestEnvironment;
/** The temporary folder: the tarball, the consumer project, its file backend, a log. */
let base: string | undefined;
let stack: Stack | undefined;
let failed = false;

const hostAt = (i: number): TestHost => env.hosts[i];
const log = (text: string): void => {
  if (base) fs.appendFileSync(path.join(base, "consumer.log"), text);
};

/** Runs a command in `cwd`; its output (stdout and stderr) goes to the log and is returned. */
function run(command: string, args: string[], cwd: string): string {
  log(`\n$ ${command} ${args.join(" ")}  (in ${cwd})\n`);
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  log(output);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd} (${result.error?.message ?? `exit ${result.status}`}):\n${output}`,
    );
  }
  return output;
}

/** The containers and volumes of a shipped stack's names still on host i (0-based). */
async function leftoversOn(i: number): Promise<string[]> {
  return leftovers(hostAt(i), i + 1);
}

async function raft(
  api: string,
  access: ConsulAccess,
): Promise<{ peers: string[]; leader: string }> {
  return {
    peers: (await consulGet<string[]>(api, "/v1/status/peers", access)).sort(),
    leader: await consulGet<string>(api, "/v1/status/leader", access),
  };
}

describe("the package as a user installs it: npm pack, a new project, the README's example, up, destroy", function () {
  this.timeout(STEP_MS);

  before(async function () {
    env = readTestEnvironment();
    await assertNoLeftovers(env.hosts);
    base = fs.mkdtempSync(path.join(os.tmpdir(), "dc-consumer-"));
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    if (stack) {
      await stack.destroy({ onOutput: log, runProgram: true }).catch((e: unknown) => {
        failed = true;
        console.error(`destroy of the consumer's stack failed: ${String(e)}`);
      });
    }
    // Whatever a failed up or destroy left on the hosts goes by hand: the next files start on
    // empty hosts with the same container names.
    for (const [i] of (env?.hosts ?? []).entries()) {
      const left = await leftoversOn(i).catch(() => [] as string[]);
      if (left.length === 0) continue;
      failed = true;
      console.error(`${hostAt(i).stack}: removing what the consumer left: ${left.join(", ")}`);
      const containers = left.filter((name) => containersOf(i + 1).includes(name));
      const volumes = left.filter((name) => volumesOf(i + 1).includes(name));
      if (containers.length > 0) {
        await docker(hostAt(i), "rm", "-f", ...containers).catch(() => undefined);
      }
      if (volumes.length > 0) {
        await docker(hostAt(i), "volume", "rm", "-f", ...volumes).catch(() => undefined);
      }
    }
    if (base && failed) {
      console.error(`The consumer project and its log are kept in ${base} (consumer.log)`);
    } else if (base) {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it("installs from npm pack's tarball with the SDKs, and the README's example type-checks strictly", function () {
    assert.ok(base);
    const packed = path.join(base, "pack");
    fs.mkdirSync(packed);
    // As a user packs it: `prepare` builds dist/ first. From a copy of the checkout's files (those
    // git tracks or would), so that the build does not remove this checkout's dist/ under the
    // other lane of the real suite, which copies it at the same time (testbed/real-suite.ts).
    const source = path.join(base, "source");
    const files = run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], ROOT)
      .split("\0")
      .filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)));
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(source, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(source, "node_modules"), "dir");
    run("npm", ["pack", "--pack-destination", packed, "--loglevel=error"], source);
    const tarballs = fs.readdirSync(packed).filter((f) => f.endsWith(".tgz"));
    assert.deepStrictEqual(tarballs, ["distributed-consul-0.2.0.tgz"]);
    const listing = run("tar", ["-tzf", path.join(packed, tarballs[0])], base);
    assert.ok(listing.includes("package/dist/components/index.d.ts"), listing);
    assert.ok(!/^package\/(test|program|examples)\//m.test(listing), listing);

    const dir = path.join(base, "consumer");
    writeConsumerProject(
      dir,
      path.join(packed, tarballs[0]),
      consumerProgram(readmeExample(), env.hosts, env),
    );
    // From npm's cache when it holds them (CI's npm ci filled it), else from the registry.
    const install = run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn"],
      dir,
    );
    assert.doesNotMatch(install, /EBADENGINE/, "npm warns about the Node.js version");
    assert.ok(fs.existsSync(path.join(dir, "node_modules", "distributed-consul", "dist")));
    run("npx", ["tsc", "--noEmit", "-p", "."], dir);
    // The same with Node's own resolution of the package's `exports` map.
    run(
      "npx",
      ["tsc", "--noEmit", "-p", ".", "--module", "node16", "--moduleResolution", "node16"],
      dir,
    );
  });

  it("deploys with pulumi up: dc1 has both servers, a KV write through node1 is read through node2", async () => {
    assert.ok(base);
    const state = path.join(base, "state");
    fs.mkdirSync(state);
    stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "consumer", workDir: path.join(base, "consumer") },
      {
        envVars: {
          PULUMI_BACKEND_URL: `file://${state}`,
          PULUMI_CONFIG_PASSPHRASE: `consumer-${process.pid}`,
          PULUMI_SKIP_UPDATE_CHECK: "true",
          // Type-checked above: ts-node only transpiles.
          PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        },
      },
    );
    const result = await stack.up({ onOutput: log });
    assert.strictEqual(result.summary.result, "succeeded");
    const outputs: OutputMap = result.outputs;
    assert.match(String(outputs.pet.value), /\S+-\S+/, "the consumer's own resource");
    const apis = [0, 1].map((i) => `${hostAt(i).ip}:${GLOBAL_HTTPS_PORT}`);
    assert.deepStrictEqual([outputs.node1Api.value, outputs.node2Api.value], apis);
    assert.strictEqual(outputs.managementToken.secret, true);
    const access: ConsulAccess = {
      ca: String(outputs.caCertificate.value),
      token: String(outputs.managementToken.value),
    };

    const expected = env.hosts.map((h) => `${h.ip}:${GLOBAL_RPC_PORT}`).sort();
    for (const api of apis) {
      const seen = await eventually(
        () => raft(api, access),
        (r) => r.leader !== "" && JSON.stringify(r.peers) === JSON.stringify(expected),
      );
      assert.deepStrictEqual(seen.peers, expected, `dc1's servers seen from ${api}`);
      assert.notStrictEqual(seen.leader, "", `no leader seen from ${api}`);
    }

    const value = randomUUID();
    assert.strictEqual(
      await consulPut<boolean>(apis[0], "/v1/kv/consumer/probe", value, access),
      true,
    );
    const [entry] = await consulGet<{ Value: string }[]>(apis[1], "/v1/kv/consumer/probe", access);
    assert.strictEqual(Buffer.from(entry.Value, "base64").toString("utf8"), value);
  });

  it("destroys everything it made on both hosts", async () => {
    assert.ok(stack);
    const result = await stack.destroy({ onOutput: log, runProgram: true });
    assert.strictEqual(result.summary.result, "succeeded");
    stack = undefined;
    for (const i of [0, 1]) assert.deepStrictEqual(await leftoversOn(i), [], hostAt(i).stack);
  });
});
