// The real suite's upgrade step: both stacks deployed by the previous release's program (read from
// git), then updated in place with this working tree's program, their config still naming the
// host's address nodeIp as that release did (read, with a warning). Nothing may be deleted and no
// secret made anew; nothing may be replaced but what DELIBERATE lists, each with the change that
// causes it, and a replaced server keeps its data. It runs after the two-hosts suite (mocha sorts
// the files) on the same, by then empty, hosts; `after` destroys what it made.
import * as assert from "assert";
import { EngineEvent, OpType, Stack } from "@pulumi/pulumi/automation";
import { TestEnvironment, TestHost, readTestEnvironment } from "../../testbed/environment";
import { ScratchProject, hostStack, replaceProgram, scratchProject } from "../../testbed/project";
import { ConsulAccess, consulGet, consulPut, docker } from "../../testbed/probes";

/** The previous release: stacks it deployed must upgrade in place. */
const PREVIOUS_RELEASE = "8f4a48a";
/** What an upgrade must not do to any resource: each loses (or would lose) the resource's id. */
const FORBIDDEN: readonly OpType[] = ["replace", "delete", "create-replacement", "delete-replaced"];
/** The ops of a replacement (with deleteBeforeReplace, a preview lists all three). */
const REPLACEMENT: readonly OpType[] = ["replace", "create-replacement", "delete-replaced"];

/**
 * Replacements made on purpose since the previous release: the resources (by URN suffix), the
 * only properties whose change may cause it, the containers they are (by name, `n` for the host's
 * number), and why. Anything else replaced or deleted fails the step; a deliberately replaced
 * server must keep its data volume and the KV data in it.
 */
const DELIBERATE: readonly {
  readonly urn: RegExp;
  readonly keys: readonly string[];
  readonly containers: (n: number) => string[];
  readonly why: string;
}[] = [
  {
    urn: /distributed-consul:index:(GlobalConsul|InternalDc)\$docker:index\/container:Container::host-(global|internal)-agent$/,
    keys: ["uploads", "restart", "memory", "memorySwap", "cpus"],
    containers: (n) => [`consul-dc1-node${n}`, `consul-vm${n}-node${n}`],
    why:
      "issue 29: a dc1 server leaves only when Pulumi removes it (leave_on_terminate false, " +
      "rejoin_after_leave, autopilot min_quorum = serverCount in uploads; restart on-failure). " +
      "Issue 27: Prometheus telemetry (uploads) and memory/CPU limits (memory, memorySwap, cpus). " +
      "Issue 26: DNS answers that say they are truncated (dns_config in uploads)",
  },
];
/**
 * What this release adds on every server host since the previous release (by name, `n` for the
 * host's number), and why: created by the upgrade, never replacing anything. Anything else added
 * fails the step.
 */
const ADDED: readonly {
  readonly containers: (n: number) => string[];
  readonly volumes: (n: number) => string[];
  readonly why: string;
}[] = [
  {
    containers: (n) => [`consul-snapshots-dc1-node${n}`],
    volumes: (n) => [`consul-dc1-node${n}-snapshots`],
    why: "scheduled snapshots of dc1 on every server host (scheduledSnapshots, on by default)",
  },
];
/** A key written through node1's API before the upgrade and read back after it. */
const KEPT_KEY = "e2e/upgrade/kept";
/** Secret outputs the upgrade must keep: joining stacks and every agent rely on them. */
const KEPT_SECRETS = ["gossipKey", "aclManagementToken"];
/**
 * Steps that change nothing: `read` is a StackReference reading the bootstrap stack's outputs,
 * which every preview of a joining stack does.
 */
const UNCHANGED: readonly OpType[] = ["same", "read"];
/** The host's address under its current name, which the previous release called nodeIp. */
const HOST_ADDRESS = "distributed-consul:hostAddress";
const STEP_MS = 6 * 60_000;

