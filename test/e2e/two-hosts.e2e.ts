// The real suite: both shipped stacks deployed on two Docker hosts, observed through Consul and
// Docker. Steps run in order and build on each other (mocha --bail stops at the first failure);
// `after` destroys whatever was deployed.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { OutputMap, Stack } from "@pulumi/pulumi/automation";
import { TestEnvironment, TestHost, readTestEnvironment } from "./environment";
import { ScratchProject, exampleStack, hostStack, oneHostStack, scratchProject } from "./project";
import {
  Member,
  ServiceHealth,
  consulGet,
  consulPut,
  docker,
  eventually,
  resolveFromContainer,
} from "./probes";

const SERVICE = "elasticsearch";
const GLOBAL_HTTP_PORT = 8500;
const INTERNAL_HTTP_PORT = 18500;
const INTERNAL_DC = ["vm1", "vm2"];
/** The containers and volumes the two stacks make on host n (1-based). */
const containersOf = (n: number): string[] => [
  `consul-dc1-node${n}`,
  `consul-vm${n}-node${n}`,
  "registrator-dc1",
  `registrator-vm${n}`,
  SERVICE,
];
const volumesOf = (n: number): string[] => [
  `consul-dc1-node${n}-data`,
  `consul-vm${n}-node${n}-data`,
];
const STEP_MS = 6 * 60_000;

let env: TestEnvironment;
let project: ScratchProject | undefined;
const stacks: Stack[] = [];
let failed = false;

const hostAt = (i: number): TestHost => env.hosts[i];
const globalHttp = (i: number): string => `${hostAt(i).ip}:${GLOBAL_HTTP_PORT}`;
const internalHttp = (i: number): string => `${hostAt(i).ip}:${INTERNAL_HTTP_PORT}`;
const consulImage = (): string =>
  env.images["distributed-consul:consulImage"] ?? "hashicorp/consul:1.22.7";

async function up(i: number): Promise<OutputMap> {
  const result = await stacks[i].up({ onOutput: (text) => project?.log(text) });
  assert.strictEqual(result.summary.result, "succeeded");
  return result.outputs;
}

async function destroy(i: number): Promise<void> {
  const result = await stacks[i].destroy({ onOutput: (text) => project?.log(text) });
  assert.strictEqual(result.summary.result, "succeeded");
}

/** dc1's Raft peers and leader as the global server on host i sees them. */
async function raft(i: number): Promise<{ peers: string[]; leader: string }> {
  return {
    peers: (await consulGet<string[]>(globalHttp(i), "/v1/status/peers")).sort(),
    leader: await consulGet<string>(globalHttp(i), "/v1/status/leader"),
  };
}

/** Waits until both global servers agree on a leader among exactly the two expected peers. */
async function assertTwoServerCluster(): Promise<void> {
  const expected = env.hosts.map((h) => `${h.ip}:8300`).sort();
  for (const i of [0, 1]) {
    const seen = await eventually(
      () => raft(i),
      (r) => r.leader !== "" && JSON.stringify(r.peers) === JSON.stringify(expected),
    );
    assert.deepStrictEqual(seen.peers, expected, `peers seen from ${hostAt(i).stack}`);
    assert.ok(
      expected.includes(seen.leader),
      `leader seen from ${hostAt(i).stack}: ${seen.leader}`,
    );
  }
}

/** Waits until the WAN pool, seen from `address`, has the four servers alive on host addresses. */
async function assertWanPool(address: string): Promise<void> {
  const expected = ["node1-vm1.vm1", "node1.dc1", "node2-vm2.vm2", "node2.dc1"];
  const members = await eventually(
    () => consulGet<Member[]>(address, "/v1/agent/members?wan=1"),
    (m) => m.length === 4 && m.every((x) => x.Status === 1),
  );
  assert.deepStrictEqual(
    members.map((m) => m.Name).sort(),
    expected,
    `WAN pool seen at ${address}`,
  );
  const hostIps = env.hosts.map((h) => h.ip);
  for (const m of members) {
    assert.strictEqual(m.Status, 1, `${m.Name} is not alive (status ${m.Status})`);
    assert.ok(hostIps.includes(m.Addr), `${m.Name} advertises ${m.Addr}, not a host address`);
  }
}

/** The address of the service container on host i on the Docker bridge. */
async function serviceContainerIp(i: number): Promise<string> {
  return docker(hostAt(i), "inspect", "-f", "{{.NetworkSettings.IPAddress}}", SERVICE);
}

