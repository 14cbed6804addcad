// Scheduled snapshots of dc1: the sidecar's loop run in a real sh with `consul`, `date` and
// `sleep` stubbed (atomic files, modes, pruning, retries, the log), and what ConsulHost declares
// for it under mocks (a server host only, its own snapshot token as a secret, the settings'
// checks naming their key).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS,
  DEFAULT_SCHEDULED_SNAPSHOTS_KEEP,
  SCHEDULED_SNAPSHOTS_RESOURCES,
  SCHEDULED_SNAPSHOTS_RETRY_SECONDS,
  scheduledSnapshotsContainerName,
  scheduledSnapshotsScript,
  scheduledSnapshotsVolumeName,
} from "../core/scheduled-snapshots";
import { snapshotRules } from "../core/acl-rules";
import { parseSnapshotFileName } from "../core/snapshot-files";
import { ConsulHost, ConsulHostArgs } from "../components/consul-host";
import { readStackSettings } from "../program/stack-settings";
import {
  Registration,
  installMocks,
  isSecret,
  readStackConfig,
  reveal,
  runProgram,
  theOne,
  valueOf,
} from "./harness";

const NS = "distributed-consul:";
const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const POLICY = "consul:index/aclPolicy:AclPolicy";

/** What one run of the loop did: its log, the stubs' records and the folder's files. */
interface LoopRun {
  /** Standard output and error of the script, line by line. */
  readonly log: string[];
  /** Each `consul` call: its arguments, address and token. */
  readonly consul: string[];
  /** The seconds of each sleep. */
  readonly sleeps: string[];
  /** The folder's entries (dot files included) after the run, with their modes. */
  readonly files: Map<string, number>;
  /** The folder's own mode. */
  readonly dirMode: number;
}

/**
 * Runs the loop for `rounds` sleeps in a real sh: `date` gives one UTC time per call, a minute
 * apart from 2026-12-07 10:00:00; `consul snapshot save F` writes F and says so, or fails on the
 * calls listed in `failOn` (1-based); the last `sleep` sends SIGTERM to the loop. `before` are
 * files already in the folder.
 */