let env: TestEnvironment;
let project: ScratchProject | undefined;
const stacks: Stack[] = [];
let failed = false;
/** Container id by `host/name`, on both hosts, as the previous release left them. */
let containersBefore: Map<string, string>;
/** Every secret output of each stack, by `stack.output`, as the previous release left them. */
let secretsBefore: Map<string, string>;
/** Every volume on both hosts, as `host/name`, as the previous release left them. */
let volumesBefore: string[];
/** How the step reaches node1's API: the deployment's CA and management token. */
let access: ConsulAccess = {};
/** The value written before the upgrade, to read back after it. */
const KEPT_VALUE = `written by ${PREVIOUS_RELEASE} at ${new Date().toISOString()}`;

/** Every volume on the given hosts, as sorted `host/name`. */
async function volumeNames(hosts: readonly TestHost[]): Promise<string[]> {
  const names: string[] = [];
  for (const host of hosts) {
    const lines = await docker(host, "volume", "ls", "--format", "{{.Name}}");
    names.push(
      ...lines
        .split("\n")
        .filter(Boolean)
        .map((name) => `${host.stack}/${name}`),
    );
  }
  return names.sort();
}

/** Every container on the given hosts (running or not), by `host/name`, with its full id. */
async function containerIds(hosts: readonly TestHost[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const host of hosts) {
    const lines = await docker(host, "ps", "-a", "--no-trunc", "--format", "{{.Names}} {{.ID}}");
    for (const line of lines.split("\n").filter(Boolean)) {
      const [name, id] = line.split(" ");
      ids.set(`${host.stack}/${name}`, id);
    }
  }
  return ids;
}

/** Whatever containers and volumes a host holds, named. */
async function holdings(host: TestHost): Promise<string[]> {
  const containers = await docker(host, "ps", "-a", "--format", "container {{.Names}}");
  const volumes = await docker(host, "volume", "ls", "--format", "volume {{.Name}}");
  return `${containers}\n${volumes}`.split("\n").filter(Boolean);
}

/** Each secret output of the stacks, by `stack.output` (values compared, never printed). */
async function secretOutputs(): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  for (const stack of stacks) {
    const outputs = await stack.outputs();
    for (const name of KEPT_SECRETS) {
      assert.ok(outputs[name]?.secret === true, `${stack.name} exports no secret ${name}`);
    }
    for (const [name, output] of Object.entries(outputs)) {
      if (output.secret) secrets.set(`${stack.name}.${name}`, JSON.stringify(output.value));
    }
  }
  return secrets;
}

/** One resource step of a preview: what it would do to which resource, and the keys that differ. */
interface Step {
  readonly op: OpType;
  readonly urn: string;
  readonly diffs: readonly string[];
}

/**
 * A preview of `stack`: each resource step it plans (from its events), and the ops of its summary
 * that change something (a cross-check: a change the events missed still shows there).
 */
async function preview(
  stack: Stack,
): Promise<{ steps: Step[]; changed: (readonly [OpType, number])[]; output: string }> {
  const steps: Step[] = [];
  const onEvent = (event: EngineEvent): void => {
    const step = event.resourcePreEvent?.metadata;
    if (step) steps.push({ op: step.op, urn: step.urn, diffs: step.keys ?? step.diffs ?? [] });
  };
  let output = "";
  const onOutput = (text: string): void => {
    output += text;
    project?.log(text);
  };
  const result = await stack.preview({ onEvent, onOutput });
  assert.ok(steps.length > 0, `${stack.name}: the preview sent no resource event`);
  const changed = (Object.entries(result.changeSummary) as [OpType, number][]).filter(
    ([op, count]) => !UNCHANGED.includes(op) && count > 0,
  );
  return { steps, changed, output };
}

/** One line per step, for a failure message or the report: `op urn (keys)`. */
const describeSteps = (steps: readonly Step[]): string =>
  steps
    .map((s) => `\n  ${s.op} ${s.urn}${s.diffs.length ? ` (${s.diffs.join(", ")})` : ""}`)
    .join("");