/** Names resolved from a container on host i through its Consul DNS. */
function resolveOn(i: number, name: string): Promise<string[]> {
  return resolveFromContainer(env, hostAt(i), consulImage(), name);
}

async function containerNames(host: TestHost): Promise<string[]> {
  return (await docker(host, "ps", "-a", "--format", "{{.Names}}")).split("\n").filter(Boolean);
}

async function volumeNames(host: TestHost): Promise<string[]> {
  return (await docker(host, "volume", "ls", "-q")).split("\n").filter(Boolean);
}

/** Containers and volumes of the stacks still on host i (0-based). */
async function leftoversOn(i: number): Promise<string[]> {
  const host = hostAt(i);
  const ours = new Set([...containersOf(i + 1), ...volumesOf(i + 1)]);
  return [...(await containerNames(host)), ...(await volumeNames(host))].filter((n) => ours.has(n));
}

/** Destroys node2, then node1 (as a user tears down), and checks that nothing of theirs is left. */
async function destroyBoth(): Promise<void> {
  await destroy(1);
  await destroy(0);
  for (const i of [0, 1]) assert.deepStrictEqual(await leftoversOn(i), [], hostAt(i).stack);
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(entry.parentPath, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("real deployment of node1 and node2 on two Docker hosts", function () {
  this.timeout(STEP_MS);

  before(async function () {
    env = readTestEnvironment();
    // A fresh backend cannot manage what an earlier, interrupted run left on the hosts.
    for (const [i, host] of env.hosts.entries()) {
      assert.deepStrictEqual(
        await leftoversOn(i),
        [],
        `${host.stack} (${host.dockerHost}) still has containers or volumes of an earlier run: ` +
          `remove them first (docker -H ${host.dockerHost} rm -f …; docker volume rm …).`,
      );
    }
    project = scratchProject();
    for (const host of env.hosts) stacks.push(await hostStack(project, env, host));
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    // Destroy in reverse order whatever exists, even after a failure.
    for (const stack of [...stacks].reverse()) {
      await stack.destroy({ onOutput: (text) => project?.log(text) }).catch((e: unknown) => {
        failed = true;
        console.error(`destroy of ${stack.name} failed: ${String(e)}`);
      });
    }
    if (failed && project) {
      console.error(`Pulumi's output and the scratch project are kept in ${project.logFile}`);
    } else {
      project?.remove();
    }
  });

  it("1. up of node1 alone gives a working one-server cluster", async () => {
    const outputs = await up(0);
    assert.strictEqual(outputs.globalJoinAddress.value, `${hostAt(0).ip}:8301`);
    assert.strictEqual(outputs.gossipKey.secret, true);
    const seen = await eventually(
      () => raft(0),
      (r) => r.leader !== "",
    );
    assert.deepStrictEqual(seen, {
      peers: [`${hostAt(0).ip}:8300`],
      leader: `${hostAt(0).ip}:8300`,
    });
  });

  it("2. up of node2 joins it: two alive servers with a leader, four WAN members on host addresses", async () => {
    await up(1);
    await assertTwoServerCluster();
    await assertWanPool(globalHttp(0));
    await assertWanPool(internalHttp(1));
  });

  it("3. registrator puts each host's service into dc1 at the host IP and into the internal DC at the container IP", async () => {
    const global = await eventually(
      () => consulGet<ServiceHealth[]>(globalHttp(0), `/v1/health/service/${SERVICE}?dc=dc1`),
      (entries) =>
        entries.length === 2 && entries.every((e) => e.Checks.every((c) => c.Status === "passing")),
    );
    assert.deepStrictEqual(
      global.map((e) => `${e.Service.Address}:${e.Service.Port}`).sort(),
      env.hosts.map((h) => `${h.ip}:9200`).sort(),
    );
    for (const e of global) {
      assert.ok(
        e.Checks.some((c) => c.CheckID.startsWith("service:")),
        `${e.Service.ID} has no service check`,
      );
      for (const c of e.Checks)
        assert.strictEqual(c.Status, "passing", `${e.Service.ID} ${c.CheckID}`);
    }
    for (const i of [0, 1]) {
      const containerIp = await serviceContainerIp(i);
      const internal = await eventually(
        () => consulGet<ServiceHealth[]>(internalHttp(i), `/v1/health/service/${SERVICE}`),
        (entries) => entries.length === 1 && entries[0].Checks.every((c) => c.Status === "passing"),
      );
      assert.deepStrictEqual(
        internal.map((e) => `${e.Service.Address}:${e.Service.Port}`),
        [`${containerIp}:9200`],
        `${INTERNAL_DC[i]} catalog`,
      );
      for (const c of internal[0].Checks) assert.strictEqual(c.Status, "passing", c.CheckID);
    }
  });

  it("4. containers on each host resolve dc1 to both hosts and their own DC to the local instance", async () => {
    const bothHosts = env.hosts.map((h) => h.ip).sort();
    for (const i of [0, 1]) {
      const local = [await serviceContainerIp(i)];
      assert.deepStrictEqual(await resolveOn(i, `${SERVICE}.service.dc1.consul`), bothHosts);
      assert.deepStrictEqual(await resolveOn(i, `${SERVICE}.service.consul`), local);
      assert.deepStrictEqual(await resolveOn(i, `${SERVICE}.query.consul`), local);
    }
  });

  it("5. the prepared query fails over to dc1 while the local instance is stopped, and comes back", async () => {
    await docker(hostAt(1), "stop", SERVICE);
    const failover = await eventually(
      () => resolveOn(1, `${SERVICE}.query.consul`),
      (a) => JSON.stringify(a) === JSON.stringify([hostAt(0).ip]),
    );
    assert.deepStrictEqual(failover, [hostAt(0).ip]);
    await docker(hostAt(1), "start", SERVICE);
    const local = [await serviceContainerIp(1)];
    const back = await eventually(
      () => resolveOn(1, `${SERVICE}.query.consul`),
      (a) => JSON.stringify(a) === JSON.stringify(local),
    );
    assert.deepStrictEqual(back, local);
  });

  it("6. a second preview of each stack proposes no change", async () => {
    for (const stack of stacks) {
      const preview = await stack.preview({
        expectNoChanges: true,
        diff: true,
        onOutput: (text) => project?.log(text),
      });
      const changes = Object.entries(preview.changeSummary).filter(([op]) => op !== "same");
      assert.deepStrictEqual(changes, [], `${stack.name}: ${preview.stdout}`);
    }
  });

  it("7. the agents use the gossip key Pulumi holds, and no secret is in plain text in the state", async () => {
    const outputs = await stacks[0].outputs();
    const gossipKey = String(outputs.gossipKey.value);
    assert.strictEqual(Buffer.from(gossipKey, "base64").length, 32);
    for (const address of [globalHttp(0), globalHttp(1), internalHttp(0), internalHttp(1)]) {
      const rings = await consulGet<{ Keys: Record<string, number> }[]>(
        address,
        "/v1/operator/keyring",
      );
      for (const ring of rings)
        assert.deepStrictEqual(Object.keys(ring.Keys), [gossipKey], address);
    }
    // disable_keyring_file: nothing in the data directory could override the configured key.
    const keyrings = await docker(
      hostAt(0),
      "exec",
      "consul-dc1-node1",
      "find",
      "/consul/data",
      "-name",
      "*.keyring",
    );
    assert.strictEqual(keyrings, "");
    for (const stack of stacks) {
      const state = project?.exportState(stack.name) ?? "";
      assert.match(state, /"ciphertext":/, `${stack.name}: no encrypted value in the export`);
      assert.ok(!state.includes(gossipKey), `${stack.name}'s exported state holds the gossip key`);
    }
    for (const file of filesUnder(project?.stateDir ?? "")) {
      assert.ok(!fs.readFileSync(file, "utf8").includes(gossipKey), `${file} holds the gossip key`);
    }
  });

  it("8. replacing a Consul server (a logLevel change) keeps the KV data, and the cluster has a leader again", async () => {
    assert.strictEqual(await consulPut<boolean>(globalHttp(0), "/v1/kv/e2e/kept", "before"), true);
    const before = await stacks[0].outputs();
    await stacks[0].setConfig("distributed-consul:logLevel", { value: "debug" });
    const after = await up(0);
    assert.notStrictEqual(after.globalContainerId.value, before.globalContainerId.value);
    await assertTwoServerCluster();
    const value = await eventually(
      () => fetch(`http://${globalHttp(0)}/v1/kv/e2e/kept?raw`).then((r) => r.text()),
      (text) => text === "before",
    );
    assert.strictEqual(value, "before");
  });

  it("9. a crashed agent (its process killed inside the container) comes back by itself and rejoins", async () => {
    const name = "consul-dc1-node2";
    const restarts = async (): Promise<number> =>
      Number(await docker(hostAt(1), "inspect", "-f", "{{.RestartCount}}", name));
    const before = await restarts();
    await docker(hostAt(1), "exec", name, "sh", "-c", "kill -9 $(pidof consul)").catch(() => {
      // The exec dies with the container's main process; the restart count below tells.
    });
    const after = await eventually(restarts, (n) => n > before);
    assert.ok(after > before, `restart count ${before} → ${after}`);
    await assertTwoServerCluster();
    await assertWanPool(globalHttp(0));
  });

  it("10. destroy of both stacks removes what up made; up of both again gives a healthy cluster", async () => {
    await destroyBoth();
    await up(0);
    await up(1);
    await assertTwoServerCluster();
    await assertWanPool(globalHttp(0));
  });

  it("11. with aclEnabled on both stacks: default deny, DNS and registrator still work, the token stays secret", async () => {
    await destroyBoth();
    for (const stack of stacks) {
      await stack.setConfig("distributed-consul:aclEnabled", { value: "true" });
    }
    const outputs = await up(0);
    await up(1);
    assert.strictEqual(outputs.aclManagementToken.secret, true);
    const token = String(outputs.aclManagementToken.value);
    await assertTwoServerCluster();

    // Anonymous requests: reads and writes outside services and nodes are refused.
    for (const [method, apiPath] of [
      ["PUT", "/v1/kv/e2e/anonymous"],
      ["GET", "/v1/acl/tokens"],
    ]) {
      const response = await fetch(`http://${globalHttp(0)}${apiPath}`, {
        method,
        body: method === "PUT" ? "x" : undefined,
        signal: AbortSignal.timeout(5000),
      });
      assert.strictEqual(response.status, 403, `anonymous ${method} ${apiPath}`);
    }
    const withToken = await fetch(`http://${globalHttp(0)}/v1/kv/e2e/managed`, {
      method: "PUT",
      body: "x",
      headers: { "X-Consul-Token": token },
      signal: AbortSignal.timeout(5000),
    });
    assert.strictEqual(withToken.status, 200);

    // registrator registers with its token; DNS answers through the anonymous dns-read policy,
    // in dc1 and (replicated) in each internal datacenter.
    const global = await eventually(
      () =>
        consulGet<ServiceHealth[]>(globalHttp(0), `/v1/health/service/${SERVICE}?dc=dc1`, token),
      (entries) => entries.length === 2,
    );
    assert.deepStrictEqual(
      global.map((e) => e.Service.Address).sort(),
      env.hosts.map((h) => h.ip).sort(),
    );
    const bothHosts = env.hosts.map((h) => h.ip).sort();
    for (const i of [0, 1]) {
      const local = [await serviceContainerIp(i)];
      const dc1 = await eventually(
        () => resolveOn(i, `${SERVICE}.service.dc1.consul`),
        (a) => a.length === 2,
      );
      assert.deepStrictEqual(dc1, bothHosts, `dc1 from ${hostAt(i).stack}`);
      const own = await eventually(
        () => resolveOn(i, `${SERVICE}.service.consul`),
        (a) => a.length === 1,
      );
      assert.deepStrictEqual(own, local, `${INTERNAL_DC[i]} from ${hostAt(i).stack}`);
    }

    for (const stack of stacks) {
      const preview = await stack.preview({ expectNoChanges: true });
      assert.deepStrictEqual(
        Object.keys(preview.changeSummary).filter((op) => op !== "same"),
        [],
        stack.name,
      );
      assert.ok(!(project?.exportState(stack.name) ?? "").includes(token), stack.name);
    }
    for (const file of filesUnder(project?.stateDir ?? "")) {
      assert.ok(!fs.readFileSync(file, "utf8").includes(token), `${file} holds the ACL token`);
    }
  });

  it("12. with ACLs on, destroy of node2 and then node1 succeeds and leaves nothing behind", async () => {
    // node2's server goes first, so dc1 has no quorum while node1 is destroyed: its Consul
    // objects must not need the API to go (deletedWith their agent).
    await destroyBoth();
  });

  it("13. examples/n-hosts with N=2: both servers expect two, elect a leader, federate four datacenters", async () => {
    if (!project) throw new Error("no scratch project");
    const example = await exampleStack(project, env);
    stacks.push(example);
    const result = await example.up({ onOutput: (text) => project?.log(text) });
    assert.strictEqual(result.summary.result, "succeeded");
    await assertTwoServerCluster();
    await assertWanPool(globalHttp(0));
    const preview = await example.preview({ expectNoChanges: true });
    assert.deepStrictEqual(
      Object.keys(preview.changeSummary).filter((op) => op !== "same"),
      [],
    );
    const destroyed = await example.destroy({ onOutput: (text) => project?.log(text) });
    assert.strictEqual(destroyed.summary.result, "succeeded");
    for (const i of [0, 1]) assert.deepStrictEqual(await leftoversOn(i), [], hostAt(i).stack);
  });

  it("14. first run on one machine: the shipped node1 stack, run on node1 itself, finds its address", async () => {
    // The CLI runs inside node1's network namespace (as on node1 itself), so this machine's
    // interfaces are node1's; only dockerHost is set, because the test host's engine socket is not
    // at the stock path. nodeIp is not set anywhere.
    const netns = env.node1Netns;
    if (!netns) {
      throw new Error(
        "step 14 runs the CLI on node1 itself: give node1's network namespace on this machine in E2E_NODE1_NETNS (the test machine's setup makes one named node1).",
      );
    }
    const local = scratchProject();
    let passed = false;
    try {
      const cli = (...args: string[]): string =>
        execFileSync("ip", ["netns", "exec", netns, "pulumi", ...args, "--non-interactive"], {
          cwd: local.dir,
          env: { ...process.env, ...local.pulumiEnv },
          encoding: "utf8",
          maxBuffer: 64 * 1024 * 1024,
        });
      cli("stack", "init", "node1");
      cli("config", "set", "distributed-consul:dockerHost", hostAt(0).dockerHost, "-s", "node1");
      const upOutput = cli("up", "--yes", "-s", "node1");
      local.log(upOutput);
      assert.match(
        upOutput,
        new RegExp(
          `distributed-consul:nodeIp is not set: using ${hostAt(0).ip.replace(/\./g, "\\.")} \\(eth0\\)`,
        ),
      );
      const outputs = JSON.parse(cli("stack", "output", "--json", "-s", "node1")) as Record<
        string,
        unknown
      >;
      assert.strictEqual(outputs.globalJoinAddress, `${hostAt(0).ip}:8301`);
      const seen = await eventually(
        () => raft(0),
        (r) => r.leader !== "",
      );
      assert.strictEqual(seen.leader, `${hostAt(0).ip}:8300`);
      local.log(cli("destroy", "--yes", "-s", "node1"));
      assert.deepStrictEqual(await leftoversOn(0), []);
      passed = true;
    } finally {
      if (passed) local.remove();
      else console.error(`step 14's Pulumi output is kept in ${local.logFile}`);
    }
  });

  for (const [step, language] of [
    [15, "yaml"],
    [16, "python"],
  ] as const) {
    it(`${step}. examples/${language}: one host through the component package`, async () => {
      if (!project) throw new Error("no scratch project");
      const gossipKey = randomBytes(32).toString("base64");
      const stack = await oneHostStack(project, env, language, gossipKey);
      stacks.push(stack);
      const result = await stack.up({ onOutput: (text) => project?.log(text) });
      assert.strictEqual(result.summary.result, "succeeded");
      assert.strictEqual(result.outputs.globalHttpAddress.value, globalHttp(0));
      const seen = await eventually(
        () => raft(0),
        (r) => r.leader !== "",
      );
      assert.strictEqual(seen.leader, `${hostAt(0).ip}:8300`);
      const wan = await eventually(
        () => consulGet<Member[]>(globalHttp(0), "/v1/agent/members?wan=1"),
        (m) => m.length === 2 && m.every((x) => x.Status === 1),
      );
      assert.deepStrictEqual(wan.map((m) => m.Name).sort(), ["node1-vm1.vm1", "node1.dc1"]);
      const registered = await eventually(
        () => consulGet<ServiceHealth[]>(globalHttp(0), `/v1/health/service/${SERVICE}`),
        (e) => e.length === 1 && e[0].Checks.every((c) => c.Status === "passing"),
      );
      assert.deepStrictEqual(
        registered.map((e) => `${e.Service.Address}:${e.Service.Port}`),
        [`${hostAt(0).ip}:9200`],
      );
      const rings = await consulGet<{ Keys: Record<string, number> }[]>(
        globalHttp(0),
        "/v1/operator/keyring",
      );
      for (const ring of rings) assert.deepStrictEqual(Object.keys(ring.Keys), [gossipKey]);
      const preview = await stack.preview({ expectNoChanges: true });
      assert.deepStrictEqual(
        Object.keys(preview.changeSummary).filter((op) => op !== "same"),
        [],
      );
      const destroyed = await stack.destroy({ onOutput: (text) => project?.log(text) });
      assert.strictEqual(destroyed.summary.result, "succeeded");
      assert.deepStrictEqual(await leftoversOn(0), []);
    });
  }
});
