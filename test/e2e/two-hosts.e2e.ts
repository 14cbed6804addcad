// The real suite: both shipped stacks deployed on two Docker hosts, observed through Consul and
// Docker. Steps run in order and build on each other (mocha --bail stops at the first failure);
// `after` destroys whatever was deployed. The shipped defaults are secure (ACLs with default deny,
// TLS on server RPC, the API on the host address over HTTPS only), so every step observes Consul
// over HTTPS, verified with the deployment's CA, with its management token unless it checks what
// an anonymous caller gets.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OutputMap, Stack } from "@pulumi/pulumi/automation";
import { keySeed, renewalWindow, serverCertificate } from "../../core/certificates";
import { caIdentityOf } from "../../core/server-tls";
import { TestEnvironment, TestHost, readTestEnvironment } from "../../testbed/environment";
import {
  ScratchProject,
  exampleStack,
  hostStack,
  npmRunIn,
  oneHostStack,
  scratchProject,
  containersOf,
  assertNoLeftovers,
  leftoversOn as leftovers,
} from "../../testbed/project";
import {
  ConsulAccess,
  Member,
  ServiceHealth,
  consulGet,
  consulMembers,
  consulPut,
  consulRequest,
  docker,
  dockerLogs,
  envOf,
  eventually,
  inspectAll,
  pemBodyLines,
  resolveFromContainer,
  rpcPing,
  tcpConnect,
} from "../../testbed/probes";
import { assertScheduledSnapshotsLimits, scheduledSnapshotsOn } from "./scheduled-snapshots-checks";
import { assertKeysRead, writeKeys } from "./kv-checks";

const SERVICE = "elasticsearch";
/** The API on the host address: HTTPS (every deployment here has TLS). */
const GLOBAL_HTTPS_PORT = 8501;
const INTERNAL_HTTPS_PORT = 18501;
/** Plain HTTP: only on loopback and the bridge, so refused on the host address. */
const GLOBAL_HTTP_PORT = 8500;
const INTERNAL_HTTP_PORT = 18500;
const GLOBAL_RPC_PORT = 8300;
const INTERNAL_RPC_PORT = 18300;
const INTERNAL_DC = ["vm1", "vm2"];
/** The only container that may hold the management token: node1's bootstrap server. */
const MANAGEMENT_TOKEN_HOLDER = "node1/consul-dc1-node1";
/** What an agent logs when a request or its own operation is denied by ACLs. */
const ACL_DENIAL =
  /ACL not found|Coordinate update blocked by ACLs|Permission denied|blocked by ACLs/;
/** How long the agents' logs are watched for ACL denials in steady state. */
const QUIET_LOG_WINDOW_MS = 30_000;
const STEP_MS = 6 * 60_000;
/**
 * Both stacks' `scheduledSnapshots.intervalSeconds`: the shortest accepted, so that step 8b waits
 * at most a minute for a scheduled snapshot to restore from.
 */
const SCHEDULED_SNAPSHOT_SECONDS = 60;
/** How many times step 8b restarts node2's server at most until node1's leads. */
const LEADERSHIP_RESTARTS = 5;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

let env: TestEnvironment;
let project: ScratchProject | undefined;
const stacks: Stack[] = [];
let failed = false;
/**
 * How the probes reach the API of what is deployed now: the CA that verifies it (none: plain
 * HTTP) and the management token (none without ACLs). Set by each step that deploys.
 */
let access: ConsulAccess = {};

const hostAt = (i: number): TestHost => env.hosts[i];
const globalApi = (i: number): string => `${hostAt(i).ip}:${GLOBAL_HTTPS_PORT}`;
const internalApi = (i: number): string => `${hostAt(i).ip}:${INTERNAL_HTTPS_PORT}`;
/** The same access, without a token: what an anonymous caller gets. */
const anonymous = (): ConsulAccess => ({ ca: access.ca });
const consulImage = (): string =>
  env.images["distributed-consul:consulImage"] ?? "hashicorp/consul:1.22.7";

/** The CA and management token of the node1 stack's outputs. */
function accessOf(outputs: OutputMap): ConsulAccess {
  const ca = outputs.tlsCaCertificate?.value as unknown;
  const token = outputs.aclManagementToken?.value as unknown;
  assert.ok(
    typeof ca === "string" && ca.startsWith("-----BEGIN CERTIFICATE-----"),
    "tlsCaCertificate",
  );
  assert.ok(typeof token === "string" && token !== "", "aclManagementToken");
  return { ca, token };
}

async function up(i: number): Promise<OutputMap> {
  const result = await stacks[i].up({ onOutput: (text) => project?.log(text) });
  assert.strictEqual(result.summary.result, "succeeded");
  // node1 makes the CA and the management token (anew after a destroy).
  if (i === 0) access = accessOf(result.outputs);
  return result.outputs;
}