async function up(stack: Stack): Promise<void> {
  const result = await stack.up({ onOutput: (text) => project?.log(text) });
  assert.strictEqual(result.summary.result, "succeeded", stack.name);
}

describe(`upgrade in place: stacks of the previous release (${PREVIOUS_RELEASE}) updated with this program`, function () {
  this.timeout(STEP_MS);

  before(async function () {
    env = readTestEnvironment();
    // Every container on the hosts is compared below: they must start empty.
    for (const host of env.hosts) {
      assert.deepStrictEqual(
        await holdings(host),
        [],
        `${host.stack} (${host.dockerHost}) is not empty: the upgrade step compares every ` +
          `container on it. Remove them first (docker -H ${host.dockerHost} rm -f …; docker volume rm …).`,
      );
    }
    project = scratchProject(PREVIOUS_RELEASE);
    // The previous release reads the host's address as nodeIp.
    for (const host of env.hosts) stacks.push(await hostStack(project, env, host, "nodeIp"));
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    for (const stack of [...stacks].reverse()) {
      await stack
        .destroy({ runProgram: true, onOutput: (text) => project?.log(text) })
        .catch((e: unknown) => {
          failed = true;
          console.error(`destroy of ${stack.name} failed: ${String(e)}`);
        });
    }
    if (failed && project) {
      console.error(`Pulumi's output and the scratch project are kept in ${project.logFile}`);
    } else {
      project?.remove();
    }
    // Only once this step has deployed: hosts found busy in `before` are not its to clear.
    if (project) {
      for (const host of env.hosts) {
        assert.deepStrictEqual(
          await holdings(host),
          [],
          `${host.stack} is not empty after destroy`,
        );
      }
    }
  });

  it(`1. the previous release (${PREVIOUS_RELEASE}) deploys node1, then node2`, async () => {
    for (const stack of stacks) await up(stack);
    const outputs = await stacks[0].outputs();
    access = {
      ca: String(outputs.tlsCaCertificate.value),
      token: String(outputs.aclManagementToken.value),
    };
    assert.strictEqual(
      await consulPut<boolean>(`${env.hosts[0].ip}:8501`, `/v1/kv/${KEPT_KEY}`, KEPT_VALUE, access),
      true,
      `PUT ${KEPT_KEY}`,
    );
    containersBefore = await containerIds(env.hosts);
    volumesBefore = await volumeNames(env.hosts);
    assert.ok(containersBefore.size > 0, "no container on the hosts after up");
    secretsBefore = await secretOutputs();
  });

  it("2. with this program, each stack's preview replaces only what DELIBERATE lists and deletes nothing; up keeps every other container, every volume, the KV data and every secret", async () => {
    if (!project) throw new Error("no scratch project");
    replaceProgram(project);
    for (const [i, host] of env.hosts.entries()) {
      // The shipped stack file is the new one: point it at the test host again, with the address
      // under its former name, as in a stack file written for the previous release (the shipped
      // file's own hostAddress goes): this program reads it, and warns at preview.
      stacks[i] = await hostStack(project, env, host, "nodeIp");
      const config = await stacks[i].getAllConfig();
      if (HOST_ADDRESS in config) await stacks[i].removeConfig(HOST_ADDRESS);
      const { steps, changed, output } = await preview(stacks[i]);
      assert.match(
        output,
        /distributed-consul:nodeIp\b.*distributed-consul:hostAddress/,
        `${host.stack}: the preview does not warn that nodeIp is now hostAddress`,
      );
      const deliberate = (s: Step): boolean =>
        REPLACEMENT.includes(s.op) &&
        DELIBERATE.some((d) => d.urn.test(s.urn) && s.diffs.every((k) => d.keys.includes(k)));
      const forbidden = steps.filter((s) => FORBIDDEN.includes(s.op) && !deliberate(s));
      const replaced = steps.filter((s) => s.op === "replace" && deliberate(s)).length;
      // What the new program creates instead: the names an alias needs.
      const creates = steps.filter((s) => s.op === "create");
      assert.deepStrictEqual(
        [
          ...forbidden.map((s) => `${s.op} ${s.urn}`),
          // The summary counts each replacement once: only the deliberate ones may be there.
          ...changed
            .filter(
              ([op, count]) => FORBIDDEN.includes(op) && !(op === "replace" && count === replaced),
            )
            .map(([op, count]) => `summary: ${count} ${op}`),
        ],
        [],
        `${host.stack}: the upgrade would replace or delete (add aliases for these, or list a deliberate replacement in DELIBERATE with its cause):` +
          describeSteps(forbidden) +
          (creates.length ? `\nwhile it creates:${describeSteps(creates)}` : ""),
      );
      const changes = steps.filter((s) => !UNCHANGED.includes(s.op));
      const unchanged = steps.length - changes.length;
      console.log(
        `      ${host.stack}: the upgrade's preview lists ${unchanged} unchanged (same, read)` +
          (changes.length
            ? `, and:${describeSteps(changes).replace(/\n {2}/g, "\n        ")}`
            : ""),
      );
      await up(stacks[i]);
    }
    const containersAfter = await containerIds(env.hosts);
    const replacedOnPurpose = new Set(
      env.hosts.flatMap((host, i) =>
        DELIBERATE.flatMap((d) => d.containers(i + 1)).map((name) => `${host.stack}/${name}`),
      ),
    );
    const addedOnPurpose = (what: "containers" | "volumes"): Set<string> =>
      new Set(
        env.hosts.flatMap((host, i) =>
          ADDED.flatMap((a) => a[what](i + 1)).map((name) => `${host.stack}/${name}`),
        ),
      );
    const addedContainers = addedOnPurpose("containers");
    const all = [...new Set([...containersBefore.keys(), ...containersAfter.keys()])];
    const changed = all.filter(
      (name) =>
        containersBefore.get(name) !== containersAfter.get(name) &&
        !replacedOnPurpose.has(name) &&
        !(addedContainers.has(name) && !containersBefore.has(name)),
    );
    for (const name of addedContainers) {
      assert.ok(containersAfter.has(name), `${name} was not added by the upgrade`);
    }
    // A deliberately replaced server is made anew on the volume it had: same volumes, same data.
    for (const name of replacedOnPurpose) {
      assert.ok(containersAfter.has(name), `${name} is gone after the upgrade`);
    }
    assert.deepStrictEqual(
      await volumeNames(env.hosts),
      [...new Set([...volumesBefore, ...addedOnPurpose("volumes")])].sort(),
      "volumes after the upgrade (those before, and those ADDED)",
    );
    const kept = await consulGet<{ Value: string }[]>(
      `${env.hosts[0].ip}:8501`,
      `/v1/kv/${KEPT_KEY}`,
      access,
    );
    assert.strictEqual(Buffer.from(kept[0].Value, "base64").toString(), KEPT_VALUE, KEPT_KEY);
    assert.deepStrictEqual(
      changed.map(
        (name) =>
          `${name}: ${containersBefore.get(name) ?? "absent"} → ${containersAfter.get(name) ?? "absent"}`,
      ),
      [],
      "containers made anew, removed or added by the upgrade",
    );
    const secretsAfter = await secretOutputs();
    for (const [name, value] of secretsBefore) {
      // Compared, never printed: the message names the output only.
      assert.ok(secretsAfter.get(name) === value, `${name} changed (or is gone) after the upgrade`);
    }
  });

  it("3. a second preview of each stack proposes no change", async () => {
    for (const stack of stacks) {
      const { steps, changed } = await preview(stack);
      const changes = steps.filter((s) => !UNCHANGED.includes(s.op));
      assert.deepStrictEqual(
        [
          ...changes.map((s) => `${s.op} ${s.urn}`),
          ...changed.map(([op, count]) => `summary: ${count} ${op}`),
        ],
        [],
        `${stack.name}: the second preview proposes:${describeSteps(changes)}`,
      );
    }
  });
});