function runLoop(opts: {
  nodeName: string;
  intervalSeconds: number;
  keep: number;
  rounds: number;
  before?: readonly string[];
  failOn?: readonly number[];
}): LoopRun {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "scheduled-snapshots-"));
  const bin = path.join(base, "bin");
  const dir = path.join(base, "snapshots");
  fs.mkdirSync(bin);
  fs.mkdirSync(dir, { mode: 0o755 });
  for (const name of opts.before ?? []) fs.writeFileSync(path.join(dir, name), "old");
  const counter = (what: string) =>
    `n=$(cat ${base}/${what} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${base}/${what}`;
  fs.writeFileSync(
    path.join(bin, "date"),
    [
      "#!/bin/sh",
      counter("dates"),
      // 10:00, 10:01, …: one minute per call.
      `printf '20261207T10%02d00Z\\n' $((n - 1))`,
    ].join("\n"),
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(bin, "consul"),
    [
      "#!/bin/sh",
      counter("saves"),
      `echo "$* addr=$CONSUL_HTTP_ADDR token=$CONSUL_HTTP_TOKEN" >> ${base}/consul.log`,
      `for f in ${(opts.failOn ?? []).join(" ")}; do`,
      '  if [ "$f" = "$n" ]; then echo "Error saving snapshot: Unexpected response code: 500 (No cluster leader)"; exit 1; fi',
      "done",
      'printf "snapshot %s" "$n" > "$3"',
      'echo "Saved and verified snapshot to index 4$n"',
    ].join("\n"),
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(bin, "sleep"),
    [
      "#!/bin/sh",
      counter("sleeps"),
      `echo "$1" >> ${base}/sleeps.log`,
      `if [ "$n" -ge ${opts.rounds} ]; then kill -TERM "$PPID"; fi`,
    ].join("\n"),
    { mode: 0o755 },
  );
  const script = scheduledSnapshotsScript({
    nodeName: opts.nodeName,
    intervalSeconds: opts.intervalSeconds,
    keep: opts.keep,
    dir,
  });
  const result = spawnSync("sh", ["-c", script], {
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      CONSUL_HTTP_ADDR: "http://127.0.0.1:8500",
      CONSUL_HTTP_TOKEN: "snapshot-token",
    },
    encoding: "utf8",
    timeout: 20_000,
  });
  try {
    assert.strictEqual(result.status, 0, `${result.stdout}\n${result.stderr}`);
    const lines = (file: string): string[] =>
      fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
    return {
      log: `${result.stdout}${result.stderr}`.trim().split("\n"),
      consul: lines(path.join(base, "consul.log")),
      sleeps: lines(path.join(base, "sleeps.log")),
      files: new Map(
        fs
          .readdirSync(dir)
          .sort()
          .map((name) => [name, fs.statSync(path.join(dir, name)).mode & 0o777]),
      ),
      dirMode: fs.statSync(dir).mode & 0o777,
    };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

describe("scheduled snapshots: the sidecar's loop (pure core, run in sh)", () => {
  it("saves at start and every interval, renames whole files 0600, prunes its node's beyond keep", () => {
    const run = runLoop({
      nodeName: "node1",
      intervalSeconds: 3600,
      keep: 2,
      rounds: 3,
      before: [
        "node1-20261206T090000Z.snap",
        // Another node's name that starts with this one's, and what an interrupted save left.
        "node10-20261206T090000Z.snap",
        ".partial-node1-20261206T100000Z.snap",
        "notes.txt",
      ],
    });
    // Three saves (10:00, 10:01, 10:02); the two newest of node1 stay.
    assert.deepStrictEqual(
      [...run.files.keys()],
      [
        "node1-20261207T100100Z.snap",
        "node1-20261207T100200Z.snap",
        "node10-20261206T090000Z.snap",
        "notes.txt",
      ],
    );
    assert.strictEqual(run.files.get("node1-20261207T100200Z.snap"), 0o600);
    assert.strictEqual(run.dirMode, 0o700);
    for (const name of run.files.keys()) {
      if (name.startsWith("node1-")) assert.ok(parseSnapshotFileName(name), name);
    }
    // consul wrote into a temporary file of the same folder, with the address and token given.
    assert.deepStrictEqual(
      run.consul.map((line) => line.replace(/ \S*\/snapshots\//, " <dir>/")),
      [
        "snapshot save <dir>/.partial-node1-20261207T100000Z.snap addr=http://127.0.0.1:8500 token=snapshot-token",
        "snapshot save <dir>/.partial-node1-20261207T100100Z.snap addr=http://127.0.0.1:8500 token=snapshot-token",
        "snapshot save <dir>/.partial-node1-20261207T100200Z.snap addr=http://127.0.0.1:8500 token=snapshot-token",
      ],
    );
    assert.deepStrictEqual(run.sleeps, ["3600", "3600", "3600"]);
    // One line per snapshot: name, size, what consul said, how many were pruned.
    assert.deepStrictEqual(run.log.slice(1), [
      "snapshot node1-20261207T100000Z.snap saved (10 bytes; Saved and verified snapshot to index 41); pruned 0",
      "snapshot node1-20261207T100100Z.snap saved (10 bytes; Saved and verified snapshot to index 42); pruned 1",
      "snapshot node1-20261207T100200Z.snap saved (10 bytes; Saved and verified snapshot to index 43); pruned 1",
    ]);
    assert.match(run.log[0], /^scheduled snapshots of node1 every 3600s into .*, keeping 2$/);
  });

  it("after a failed save, leaves no file, says why and tries again sooner", () => {
    const run = runLoop({
      nodeName: "node2",
      intervalSeconds: 600,
      keep: 5,
      rounds: 2,
      failOn: [1],
    });
    assert.deepStrictEqual([...run.files.keys()], ["node2-20261207T100100Z.snap"]);
    assert.deepStrictEqual(run.sleeps, [String(SCHEDULED_SNAPSHOTS_RETRY_SECONDS), "600"]);
    assert.ok(
      run.log.includes(
        `snapshot node2-20261207T100000Z.snap failed: Error saving snapshot: Unexpected response code: 500 (No cluster leader); trying again in ${SCHEDULED_SNAPSHOTS_RETRY_SECONDS}s`,
      ),
      run.log.join("\n"),
    );
  });

  it("retries no later than the interval when the interval is shorter than the retry", () => {
    const run = runLoop({ nodeName: "n", intervalSeconds: 45, keep: 1, rounds: 1, failOn: [1] });
    assert.deepStrictEqual(run.sleeps, ["45"]);
  });

  it("keeps secrets out of the script: the token comes from the environment", () => {
    const script = scheduledSnapshotsScript({ nodeName: "node1", intervalSeconds: 60, keep: 3 });
    assert.ok(!script.includes("CONSUL_HTTP_TOKEN"), script);
    assert.match(script, /umask 077/);
    assert.match(script, /dir='\/snapshots'/);
  });
});

const node1: ConsulHostArgs = {
  nodeName: "node1",
  hostAddress: "192.168.99.100",
  internalDatacenter: "vm1",
  bootstrap: true,
};

/** One ConsulHost under fresh mocks, every registration waited for. */
async function declared(
  args: ConsulHostArgs,
): Promise<Registration[] & { managementToken?: string }> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const host = new ConsulHost("node1", args);
  const [, , managementToken] = await valueOf(
    pulumi.all([host.globalContainerId, host.internalContainerId, host.aclManagementToken]),
  );
  await pulumi.runtime.disconnect();
  return Object.assign(registrations, { managementToken });
}

/** A container's environment, revealed, as `NAME=value` lines. */
function envsOf(container: Registration): string[] {
  return reveal(container.inputs.envs) as string[];
}

describe("scheduled snapshots: what ConsulHost declares (mocks)", () => {
  it("runs a sidecar next to the dc1 server, with a snapshot token of its own, never the management token", async () => {
    const registrations = await declared(node1);
    const run = { registrations };
    const sidecar = theOne(run, CONTAINER, "node1-scheduled-snapshots-container");
    assert.strictEqual(sidecar.inputs.name, scheduledSnapshotsContainerName("dc1", "node1"));
    assert.strictEqual(sidecar.inputs.name, "consul-snapshots-dc1-node1");
    assert.strictEqual(sidecar.inputs.networkMode, "host");
    assert.strictEqual(sidecar.inputs.restart, "unless-stopped");
    assert.deepStrictEqual(sidecar.inputs.labels, [{ label: "SERVICE_IGNORE", value: "true" }]);
    assert.strictEqual(sidecar.options.deleteBeforeReplace, true);
    // The same image as the server, the loop as its command.
    assert.strictEqual(
      sidecar.inputs.image,
      theOne(run, CONTAINER, "node1-global-agent").inputs.image,
    );
    assert.deepStrictEqual(sidecar.inputs.entrypoints, ["/bin/sh", "-c"]);
    assert.deepStrictEqual(sidecar.inputs.command, [
      scheduledSnapshotsScript({
        nodeName: "node1",
        intervalSeconds: DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS,
        keep: DEFAULT_SCHEDULED_SNAPSHOTS_KEEP,
      }),
    ]);
    const volume = theOne(run, VOLUME, "node1-scheduled-snapshots-volume");
    assert.strictEqual(volume.inputs.name, scheduledSnapshotsVolumeName("dc1", "node1"));
    assert.strictEqual(volume.inputs.name, "consul-dc1-node1-snapshots");
    assert.strictEqual(volume.options.retainOnDelete, false);
    assert.deepStrictEqual(sidecar.inputs.volumes, [
      { volumeName: "consul-dc1-node1-snapshots", containerPath: "/snapshots" },
    ]);
    // The image's VOLUME /consul/data gets a small tmpfs, not an anonymous volume per container.
    assert.deepStrictEqual(sidecar.inputs.tmpfs, { "/consul/data": "size=1m" });
    // The server's plain HTTP on loopback, and the token in the environment only, a secret.
    assert.ok(isSecret(sidecar.inputs.envs));
    const token = "secret-of-accessor-of-node1-snapshot-token-token";
    assert.deepStrictEqual(envsOf(sidecar), [
      "CONSUL_HTTP_ADDR=http://127.0.0.1:8500",
      `CONSUL_HTTP_TOKEN=${token}`,
    ]);
    const policy = theOne(run, POLICY, "node1-snapshot-token-policy");
    assert.strictEqual(policy.inputs.rules, snapshotRules());
    assert.strictEqual(snapshotRules(), 'acl = "write"\n');
    assert.strictEqual(policy.inputs.name, "snapshot-node1");
    // The management token is nowhere in the sidecar.
    const management = registrations.managementToken;
    assert.ok(management && management !== token);
    assert.ok(!JSON.stringify(sidecar.inputs).includes(management), "the management token");
    // After the server (its container, which is healthy once created): it asks the server's API.
    const component = registrations.find(
      (r) => r.name === "node1-scheduled-snapshots" && !r.custom,
    );
    assert.ok(component);
    assert.ok(
      component.options.dependencies.some((urn) => urn.endsWith("::node1-global-agent")),
      component.options.dependencies.join(", "),
    );
  });

  it("runs the sidecar with fixed memory (no swap beyond it) and CPU limits", async () => {
    const sidecar = theOne(
      { registrations: await declared(node1) },
      CONTAINER,
      "node1-scheduled-snapshots-container",
    );
    assert.deepStrictEqual(SCHEDULED_SNAPSHOTS_RESOURCES, { memoryMb: 64, cpus: 0.5 });
    // As the docker provider reads them back (cpus "0.5"), so that a second preview is empty.
    assert.deepStrictEqual(
      [sidecar.inputs.memory, sidecar.inputs.memorySwap, sidecar.inputs.cpus],
      [64, 64, "0.5"],
    );
  });

  it("keeps the snapshots when the server is replaced: only the sidecar's container takes an input from the server", async () => {
    // A server's container is replaced deleting it first (deleteBeforeReplace); the engine then
    // deletes first every resource with an input from it that could change (its property
    // dependencies): the volume must not be one, or the snapshots go with every server update.
    const run = { registrations: await declared(node1) };
    const server = theOne(run, CONTAINER, "node1-global-agent");
    assert.strictEqual(server.options.deleteBeforeReplace, true);
    const fromServer = (r: Registration): string[] =>
      Object.entries(r.options.propertyDependencies)
        .filter(([, urns]) => urns.some((urn) => urn.endsWith("::node1-global-agent")))
        .map(([property]) => property)
        .sort();
    assert.deepStrictEqual(fromServer(theOne(run, VOLUME, "node1-scheduled-snapshots-volume")), []);
    assert.deepStrictEqual(
      fromServer(
        theOne(run, "docker:index/remoteImage:RemoteImage", "node1-scheduled-snapshots-image"),
      ),
      [],
    );
    // The container asks the server's API (its address is known once the server is healthy).
    assert.deepStrictEqual(
      fromServer(theOne(run, CONTAINER, "node1-scheduled-snapshots-container")),
      ["envs"],
    );
  });

  it("takes the interval and count given, and keeps the volume with keepDataOnDestroy", async () => {
    const registrations = await declared({
      ...node1,
      scheduledSnapshots: { intervalSeconds: 60, keep: 3 },
      keepDataOnDestroy: true,
    });
    const sidecar = theOne({ registrations }, CONTAINER, "node1-scheduled-snapshots-container");
    assert.deepStrictEqual(sidecar.inputs.command, [
      scheduledSnapshotsScript({ nodeName: "node1", intervalSeconds: 60, keep: 3 }),
    ]);
    const volume = theOne({ registrations }, VOLUME, "node1-scheduled-snapshots-volume");
    assert.strictEqual(volume.options.retainOnDelete, true);
  });

  it("is not on a client host, nor when turned off", async () => {
    const ours = (registrations: Registration[]): string[] =>
      registrations
        .filter((r) => /scheduled-snapshots|snapshot-token/.test(r.name))
        .map((r) => r.name);
    const off = await declared({ ...node1, scheduledSnapshots: { enabled: false } });
    assert.deepStrictEqual(ours(off), []);
    // The shipped node1 stack has it; a client host joining it (as fleet.test.ts runs one) not.
    const node1Run = await runProgram(readStackConfig("node1"), {}, "node1");
    assert.ok(ours(node1Run.registrations).includes("host-scheduled-snapshots-container"));
    const client = await runProgram(
      {
        [`${NS}nodeName`]: "node7",
        [`${NS}internalDatacenter`]: "vm7",
        [`${NS}hostAddress`]: "192.168.99.106",
        [`${NS}dockerHost`]: "ssh://docker@192.168.99.106",
        [`${NS}role`]: "client",
      },
      { "organization/distributed-consul/node1": node1Run.outputs },
      "node7",
    );
    assert.ok(client.registrations.some((r) => r.name === "host-global-agent"));
    assert.deepStrictEqual(ours(client.registrations), []);
  });

  it("without ACLs, asks without a token", async () => {
    const registrations = await declared({ ...node1, aclEnabled: false });
    const sidecar = theOne({ registrations }, CONTAINER, "node1-scheduled-snapshots-container");
    assert.deepStrictEqual(envsOf(sidecar), ["CONSUL_HTTP_ADDR=http://127.0.0.1:8500"]);
  });

  it("refuses a short interval or no snapshot kept at preview, naming the argument", async () => {
    await installMocks([]);
    assert.throws(
      () =>
        new ConsulHost("node1", {
          ...node1,
          scheduledSnapshots: { intervalSeconds: 30, keep: 0 },
        }),
      (e: Error) =>
        /ConsulHost\(node1\)\.scheduledSnapshots\.intervalSeconds: must be whole seconds, at least 60, not 30/.test(
          e.message,
        ) &&
        /ConsulHost\(node1\)\.scheduledSnapshots\.keep: must be a whole number of at least 1/.test(
          e.message,
        ),
    );
    await pulumi.runtime.disconnect();
  });

  it("reads the stack's scheduledSnapshots and names a bad value by its config key", () => {
    const required = {
      nodeName: "node1",
      hostAddress: "192.168.99.100",
      internalDatacenter: "vm1",
    };
    const read = (values: Record<string, string>) => readStackSettings((name) => values[name]);
    const good = read({
      ...required,
      scheduledSnapshots: JSON.stringify({ intervalSeconds: 120, keep: 4 }),
    });
    assert.deepStrictEqual(good.problems, []);
    assert.deepStrictEqual(good.settings.scheduledSnapshots, { intervalSeconds: 120, keep: 4 });
    const bad = read({
      ...required,
      scheduledSnapshots: JSON.stringify({ intervalSeconds: 59.5, keep: 0 }),
    });
    assert.deepStrictEqual(
      bad.problems.map((p) => p.key),
      [
        "distributed-consul:scheduledSnapshots.intervalSeconds",
        "distributed-consul:scheduledSnapshots.keep",
      ],
    );
  });
});