async function destroy(i: number): Promise<void> {
  const result = await stacks[i].destroy({
    runProgram: true,
    onOutput: (text) => project?.log(text),
  });
  assert.strictEqual(result.summary.result, "succeeded");
}

/** dc1's Raft peers and leader as the global server on host i sees them. */
async function raft(i: number): Promise<{ peers: string[]; leader: string }> {
  return {
    peers: (await consulGet<string[]>(globalApi(i), "/v1/status/peers", access)).sort(),
    leader: await consulGet<string>(globalApi(i), "/v1/status/leader", access),
  };
}

/** Waits until both global servers agree on a leader among exactly the two expected peers. */
async function assertTwoServerCluster(): Promise<void> {
  const expected = env.hosts.map((h) => `${h.ip}:${GLOBAL_RPC_PORT}`).sort();
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
    () => consulGet<Member[]>(address, "/v1/agent/members?wan=1", access),
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

/** Containers and volumes of the stacks still on host i (0-based). */
async function leftoversOn(i: number): Promise<string[]> {
  return leftovers(hostAt(i), i + 1);
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

/**
 * Every secret the deployment handed to a container on either host, by where it was found: ACL
 * tokens (registrators' CONSUL_HTTP_TOKEN, the servers' own tokens), the servers' TLS private keys
 * (each line of the PEM body) and the gossip key in each server's CONSUL_LOCAL_CONFIG.
 */
async function containerSecrets(): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  for (const host of env.hosts) {
    for (const { name, inspect } of await inspectAll(host)) {
      const where = `${host.stack}/${name}`;
      for (const variable of [
        "CONSUL_HTTP_TOKEN",
        "DISTRIBUTED_CONSUL_MANAGEMENT_TOKEN",
        "DISTRIBUTED_CONSUL_AGENT_TOKEN",
      ]) {
        const value = envOf(inspect, variable);
        if (value) secrets.set(`${where} ${variable}`, value);
      }
      const tlsKey = envOf(inspect, "DISTRIBUTED_CONSUL_TLS_KEY");
      pemBodyLines(tlsKey ?? "").forEach((line, n) =>
        secrets.set(`${where} TLS private key (line ${n + 1})`, line),
      );
      const local = envOf(inspect, "CONSUL_LOCAL_CONFIG");
      if (local) {
        const config = JSON.parse(local) as {
          encrypt?: string;
          acl?: { tokens?: Record<string, string> };
        };
        if (config.encrypt) secrets.set(`${where} gossip key`, config.encrypt);
        for (const [token, value] of Object.entries(config.acl?.tokens ?? {})) {
          secrets.set(`${where} acl.tokens.${token}`, value);
        }
      }
    }
  }
  return secrets;
}

/**
 * No secret is in plain text in the Pulumi backend: neither in either stack's export (as a user
 * runs it, secrets encrypted) nor in any file of the file backend (state, backups, history).
 */
function assertNoSecretInBackend(secrets: ReadonlyMap<string, string>): void {
  for (const stack of stacks) {
    const state = project?.exportState(stack.name) ?? "";
    assert.match(state, /"ciphertext":/, `${stack.name}: no encrypted value in the export`);
    for (const [what, value] of secrets) {
      assert.ok(!state.includes(value), `${stack.name}'s exported state holds ${what}`);
    }
  }
  const files = filesUnder(project?.stateDir ?? "");
  assert.ok(files.length > 0, "the file backend holds no file");
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const [what, value] of secrets) assert.ok(!text.includes(value), `${file} holds ${what}`);
  }
}

/** The secrets node1's stack makes, by name: management token, the CA key's body, gossip key. */
async function generatedSecrets(): Promise<Map<string, string>> {
  const outputs = await stacks[0].outputs();
  const secrets = new Map<string, string>([
    ["the management token", String(outputs.aclManagementToken.value)],
    ["the gossip key", String(outputs.gossipKey.value)],
  ]);
  pemBodyLines(String(outputs.tlsCaKey.value)).forEach((line, n) =>
    secrets.set(`the CA private key (line ${n + 1})`, line),
  );
  return secrets;
}

/**
 * Previews `stack` with `expectNoChanges` and asserts it proposes no change (the message names the
 * stack, then `when`); resolves to the preview's output.
 */
async function assertNoChangePreview(stack: Stack, when: string): Promise<string> {
  const preview = await stack.preview({
    expectNoChanges: true,
    diff: true,
    onOutput: (text) => project?.log(text),
  });
  const changes = Object.entries(preview.changeSummary).filter(([op]) => op !== "same");
  assert.deepStrictEqual(changes, [], `${stack.name}${when}: ${preview.stdout}`);
  return preview.stdout;
}

describe("real deployment of node1 and node2 on two Docker hosts", function () {
  this.timeout(STEP_MS);

  before(async function () {
    env = readTestEnvironment();
    await assertNoLeftovers(env.hosts);
    project = scratchProject();
    for (const host of env.hosts) {
      const stack = await hostStack(project, env, host);
      // Scheduled snapshots every minute (step 8b restores one). Written into the settings file:
      // setConfig takes strings, Pulumi wants an object here.
      const settings = await stack.workspace.stackSettings(stack.name);
      await stack.workspace.saveStackSettings(stack.name, {
        ...settings,
        config: {
          ...settings.config,
          "distributed-consul:scheduledSnapshots": { intervalSeconds: SCHEDULED_SNAPSHOT_SECONDS },
        },
      });
      stacks.push(stack);
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(async function () {
    // Destroy in reverse order whatever exists, even after a failure.
    for (const stack of [...stacks].reverse()) {
      // A stack a step already destroyed has nothing left (and a joining one's bootstrap stack
      // may be gone, which its program needs): only stacks that hold resources are destroyed.
      const { deployment } = (await stack.exportStack()) as {
        deployment?: { resources?: unknown[] };
      };
      if ((deployment?.resources ?? []).length === 0) continue;
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
  });

  it("1. up of node1 alone gives a working one-server cluster, its API on HTTPS, its secrets secret", async () => {
    const outputs = await up(0);
    assert.strictEqual(outputs.globalJoinAddress.value, `${hostAt(0).ip}:8301`);
    assert.strictEqual(outputs.globalApiAddress.value, globalApi(0));
    assert.strictEqual(outputs.internalApiAddress.value, internalApi(0));
    for (const secret of ["gossipKey", "aclManagementToken", "tlsCaKey"]) {
      assert.strictEqual(outputs[secret].secret, true, `${secret} is not a secret output`);
    }
    assert.strictEqual(outputs.tlsCaCertificate.secret, false);
    const seen = await eventually(
      () => raft(0),
      (r) => r.leader !== "",
    );
    assert.deepStrictEqual(seen, {
      peers: [`${hostAt(0).ip}:${GLOBAL_RPC_PORT}`],
      leader: `${hostAt(0).ip}:${GLOBAL_RPC_PORT}`,
    });
  });

  it("2. up of node2 joins it: two alive servers with a leader, four WAN members on host addresses", async () => {
    const outputs = await up(1);
    // node2 trusts the CA node1 made (read from node1's stack), and serves its API on HTTPS.
    assert.strictEqual(outputs.tlsCaCertificate.value, access.ca);
    assert.strictEqual(outputs.globalApiAddress.value, globalApi(1));
    await assertTwoServerCluster();
    await assertWanPool(globalApi(0));
    await assertWanPool(internalApi(1));
  });

  it("3. registrator puts each host's service into dc1 at the host IP and into the internal DC at the container IP", async () => {
    const global = await eventually(
      () =>
        consulGet<ServiceHealth[]>(globalApi(0), `/v1/health/service/${SERVICE}?dc=dc1`, access),
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
        () => consulGet<ServiceHealth[]>(internalApi(i), `/v1/health/service/${SERVICE}`, access),
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
    // With ACLs on (default deny), DNS answers through the anonymous token's dns-read policies,
    // in dc1 and (replicated) in each internal datacenter.
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

  it("6. a second preview of each stack proposes no change (no certificate or token churn); aclEnabled false is warned about; a rename with an alias changes nothing", async () => {
    for (const stack of stacks) {
      const stdout = await assertNoChangePreview(stack, "");
      assert.doesNotMatch(stdout, /aclEnabled is false/, stack.name);
    }
    // A preview changes nothing: the setting is removed again right after.
    await stacks[0].setConfig("distributed-consul:aclEnabled", { value: "false" });
    try {
      const preview = await stacks[0].preview({ onOutput: (text) => project?.log(text) });
      assert.match(
        preview.stdout,
        /warning: distributed-consul:aclEnabled is false: Consul's ACLs are off/,
      );
    } finally {
      await stacks[0].removeConfig("distributed-consul:aclEnabled");
    }
    // Renaming the host component, as a composing program would: with an alias nothing changes
    // (the children are named from the component's name, so they follow it); without one the
    // Consul servers would be deleted and made again.
    const program = path.join(project!.dir, "index.ts");
    const original = fs.readFileSync(program, "utf8");
    const renamed = (alias: boolean): string => {
      const from = 'new ConsulHost("host", args, { providers: [dockerProvider] });';
      assert.ok(original.includes(from), "index.ts changed shape");
      return original.replace(
        from,
        alias
          ? 'new ConsulHost("consul-host", args, { providers: [dockerProvider], aliases: [{ name: "host" }] });'
          : 'new ConsulHost("consul-host", args, { providers: [dockerProvider] });',
      );
    };
    try {
      fs.writeFileSync(program, renamed(true));
      const withAlias = await stacks[0].preview({ onOutput: (text) => project?.log(text) });
      const changes = Object.entries(withAlias.changeSummary).filter(([op]) => op !== "same");
      assert.deepStrictEqual(changes, [], `renamed with an alias: ${withAlias.stdout}`);
      fs.writeFileSync(program, renamed(false));
      const without = await stacks[0].preview({ onOutput: (text) => project?.log(text) });
      assert.ok(
        (without.changeSummary.delete ?? 0) > 0,
        `renamed without an alias: ${without.stdout}`,
      );
    } finally {
      fs.writeFileSync(program, original);
    }
  });

  it("7. the agents use the gossip key Pulumi holds, and no secret is in plain text in the state", async () => {
    const outputs = await stacks[0].outputs();
    const gossipKey = String(outputs.gossipKey.value);
    assert.strictEqual(Buffer.from(gossipKey, "base64").length, 32);
    for (const address of [globalApi(0), globalApi(1), internalApi(0), internalApi(1)]) {
      const rings = await consulGet<{ Keys: Record<string, number> }[]>(
        address,
        "/v1/operator/keyring",
        access,
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
    // The management token, the CA key and the gossip key, and every token and TLS key a
    // container was given: none in the exports nor in any file of the backend.
    const secrets = new Map([...(await generatedSecrets()), ...(await containerSecrets())]);
    assert.ok(
      [...secrets.keys()].some((what) => what.includes("TLS private key")),
      `no server TLS key found in the containers: ${[...secrets.keys()].join(", ")}`,
    );
    assertNoSecretInBackend(secrets);
  });

  it("8. replacing a Consul server (a logLevel change) keeps the KV data and the host's scheduled snapshots, and the cluster has a leader again", async () => {
    assert.strictEqual(
      await consulPut<boolean>(globalApi(0), "/v1/kv/e2e/kept", "before", access),
      true,
    );
    // The sidecar took its first snapshot when it started (step 1), or within an interval after.
    const snapshots = (
      await eventually(
        () => scheduledSnapshotsOn(hostAt(0), "node1"),
        (list) => list.length > 0,
        (SCHEDULED_SNAPSHOT_SECONDS + 30) * 1000,
      )
    ).map((f) => f.name);
    assert.ok(snapshots.length > 0, "node1's sidecar holds no snapshot");
    const before = await stacks[0].outputs();
    await stacks[0].setConfig("distributed-consul:logLevel", { value: "debug" });
    const after = await up(0);
    assert.notStrictEqual(after.globalContainerId.value, before.globalContainerId.value);
    // The sidecar's container is replaced with the server, its volume is not.
    const kept = (await scheduledSnapshotsOn(hostAt(0), "node1")).map((f) => f.name);
    assert.deepStrictEqual(
      snapshots.filter((name) => !kept.includes(name)),
      [],
      `node1's scheduled snapshots after the replacement: ${kept.join(", ")}`,
    );
    await assertTwoServerCluster();
    const value = await eventually(
      () => consulRequest(globalApi(0), "GET", "/v1/kv/e2e/kept?raw", access),
      (r) => r.status === 200 && r.body === "before",
    );
    assert.deepStrictEqual(value, { status: 200, body: "before" });
  });

  it("8b. both sidecars have their memory and CPU limits; a restore from node2's scheduled snapshot (npm run restore -- --stack node1 --from-host node2) brings back the keys written before it and drops the one written after; both previews stay empty", async () => {
    if (!project) throw new Error("no scratch project");
    // Both sidecars run with their fixed limits (node1's was made again with its server in step 8).
    for (const host of env.hosts) await assertScheduledSnapshotsLimits(host, host.stack);
    const prefix = `e2e/scheduled-restore/${randomBytes(4).toString("hex")}`;
    const written = await writeKeys(globalApi(0), access, prefix, 3);
    // A snapshot is named after the second its save started: one named in a later second than
    // the last acknowledged write holds every write.
    const afterWrites = (Math.floor(Date.now() / 1000) + 1) * 1000;
    const waitStarted = Date.now();
    const files = await eventually(
      () => scheduledSnapshotsOn(hostAt(1), "node2"),
      (list) => list.length > 0 && list[0].takenAt.getTime() >= afterWrites,
      (SCHEDULED_SNAPSHOT_SECONDS + 30) * 1000,
    );
    assert.ok(
      files.length > 0 && files[0].takenAt.getTime() >= afterWrites,
      `node2's sidecar took no snapshot since ${new Date(afterWrites).toISOString()} within ${SCHEDULED_SNAPSHOT_SECONDS + 30} s; it has ${files.map((f) => f.name).join(", ") || "none"}`,
    );
    const snapshot = files[0].name;
    const waited = Date.now() - waitStarted;

    // The KV changes after the snapshot: the keys deleted, another written.
    for (const key of written.keys()) {
      const deleted = await consulRequest(globalApi(0), "DELETE", `/v1/kv/${key}`, access);
      assert.strictEqual(deleted.status, 200, `DELETE ${key}: ${deleted.body}`);
    }
    const later = `${prefix}/after-snapshot`;
    assert.strictEqual(
      await consulPut<boolean>(globalApi(0), `/v1/kv/${later}`, "x", access),
      true,
    );

    // restore refuses unless node1 (the bootstrap server, which re-creates the management token)
    // leads. With two servers, restarting node2's (a server does not leave on SIGTERM) makes the
    // pair elect again: stopped until node1 has seen the leader gone (alone it has no quorum and
    // keeps asking for votes, its term rising), then started, node2 votes for node1. (A bare
    // `docker restart` is often back before node1 noticed, and node2 wins again.)
    const leadershipStarted = Date.now();
    const node1 = `${hostAt(0).ip}:${GLOBAL_RPC_PORT}`;
    let restarts = 0;
    for (;;) {
      await assertTwoServerCluster();
      const leaders = [(await raft(0)).leader, (await raft(1)).leader];
      if (leaders.every((l) => l === node1)) break;
      assert.ok(
        restarts < LEADERSHIP_RESTARTS,
        `node1 does not lead after ${restarts} restarts of node2's server: ${leaders.join(", ")}`,
      );
      await docker(hostAt(1), "stop", "consul-dc1-node2");
      const seen = await eventually(
        () => consulGet<string>(globalApi(0), "/v1/status/leader", access),
        (leader) => leader === "",
        30_000,
        500,
      );
      assert.strictEqual(seen, "", "node1 still names a leader 30 s after node2's server stopped");
      await docker(hostAt(1), "start", "consul-dc1-node2");
      restarts++;
    }
    const leadership = Date.now() - leadershipStarted;

    // --file: the snapshot waited for, not a newer one the sidecar may have taken since.
    const restore = await npmRunIn(project, "restore", [
      "--stack",
      "node1",
      "--from-host",
      "node2",
      "--file",
      snapshot,
    ]);
    assert.strictEqual(
      restore.code,
      0,
      `npm run restore failed (exit ${restore.code}):\n${restore.tail}`,
    );
    assert.match(restore.output, new RegExp(`copied ${snapshot.replace(/\./g, "\\.")} out of`));
    // What the operator holds after the restore: node1's outputs now.
    access = accessOf(await stacks[0].outputs());
    await assertTwoServerCluster();
    for (const i of [0, 1]) {
      await assertKeysRead(globalApi(i), access, written, hostAt(i).stack);
      const gone = await consulRequest(globalApi(i), "GET", `/v1/kv/${later}?consistent`, access);
      assert.strictEqual(
        gone.status,
        404,
        `${later} read through ${hostAt(i).stack}: ${gone.body}`,
      );
    }
    // The restore's convergence (refresh and up of both stacks) leaves nothing to change.
    const previewsStarted = Date.now();
    for (const stack of stacks) await assertNoChangePreview(stack, " after the restore");
    console.log(
      `      node2's snapshot ${snapshot} after ${seconds(waited)}; node1 led after ${restarts} restart(s) of node2's server (${seconds(leadership)}); restore ${seconds(restore.ms)}; two empty previews ${seconds(Date.now() - previewsStarted)}`,
    );
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
    await assertWanPool(globalApi(0));
    // A restarted server serves its state from its last Raft snapshot until it has applied what
    // the leader committed since (tokens made after that snapshot are unknown to it until then):
    // step 10's steady state starts once node2 has caught up.
    type RaftStats = { Stats: { raft: { applied_index: string; commit_index: string } } };
    const committed = Math.max(
      ...(await Promise.all(
        [0, 1].map(async (i) =>
          Number(
            (await consulGet<RaftStats>(globalApi(i), "/v1/agent/self", access)).Stats.raft
              .commit_index,
          ),
        ),
      )),
    );
    await eventually(
      async () =>
        Number(
          (await consulGet<RaftStats>(globalApi(1), "/v1/agent/self", access)).Stats.raft
            .applied_index,
        ),
      (applied) => applied >= committed,
    );
    // Watches that failed on a token while it was behind (its leaf certificate's, anti-entropy)
    // retry within a second or two.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  });

  it("10. the default deployment is locked down: ACLs deny, no plain HTTP or RPC without a CA certificate, no denials in the logs, secrets only where needed", async () => {
    const { ca, token } = access;
    if (!ca || !token) throw new Error("step 10 needs node1's CA and management token");
    const watchedSince = Date.now();

    // (f) Only node1's bootstrap server holds the management token (it bootstraps ACLs and
    // registers its own agent token with it); no container holds the CA's private key; each
    // registrator, and each host's scheduled snapshots sidecar, has a token of its own.
    const caKeyLines = [...(await generatedSecrets())]
      .filter(([what]) => what.startsWith("the CA private key"))
      .map(([, line]) => line);
    assert.ok(caKeyLines.length > 0, "no CA key in node1's outputs");
    const registratorTokens = new Map<string, string>();
    const snapshotTokens = new Map<string, string>();
    for (const host of env.hosts) {
      const containers = await inspectAll(host);
      assert.ok(containers.length >= containersOf(1).length, `${host.stack}: ${containers.length}`);
      for (const { name, inspect, json } of containers) {
        const where = `${host.stack}/${name}`;
        if (where !== MANAGEMENT_TOKEN_HOLDER) {
          assert.ok(!json.includes(token), `docker inspect of ${where} shows the management token`);
        }
        for (const line of caKeyLines) {
          assert.ok(!json.includes(line), `docker inspect of ${where} shows the CA private key`);
        }
        if (name.startsWith("registrator-")) {
          const own = envOf(inspect, "CONSUL_HTTP_TOKEN");
          assert.ok(own, `${where} has no CONSUL_HTTP_TOKEN`);
          assert.notStrictEqual(own, token, `${where} registers with the management token`);
          registratorTokens.set(where, own);
        }
        // The scheduled snapshots' sidecar holds a snapshot token of its own host (acl:write,
        // management in all but name: see docs/security.md), never the management token.
        if (name.startsWith("consul-snapshots-")) {
          const own = envOf(inspect, "CONSUL_HTTP_TOKEN");
          assert.ok(own, `${where} has no CONSUL_HTTP_TOKEN`);
          assert.notStrictEqual(own, token, `${where} snapshots with the management token`);
          snapshotTokens.set(where, own);
        }
      }
    }
    assert.strictEqual(snapshotTokens.size, 2, [...snapshotTokens.keys()].join(", "));
    assert.strictEqual(
      new Set(snapshotTokens.values()).size,
      2,
      "the hosts share a snapshot token",
    );
    assert.strictEqual(registratorTokens.size, 4, [...registratorTokens.keys()].join(", "));
    assert.strictEqual(
      new Set(registratorTokens.values()).size,
      4,
      "the registrators share a token",
    );

    // (g) No secret of the deployment, the registrators' tokens included, is in the backend.
    assertNoSecretInBackend(
      new Map([...(await generatedSecrets()), ...(await containerSecrets())]),
    );

    // (c) consul members from this machine over HTTPS, the token only in the environment.
    const caDir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-e2e-ca-"));
    try {
      const caFile = path.join(caDir, "ca.pem");
      fs.writeFileSync(caFile, ca);
      const alive = (members: { name: string; status: string }[]): string[] =>
        members
          .filter((m) => m.status === "alive")
          .map((m) => m.name)
          .sort();
      for (const i of [0, 1]) {
        assert.deepStrictEqual(
          alive(await consulMembers(globalApi(i), caFile, token)),
          ["node1", "node2"],
          `consul members at ${globalApi(i)} with the management token`,
        );
      }
      // Without a token too: the anonymous token may read nodes (the dns-read policies DNS
      // needs), and /v1/agent/members shows the nodes it may read.
      assert.deepStrictEqual(alive(await consulMembers(globalApi(0), caFile)), ["node1", "node2"]);
    } finally {
      fs.rmSync(caDir, { recursive: true, force: true });
    }

    // (e) In steady state no agent logs an ACL denial (the one "ACL not found" of node1's first
    // boot, before its agent token is registered, is long past). Nothing above was denied; the
    // checks below are, so the window closes here.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, watchedSince + QUIET_LOG_WINDOW_MS - Date.now())),
    );
    for (const [i, host] of env.hosts.entries()) {
      for (const container of [
        `consul-dc1-node${i + 1}`,
        `consul-${INTERNAL_DC[i]}-node${i + 1}`,
      ]) {
        const logs = await dockerLogs(host, container, watchedSince);
        const denials = logs.filter((line) => ACL_DENIAL.test(line));
        assert.deepStrictEqual(denials, [], `${host.stack}/${container} logs ACL denials`);
      }
    }

    // (a) Anonymous requests outside services and nodes are refused; the management token works.
    for (const [method, apiPath, body] of [
      ["PUT", "/v1/kv/e2e/anonymous", "x"],
      ["PUT", "/v1/agent/service/register", JSON.stringify({ Name: "e2e-anonymous" })],
      ["GET", "/v1/acl/tokens", undefined],
    ] as const) {
      const response = await consulRequest(globalApi(0), method, apiPath, anonymous(), body);
      assert.strictEqual(response.status, 403, `anonymous ${method} ${apiPath}: ${response.body}`);
    }
    assert.strictEqual(
      await consulPut<boolean>(globalApi(0), "/v1/kv/e2e/managed", "x", access),
      true,
    );
    // A registrator's token registers services, nothing more.
    const registratorToken = registratorTokens.get(`${hostAt(0).stack}/registrator-dc1`);
    for (const [method, apiPath, body] of [
      ["PUT", "/v1/kv/e2e/registrator", "x"],
      ["GET", "/v1/acl/tokens", undefined],
    ] as const) {
      const response = await consulRequest(
        globalApi(0),
        method,
        apiPath,
        { ca, token: registratorToken },
        body,
      );
      assert.strictEqual(
        response.status,
        403,
        `registrator's ${method} ${apiPath}: ${response.body}`,
      );
    }

    // (b) Plain HTTP is not on the host addresses; HTTPS is.
    for (const [i, host] of env.hosts.entries()) {
      for (const port of [GLOBAL_HTTP_PORT, INTERNAL_HTTP_PORT]) {
        assert.strictEqual(await tcpConnect(host.ip, port), "ECONNREFUSED", `${host.ip}:${port}`);
      }
      for (const address of [globalApi(i), internalApi(i)]) {
        const leader = await consulRequest(address, "GET", "/v1/status/leader", anonymous());
        assert.strictEqual(leader.status, 200, `${address}: ${leader.body}`);
      }
    }

    // (d) Server RPC takes only TLS clients with a certificate of the cluster's CA: none, or one
    // of another CA, is refused; one the CA signed gets an answer (the positive control).
    const validity = renewalWindow(new Date());
    const seed = (purpose: string): Buffer => keySeed(randomBytes(48).toString("hex"), purpose);
    const clientOf = (caIdentity: { keySeed: Buffer; commonName: string }) =>
      serverCertificate({
        ca: caIdentity,
        keySeed: seed("e2e client"),
        commonName: "e2e-client",
        dnsNames: ["e2e-client.dc1.consul"],
        ipAddresses: [],
        ...validity,
      });
    const signedByCa = clientOf(
      caIdentityOf({
        certificatePem: ca,
        privateKeyPem: String((await stacks[0].outputs()).tlsCaKey.value),
      }),
    );
    const otherCa = clientOf({ keySeed: seed("other ca"), commonName: "another CA" });
    const rpcTargets: [TestHost, number, string][] = [
      [hostAt(0), GLOBAL_RPC_PORT, "server.dc1.consul"],
      [hostAt(0), INTERNAL_RPC_PORT, `server.${INTERNAL_DC[0]}.consul`],
      [hostAt(1), GLOBAL_RPC_PORT, "server.dc1.consul"],
    ];
    for (const [host, port, servername] of rpcTargets) {
      const target = `${host.ip}:${port}`;
      const none = await rpcPing(host.ip, port, { ca, servername });
      assert.strictEqual(none.answered, false, `${target} answered a client without certificate`);
      const foreign = await rpcPing(host.ip, port, { ca, servername, clientCertificate: otherCa });
      assert.strictEqual(foreign.answered, false, `${target} answered a certificate of another CA`);
      const signed = await rpcPing(host.ip, port, {
        ca,
        servername,
        clientCertificate: signedByCa,
      });
      assert.strictEqual(signed.answered, true, `${target}: ${JSON.stringify(signed)}`);
    }
  });

  it("11. with ACLs on, destroy of node2 and then node1 succeeds and leaves nothing behind", async () => {
    // node2's server goes first, and dc1 has no quorum from then on: no Consul object left to
    // delete may need the API (node2's own agent token, made through node1's API, included; and
    // node1's objects, deletedWith their agent).
    await destroyBoth();
  });

  it("12. examples/n-hosts with N=2: both servers expect two, elect a leader, federate four datacenters", async () => {
    if (!project) throw new Error("no scratch project");
    const example = await exampleStack(project, env);
    stacks.push(example);
    const result = await example.up({ onOutput: (text) => project?.log(text) });
    assert.strictEqual(result.summary.result, "succeeded");
    // Secure like the program: the API is HTTPS, verified with the example's CA, and ACLs deny
    // what the anonymous token is not granted.
    assert.strictEqual(result.outputs.aclManagementToken.secret, true);
    access = {
      ca: String(result.outputs.caCertificate.value),
      token: String(result.outputs.aclManagementToken.value),
    };
    const servers = result.outputs.globalServers.value as { join: string; api: string }[];
    assert.deepStrictEqual(
      servers.map((s) => s.api),
      [globalApi(0), globalApi(1)],
    );
    assert.strictEqual(await tcpConnect(hostAt(0).ip, GLOBAL_HTTP_PORT), "ECONNREFUSED");
    await assertTwoServerCluster();
    await assertWanPool(globalApi(0));
    const anonymousPut = await consulRequest(globalApi(1), "PUT", "/v1/kv/e2e/x", anonymous(), "x");
    assert.strictEqual(anonymousPut.status, 403, anonymousPut.body);
    const preview = await example.preview({ expectNoChanges: true });
    assert.deepStrictEqual(
      Object.keys(preview.changeSummary).filter((op) => op !== "same"),
      [],
    );
    const destroyed = await example.destroy({
      runProgram: true,
      onOutput: (text) => project?.log(text),
    });
    assert.strictEqual(destroyed.summary.result, "succeeded");
    for (const i of [0, 1]) assert.deepStrictEqual(await leftoversOn(i), [], hostAt(i).stack);
  });

  it("13. first run on one machine: the shipped node1 stack, run on node1 itself, finds its address", async () => {
    // The CLI runs inside node1's network namespace (as on node1 itself), so this machine's
    // interfaces are node1's; only dockerHost is set, because the test host's engine socket is not
    // at the stock path. hostAddress is not set anywhere.
    const netns = env.node1Netns;
    if (!netns) {
      throw new Error(
        "step 13 runs the CLI on node1 itself: give node1's network namespace on this machine in E2E_NODE1_NETNS (the test machine's setup makes one named node1).",
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
          `distributed-consul:hostAddress is not set: using ${hostAt(0).ip.replace(/\./g, "\\.")} \\(eth0\\)`,
        ),
      );
      // The shipped defaults: ACLs and TLS; the CA certificate is a plain output, the rest secret.
      const outputs = JSON.parse(cli("stack", "output", "--json", "-s", "node1")) as Record<
        string,
        unknown
      >;
      assert.strictEqual(outputs.globalJoinAddress, `${hostAt(0).ip}:8301`);
      assert.strictEqual(outputs.globalApiAddress, globalApi(0));
      assert.strictEqual(outputs.aclManagementToken, "[secret]");
      assert.strictEqual(outputs.tlsCaKey, "[secret]");
      access = { ca: String(outputs.tlsCaCertificate) };
      const seen = await eventually(
        () => raft(0),
        (r) => r.leader !== "",
      );
      assert.strictEqual(seen.leader, `${hostAt(0).ip}:${GLOBAL_RPC_PORT}`);
      const anonymousPut = await consulRequest(globalApi(0), "PUT", "/v1/kv/e2e/x", access, "x");
      assert.strictEqual(anonymousPut.status, 403, anonymousPut.body);
      local.log(cli("destroy", "--yes", "--run-program", "-s", "node1"));
      assert.deepStrictEqual(await leftoversOn(0), []);
      passed = true;
    } finally {
      if (passed) local.remove();
      else console.error(`step 13's Pulumi output is kept in ${local.logFile}`);
    }
  });

  for (const [step, language] of [
    [14, "yaml"],
    [15, "python"],
  ] as const) {
    it(`${step}. examples/${language}: one host through the component package, with ACLs and TLS`, async () => {
      if (!project) throw new Error("no scratch project");
      const gossipKey = randomBytes(32).toString("base64");
      const managementToken = randomUUID();
      const stack = await oneHostStack(project, env, language, gossipKey, managementToken);
      stacks.push(stack);
      const result = await stack.up({ onOutput: (text) => project?.log(text) });
      assert.strictEqual(result.summary.result, "succeeded");
      // Secure like the program, through the package's components: HTTPS with the example's CA,
      // ACLs with the configured management token, no plain HTTP on the host address.
      access = { ca: String(result.outputs.caCertificate.value), token: managementToken };
      const api = `${hostAt(0).ip}:${GLOBAL_HTTPS_PORT}`;
      assert.strictEqual(result.outputs.globalApiAddress.value, api);
      assert.strictEqual(
        await tcpConnect(hostAt(0).ip, GLOBAL_HTTP_PORT),
        "ECONNREFUSED",
        "plain HTTP is not on the host address",
      );
      const anonymousPut = await consulRequest(
        api,
        "PUT",
        "/v1/kv/e2e/anonymous",
        anonymous(),
        "x",
      );
      assert.strictEqual(anonymousPut.status, 403, anonymousPut.body);
      const leader = await eventually(
        () => consulGet<string>(api, "/v1/status/leader", access),
        (l) => l !== "",
      );
      assert.strictEqual(leader, `${hostAt(0).ip}:${GLOBAL_RPC_PORT}`);
      const wan = await eventually(
        () => consulGet<Member[]>(api, "/v1/agent/members?wan=1", access),
        (m) => m.length === 2 && m.every((x) => x.Status === 1),
      );
      assert.deepStrictEqual(wan.map((m) => m.Name).sort(), ["node1-vm1.vm1", "node1.dc1"]);
      const registered = await eventually(
        () => consulGet<ServiceHealth[]>(api, `/v1/health/service/${SERVICE}`, access),
        (e) => e.length === 1 && e[0].Checks.every((c) => c.Status === "passing"),
      );
      assert.deepStrictEqual(
        registered.map((e) => `${e.Service.Address}:${e.Service.Port}`),
        [`${hostAt(0).ip}:9200`],
      );
      const rings = await consulGet<{ Keys: Record<string, number> }[]>(
        api,
        "/v1/operator/keyring",
        access,
      );
      for (const ring of rings) assert.deepStrictEqual(Object.keys(ring.Keys), [gossipKey]);
      const preview = await stack.preview({ expectNoChanges: true });
      assert.deepStrictEqual(
        Object.keys(preview.changeSummary).filter((op) => op !== "same"),
        [],
      );
      const destroyed = await stack.destroy({
        runProgram: true,
        onOutput: (text) => project?.log(text),
      });
      assert.strictEqual(destroyed.summary.result, "succeeded");
      assert.deepStrictEqual(await leftoversOn(0), []);
    });
  }
});
