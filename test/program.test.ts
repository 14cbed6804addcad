import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
  NODE1_MACHINE,
  ProgramRun,
  Registration,
  recordedEngineInfo,
  mockSeed,
  isSecret,
  ofType,
  readStackConfig,
  reveal,
  runProgram,
  theOne,
} from "./harness";
import { consulSchemaProblems } from "./consul-schema";
import { aclTokenFromSeed, gossipKeyFromSeed } from "../core/shared-secrets";
import { certificateAuthority, keySeed } from "../core/certificates";
import { mockTokenSecret } from "./harness";
import { HOST_OUTPUT_NAMES } from "../components";
import { DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { DEFAULT_REGISTRATOR_OPTIONS } from "../core/defaults";

const CONTAINER = "docker:index/container:Container";
const BOOTSTRAP_STACK = "organization/distributed-consul/node1";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
/** The key and token node1 derives from its (mocked) random seeds. */
const MOCK_GOSSIP_KEY = gossipKeyFromSeed(mockSeed("host-gossip-key-seed"));
const MOCK_UUID = aclTokenFromSeed(mockSeed("host-acl-management-token-seed"));
/** A key given in config, unrelated to the generated one. */
const CONFIGURED_GOSSIP_KEY = Buffer.alloc(32, 7).toString("base64");
/** A CA given in config (what a stack without a bootstrap stack to read it from needs). */
const CONFIGURED_CA = certificateAuthority({
  keySeed: keySeed("c".repeat(64), "ca"),
  commonName: "configured CA",
  notBefore: new Date("2026-01-01T00:00:00Z"),
  notAfter: new Date("2036-01-01T00:00:00Z"),
});
/** The shared secrets a stack with no bootstrap stack to read from must configure. */
const CONFIGURED_SECRETS = {
  "distributed-consul:gossipKey": CONFIGURED_GOSSIP_KEY,
  "distributed-consul:aclManagementToken": "33333333-3333-4333-8333-333333333333",
  "distributed-consul:tlsCaCertificate": CONFIGURED_CA.certificatePem,
  "distributed-consul:tlsCaKey": CONFIGURED_CA.privateKeyPem,
};

function agentConfigOf(run: ProgramRun, name: string): Record<string, unknown> {
  const uploads = theOne(run, CONTAINER, name).inputs.uploads as {
    file: string;
    content: string;
  }[];
  return JSON.parse(uploads[0].content) as Record<string, unknown>;
}

function localConfigOf(run: ProgramRun, name: string): Record<string, unknown> {
  const envs = reveal(theOne(run, CONTAINER, name).inputs.envs) as string[];
  const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "";
  return JSON.parse(local.slice("CONSUL_LOCAL_CONFIG=".length)) as Record<string, unknown>;
}

// The shipped stacks, each run once and shared: the tests only read what a run registered.
let node1Run: Promise<ProgramRun> | undefined;
let node2Run: Promise<ProgramRun> | undefined;
/** node1's shipped stack under mocks. */
function node1Default(): Promise<ProgramRun> {
  return (node1Run ??= runProgram(readStackConfig("node1"), {}, "node1"));
}
/** node2's shipped stack under mocks, reading node1's outputs. */
function node2Default(): Promise<ProgramRun> {
  return (node2Run ??= node1Outputs().then((outputs) =>
    runProgram(readStackConfig("node2"), { [BOOTSTRAP_STACK]: outputs }, "node2"),
  ));
}

/** node1's outputs, as the node2 stack's StackReference sees them. */
async function node1Outputs(): Promise<Record<string, unknown>> {
  return (await node1Default()).outputs;
}

describe("the program (index.ts) under mocks", () => {
  it("node1 alone is a complete bootstrap deployment", async () => {
    const run = await node1Default();
    const config = agentConfigOf(run, "host-global-agent");
    assert.strictEqual(config.bootstrap, true);
    assert.strictEqual(config.advertise_addr, "192.168.99.100");
    assert.deepStrictEqual(config.retry_join, []);
    assert.deepStrictEqual(consulSchemaProblems(config), []);
    assert.strictEqual(run.outputs.globalJoinAddress, "192.168.99.100:8301");
    assert.strictEqual(run.outputs.globalWanAddress, "192.168.99.100:8302");
    assert.strictEqual(ofType(run, "pulumi:pulumi:StackReference").length, 0);
  });

  it("node1 generates the gossip key and exports it only as a secret", async () => {
    const run = await node1Default();
    const seeds = ofType(run, RANDOM_PASSWORD);
    assert.deepStrictEqual(seeds.map((r) => r.name).sort(), [
      "host-acl-management-token-seed",
      "host-global-agent-token-seed",
      "host-gossip-key-seed",
      "host-tls-ca-seed",
    ]);
    assert.strictEqual(run.outputs.gossipKey, MOCK_GOSSIP_KEY);
    assert.strictEqual(await pulumi.isSecret(run.exports.gossipKey as pulumi.Output<string>), true);
    assert.strictEqual(localConfigOf(run, "host-global-agent").encrypt, MOCK_GOSSIP_KEY);
  });

  it("node2 joins node1's address and shares its gossip key, read from the node1 stack", async () => {
    const run = await node2Default();
    const refs = ofType(run, "pulumi:pulumi:StackReference");
    assert.deepStrictEqual(
      refs.map((r) => r.inputs.name),
      [BOOTSTRAP_STACK],
    );
    const config = agentConfigOf(run, "host-global-agent");
    assert.deepStrictEqual(config.retry_join, ["192.168.99.100:8301"]);
    assert.ok(!("bootstrap" in config) && !("bootstrap_expect" in config));
    assert.strictEqual(config.advertise_addr, "192.168.99.101");
    assert.deepStrictEqual(consulSchemaProblems(config), []);
    assert.strictEqual(localConfigOf(run, "host-global-agent").encrypt, MOCK_GOSSIP_KEY);
    assert.strictEqual(ofType(run, RANDOM_PASSWORD).length, 0);
  });

  it("exports every output HOST_OUTPUTS declares for the host, cluster as one secret object", async () => {
    const run = await node1Default();
    assert.deepStrictEqual(Object.keys(run.exports), HOST_OUTPUT_NAMES);
    assert.strictEqual(await pulumi.isSecret(run.exports.cluster as pulumi.Output<unknown>), true);
    const cluster = run.outputs.cluster as Record<string, unknown>;
    assert.deepStrictEqual(cluster.joinAddresses, ["192.168.99.100:8301"]);
    assert.deepStrictEqual(cluster.wanJoinAddresses, ["192.168.99.100:8302"]);
    assert.deepStrictEqual(cluster.nodeNames, ["node1"]);
    assert.strictEqual(cluster.gossipKey, MOCK_GOSSIP_KEY);
    assert.strictEqual(cluster.globalDatacenter, "dc1");
  });

  it("joins a bootstrap stack of the previous release (no cluster output) the same way, with a warning", async () => {
    const { cluster, ...previous } = await node1Outputs();
    void cluster;
    // The previous release named the node name output globalNodeName.
    const outputs = { ...previous, globalNodeName: previous.nodeName };
    const run = await runProgram(readStackConfig("node2"), { [BOOTSTRAP_STACK]: outputs }, "node2");
    const current = await node2Default();
    for (const name of ["host-global-agent", "host-internal-agent"]) {
      assert.deepStrictEqual(agentConfigOf(run, name), agentConfigOf(current, name), name);
      assert.deepStrictEqual(localConfigOf(run, name), localConfigOf(current, name), name);
    }
    assert.ok(
      run.warnings.some((w) =>
        /was deployed by the previous release \(no "cluster" output\)/.test(w),
      ),
      run.warnings.join("\n"),
    );
  });

  it("node3 joins node1 like node2, as a third host with its own address, name and datacenter", async () => {
    const outputs = await node1Outputs();
    const run = await runProgram(readStackConfig("node3"), { [BOOTSTRAP_STACK]: outputs }, "node3");
    const config = agentConfigOf(run, "host-global-agent");
    assert.deepStrictEqual(config.retry_join, ["192.168.99.100:8301"]);
    assert.ok(!("bootstrap" in config) && !("bootstrap_expect" in config));
    assert.strictEqual(config.node_name, "node3");
    assert.strictEqual(config.advertise_addr, "192.168.99.102");
    // Built for three hosts: autopilot removes none of the three when it dies (npm run forget does).
    assert.deepStrictEqual(config.autopilot, { cleanup_dead_servers: true, min_quorum: 3 });
    assert.strictEqual(agentConfigOf(run, "host-internal-agent").datacenter, "vm3");
    assert.strictEqual(localConfigOf(run, "host-global-agent").encrypt, MOCK_GOSSIP_KEY);
    const provider = theOne(run, "pulumi:providers:docker", "docker-node3");
    assert.strictEqual(provider.inputs.host, "ssh://docker@192.168.99.102");
  });

  it("explicit joinAddresses config wins over the bootstrap stack's output", async () => {
    const outputs = await node1Outputs();
    const config = {
      ...readStackConfig("node2"),
      "distributed-consul:joinAddresses": JSON.stringify(["192.168.99.105:8301"]),
    };
    const run = await runProgram(config, { [BOOTSTRAP_STACK]: outputs }, "node2");
    assert.deepStrictEqual(agentConfigOf(run, "host-global-agent").retry_join, [
      "192.168.99.105:8301",
    ]);
  });

  it("builds each stack's docker provider from its own config and routes every container to it", async () => {
    const run = await node2Default();
    const provider = theOne(run, "pulumi:providers:docker", "docker-node2");
    assert.strictEqual(provider.inputs.host, "ssh://docker@192.168.99.101");
    const dockerResources = run.registrations.filter((r) => r.type.startsWith("docker:index/"));
    assert.ok(dockerResources.length >= 3);
    for (const r of dockerResources) {
      assert.match(String(r.provider), /::docker-node2::docker-node2-id$/, `${r.type} ${r.name}`);
    }
    const node1 = await node1Default();
    assert.strictEqual(
      theOne(node1, "pulumi:providers:docker", "docker-node1").inputs.host,
      "unix:///var/run/docker.sock",
    );
  });

  it("creates the prepared query only after the host's internal server is healthy", async () => {
    const run = await node1Default();
    // Its consul provider is built from the internal server's httpAddress, which carries the
    // container (known once healthy): the engine creates the provider, then the query, after it.
    const provider = theOne(run, "pulumi:providers:consul", "host-elasticsearch-consul");
    // HTTPS on the host address, the agent's certificate verified with the stack's CA.
    assert.strictEqual(provider.inputs.address, "192.168.99.100:18501");
    assert.strictEqual(provider.inputs.scheme, "https");
    assert.strictEqual(provider.inputs.caPem, run.outputs.tlsCaCertificate);
    assert.ok(
      provider.options.dependencies.some((urn) => urn.endsWith("::host-internal-agent")),
      provider.options.dependencies.join(", "),
    );
    const registrator = theOne(run, CONTAINER, "host-registrator-global-container");
    assert.ok(registrator.options.parent.endsWith("::host-registrator-global"));
  });

  it("waits for an agent only where the next resource needs it", async () => {
    const run = await node1Default();
    const dependsOn = (type: string, name: string, suffix: string): boolean =>
      theOne(run, type, name).options.dependencies.some((urn) => urn.endsWith(suffix));
    const agents = ["::host-global-agent", "::host-internal-agent"];
    // The service container needs no agent: registrator lists running containers when it starts,
    // and DNS is a plain address. Neither it nor its component waits for a server or registrator.
    for (const [type, name] of [
      [CONTAINER, "host-elasticsearch-container"],
      ["distributed-consul:index:ConsulService", "host-elasticsearch"],
    ]) {
      for (const waited of [
        ...agents,
        "::host-registrator-global-container",
        "::host-registrator-global",
      ]) {
        assert.ok(!dependsOn(type, name, waited), `${name} waits for ${waited}`);
      }
    }
    // Each registrator starts once its agent is healthy (its component depends on the agent),
    // but nothing of the container carries the agent's container: replacing the agent does not
    // replace the registrator. Its registry URI is known before the agent exists.
    for (const [registrator, agent, port] of [
      ["host-registrator-global", "::host-global-agent", 8500],
      ["host-registrator-internal", "::host-internal-agent", 18500],
    ] as const) {
      assert.ok(dependsOn("distributed-consul:index:Registrator", registrator, agent), registrator);
      const container = `${registrator}-container`;
      for (const a of agents) assert.ok(!dependsOn(CONTAINER, container, a), `${container}: ${a}`);
      const command = theOne(run, CONTAINER, container).inputs.command as string[];
      assert.strictEqual(command.at(-1), `consul://127.0.0.1:${port}`);
    }
  });

  it("skips deleting Consul objects through the API when their agent goes in the same operation", async () => {
    // Seen on the test hosts: destroying node2 and then node1 with ACLs on left dc1 without
    // quorum, and node1's ACL objects could no longer be deleted ("token ... not found").
    const acl = { "distributed-consul:aclEnabled": "true" };
    const run = await runProgram({ ...readStackConfig("node1"), ...acl }, {}, "node1");
    const deletedWith = (type: string, name: string): string =>
      theOne(run, type, name).options.deletedWith;
    assert.match(
      deletedWith("consul:index/preparedQuery:PreparedQuery", "host-elasticsearch-query"),
      /[:$]distributed-consul:index:InternalDc::host-internal$/,
    );
    // A deletedWith given to a component has no effect of its own: its Consul objects carry it.
    for (const [type, name] of [
      ["consul:index/aclPolicy:AclPolicy", "host-anonymous-dns-policy"],
      [
        "consul:index/aclTokenPolicyAttachment:AclTokenPolicyAttachment",
        "host-anonymous-dns-anonymous",
      ],
      ["consul:index/aclToken:AclToken", "host-internal-agent-token-token"],
      ["consul:index/aclPolicy:AclPolicy", "host-replication-token-policy"],
      ["consul:index/aclToken:AclToken", "host-registrator-global-token-token"],
    ]) {
      assert.match(
        deletedWith(type, name),
        /[:$]distributed-consul:index:GlobalConsul::host-global$/,
        name,
      );
    }
  });

  it("makes its random values only with RandomPassword, whose ID is not the value", async () => {
    // Resource IDs are never encrypted in state: RandomBytes, RandomString and RandomUuid use the
    // random value itself as their ID. Only RandomPassword's ID ("none") is safe for a secret.
    const run = await node1Default();
    const random = run.registrations.filter((r) => r.type.startsWith("random:"));
    assert.deepStrictEqual(random.map((r) => [r.type, r.name]).sort(), [
      [RANDOM_PASSWORD, "host-acl-management-token-seed"],
      [RANDOM_PASSWORD, "host-global-agent-token-seed"],
      [RANDOM_PASSWORD, "host-gossip-key-seed"],
      [RANDOM_PASSWORD, "host-tls-ca-seed"],
    ]);
    const token = run.exports.aclManagementToken as pulumi.Output<string>;
    assert.strictEqual(await pulumi.isSecret(token), true);
    assert.match(
      String(run.outputs.aclManagementToken),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.notStrictEqual(run.outputs.aclManagementToken, run.outputs.gossipKey);
  });

  it("exports no undefined outputs, so Pulumi has nothing to warn about", async () => {
    // ACLs off, internal registration off: the optional outputs are absent, not undefined.
    const config = {
      ...readStackConfig("node1"),
      "distributed-consul:aclEnabled": "false",
      "distributed-consul:registrator": JSON.stringify({ registerInternal: false }),
    };
    const run = await runProgram(config, {}, "node1");
    const undefinedOutputs = Object.entries(run.exports)
      .filter(([, value]) => value === undefined)
      .map(([name]) => name);
    assert.deepStrictEqual(undefinedOutputs, []);
    assert.ok(!("aclManagementToken" in run.exports));
    assert.ok(!("internalRegistratorCommand" in run.exports));
    assert.ok("serviceContainerId" in run.exports);
  });

  it("keeps the gossip key out of every plain input", async () => {
    const run = await node1Default();
    for (const r of run.registrations) {
      for (const [key, value] of Object.entries(r.inputs)) {
        if (isSecret(value)) continue;
        assert.ok(!JSON.stringify(value ?? null).includes(MOCK_GOSSIP_KEY), `${r.name}.${key}`);
      }
    }
  });

  it("a joining stack whose bootstrap stack lacks the outputs fails naming bootstrapStack", async () => {
    await assert.rejects(
      runProgram(readStackConfig("node2"), { [BOOTSTRAP_STACK]: {} }, "node2"),
      /distributed-consul:bootstrapStack: stack "organization\/distributed-consul\/node1" has no output "cluster"; deploy the bootstrap stack first/,
    );
  });

  it("refuses a port clash between this host's agents at preview, naming the key", async () => {
    const config = {
      ...readStackConfig("node1"),
      "distributed-consul:internalPorts": JSON.stringify({ http: DEFAULT_GLOBAL_PORTS.http }),
    };
    await assert.rejects(
      runProgram(config, {}, "node1"),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes(
          `distributed-consul:internalPorts.http: port ${DEFAULT_GLOBAL_PORTS.http} (tcp) of internal server (vm1) clashes with global server (dc1)`,
        ),
    );
  });

  it("wires two registrators: host IP into dc1, container addresses into the host's DC", async () => {
    const run = await node1Default();
    // The declared defaults (core/defaults.ts), as registrator's flags.
    const o = DEFAULT_REGISTRATOR_OPTIONS;
    const defaultFlags = [
      `-resync=${o.resyncSeconds}`,
      ...(o.cleanup ? ["-cleanup"] : []),
      `-retry-attempts=${o.retryAttempts}`,
      `-retry-interval=${o.retryIntervalMs}`,
    ];
    assert.deepStrictEqual(run.outputs.globalRegistratorCommand, [
      "-ip=192.168.99.100",
      ...defaultFlags,
      // registrator runs on the host's network: plain HTTP on loopback, never on the LAN.
      `consul://127.0.0.1:${DEFAULT_GLOBAL_PORTS.http}`,
    ]);
    assert.deepStrictEqual(run.outputs.internalRegistratorCommand, [
      "-internal",
      ...defaultFlags,
      `consul://127.0.0.1:${DEFAULT_INTERNAL_PORTS.http}`,
    ]);
    const names = ofType(run, CONTAINER).map((c) => c.inputs.name);
    assert.ok(
      names.includes("registrator-dc1") && names.includes("registrator-vm1"),
      String(names),
    );
  });

  it("can leave out internal registration and takes registrator options from config", async () => {
    const config = {
      ...readStackConfig("node1"),
      "distributed-consul:registrator": JSON.stringify({
        registerInternal: false,
        ttlSeconds: 30,
        ttlRefreshSeconds: 10,
        tags: ["node1"],
      }),
    };
    const run = await runProgram(config, {}, "node1");
    assert.strictEqual(run.outputs.internalRegistratorCommand, undefined);
    const command = run.outputs.globalRegistratorCommand as string[];
    assert.ok(command.includes("-ttl=30") && command.includes("-ttl-refresh=10"), String(command));
    assert.ok(command.includes("-tags=node1"), String(command));
    assert.strictEqual(
      command[command.length - 1],
      `consul://127.0.0.1:${DEFAULT_GLOBAL_PORTS.http}`,
    );
  });

  it("gives each registrator its own service:write token, only as a secret CONSUL_HTTP_TOKEN", async () => {
    const run = await node1Default();
    for (const [name, dc] of [
      ["host-registrator-global", "dc1"],
      ["host-registrator-internal", "vm1"],
    ]) {
      const envs = theOne(run, CONTAINER, `${name}-container`).inputs.envs;
      assert.ok(isSecret(envs), name);
      // The secret Consul made for this registrator's own token, never the management token.
      const token = theOne(run, "consul:index/aclToken:AclToken", `${name}-token-token`);
      assert.deepStrictEqual(reveal(envs), [
        `CONSUL_HTTP_TOKEN=${mockTokenSecret(`accessor-of-${token.name}`)}`,
      ]);
      const policy = theOne(run, "consul:index/aclPolicy:AclPolicy", `${name}-token-policy`);
      assert.strictEqual(policy.inputs.name, `registrator-node1-${dc}`);
      assert.strictEqual(policy.inputs.rules, 'service_prefix "" {\n  policy = "write"\n}\n');
      assert.deepStrictEqual(token.inputs.policies, [`registrator-node1-${dc}`]);
    }
  });

  it("refuses a registrator TTL without refresh at preview, naming the key", async () => {
    const config = {
      ...readStackConfig("node1"),
      "distributed-consul:registrator": JSON.stringify({ ttlSeconds: 30 }),
    };
    await assert.rejects(
      runProgram(config, {}, "node1"),
      /distributed-consul:registrator\.ttlSeconds: /,
    );
  });

  it("runs the original's Elasticsearch on each host, resolving through the host's Consul DNS", async () => {
    const run = await node2Default();
    const es = theOne(run, CONTAINER, "host-elasticsearch-container");
    assert.strictEqual(
      theOne(run, "docker:index/remoteImage:RemoteImage", "host-elasticsearch-image").inputs.name,
      "elasticsearch:9.5.3",
    );
    assert.deepStrictEqual(es.inputs.dns, ["172.17.0.1"]);
    assert.deepStrictEqual(es.inputs.ports, [
      { internal: 9200, external: 9200, protocol: "tcp", ip: "192.168.99.101" },
      { internal: 9300, external: 9300, protocol: "tcp", ip: "192.168.99.101" },
    ]);
    const envs = es.inputs.envs as string[];
    assert.ok(envs.includes("discovery.type=single-node"), String(envs));
    const labels = Object.fromEntries(
      (es.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]),
    );
    assert.strictEqual(labels.SERVICE_9200_NAME, "elasticsearch");
    assert.strictEqual(labels.SERVICE_9200_CHECK_HTTP, "/_cluster/health");
    assert.strictEqual(labels.SERVICE_9300_CHECK_TCP, "true");
    assert.deepStrictEqual(run.outputs.serviceDnsNames, [
      "elasticsearch.service.consul",
      "elasticsearch-transport.service.consul",
      "elasticsearch.query.consul",
    ]);
  });

  it("declares elasticsearch.query.consul in the host's own DC, failing over to dc1 only", async () => {
    const run = await node2Default();
    const provider = theOne(run, "pulumi:providers:consul", "host-elasticsearch-consul");
    assert.strictEqual(provider.inputs.address, "192.168.99.101:18501");
    assert.strictEqual(provider.inputs.datacenter, "vm2");
    const query = theOne(
      run,
      "consul:index/preparedQuery:PreparedQuery",
      "host-elasticsearch-query",
    );
    assert.match(String(query.provider), /::host-elasticsearch-consul::/);
    assert.strictEqual(query.inputs.service, "elasticsearch");
    assert.strictEqual(query.inputs.onlyPassing, true);
    assert.deepStrictEqual(query.inputs.failover, { datacenters: ["dc1"] });
  });

  it("takes a lighter service from config, or none", async () => {
    const lighter = {
      ...readStackConfig("node1"),
      "distributed-consul:service": JSON.stringify({
        image: "nginx:1.27.3",
        envs: [],
        ports: [{ internal: 80, external: 8080, name: "web", check: { kind: "http", path: "/" } }],
        preparedQuery: false,
      }),
    };
    const run = await runProgram(lighter, {}, "node1");
    const web = theOne(run, CONTAINER, "host-web-container");
    assert.deepStrictEqual(web.inputs.ports, [
      { internal: 80, external: 8080, protocol: "tcp", ip: "192.168.99.100" },
    ]);
    assert.strictEqual(ofType(run, "consul:index/preparedQuery:PreparedQuery").length, 0);
    const none = { ...readStackConfig("node1"), "distributed-consul:service": '{"enabled":false}' };
    const bare = await runProgram(none, {}, "node1");
    assert.strictEqual(ofType(bare, "distributed-consul:index:ConsulService").length, 0);
    assert.strictEqual(bare.outputs.serviceDnsNames, undefined);
  });

  it("refuses a service port that clashes with a Consul port, naming the service key", async () => {
    const config = {
      ...readStackConfig("node1"),
      "distributed-consul:service": JSON.stringify({
        ports: [{ internal: 80, external: DEFAULT_GLOBAL_PORTS.http, name: "web" }],
      }),
    };
    await assert.rejects(
      runProgram(config, {}, "node1"),
      new RegExp(
        `distributed-consul:service\\.ports\\[0\\]: port ${DEFAULT_GLOBAL_PORTS.http} \\(tcp\\) of service web clashes with global server \\(dc1\\)`,
      ),
    );
  });

  it("refuses a joining stack that claims the bootstrap stack's node name or address", async () => {
    const outputs = await node1Outputs();
    const sameName = { ...readStackConfig("node2"), "distributed-consul:nodeName": "node1" };
    await assert.rejects(
      runProgram(sameName, { [BOOTSTRAP_STACK]: outputs }, "node2"),
      /ConsulHost\(host\)\.nodeName: "node1" is already a server of the cluster it joins; give every host its own\./,
    );
    const sameIp = {
      ...readStackConfig("node2"),
      "distributed-consul:hostAddress": "192.168.99.100",
    };
    await assert.rejects(
      runProgram(sameIp, { [BOOTSTRAP_STACK]: outputs }, "node2"),
      /ConsulHost\(host\)\.hostAddress: 192\.168\.99\.100 is already a server of the cluster it joins; give every host its own\./,
    );
  });

  it("by default, gives every agent its own node-identity token and anonymous DNS read on every host", async () => {
    const node1 = await node1Default();
    const provider = theOne(node1, "pulumi:providers:consul", "host-anonymous-dns-consul");
    assert.strictEqual(provider.inputs.address, "192.168.99.100:8501");
    assert.strictEqual(provider.inputs.scheme, "https");
    assert.strictEqual(provider.inputs.datacenter, "dc1");
    assert.ok(isSecret(provider.inputs.token), "the management token stays secret");
    const policy = theOne(node1, "consul:index/aclPolicy:AclPolicy", "host-anonymous-dns-policy");
    assert.strictEqual(policy.inputs.name, "dns-read-node1");
    assert.match(String(policy.inputs.rules), /service_prefix "" \{\n {2}policy = "read"\n\}/);
    assert.match(String(policy.inputs.rules), /node_prefix "" \{\n {2}policy = "read"\n\}/);
    const attachment = theOne(
      node1,
      "consul:index/aclTokenPolicyAttachment:AclTokenPolicyAttachment",
      "host-anonymous-dns-anonymous",
    );
    assert.strictEqual(attachment.inputs.tokenId, "00000000-0000-0000-0000-000000000002");
    assert.strictEqual(attachment.inputs.policy, "dns-read-node1");
    // The bootstrap server holds the management token and registers its own agent token with it.
    const node1Agent = aclTokenFromSeed(mockSeed("host-global-agent-token-seed"));
    const node1Global = localConfigOf(node1, "host-global-agent") as {
      acl: { tokens: Record<string, string> };
    };
    assert.deepStrictEqual(node1Global.acl.tokens, {
      initial_management: MOCK_UUID,
      agent: node1Agent,
    });
    const script = (theOne(node1, CONTAINER, "host-global-agent").inputs.command as string[])[0];
    assert.match(script, /-node-identity='node1:dc1'/);
    const node1Internal = localConfigOf(node1, "host-internal-agent") as {
      acl: { tokens: Record<string, string> };
    };
    assert.deepStrictEqual(node1Internal.acl.tokens, {
      agent: mockTokenSecret("accessor-of-host-internal-agent-token-token"),
      replication: mockTokenSecret("accessor-of-host-replication-token-token"),
    });
    const internalToken = theOne(
      node1,
      "consul:index/aclToken:AclToken",
      "host-internal-agent-token-token",
    );
    assert.deepStrictEqual(internalToken.inputs.nodeIdentities, [
      { nodeName: "node1-vm1", datacenter: "vm1" },
    ]);

    const node2 = await runProgram(
      readStackConfig("node2"),
      { [BOOTSTRAP_STACK]: node1.outputs },
      "node2",
    );
    assert.strictEqual(
      theOne(node2, "consul:index/aclPolicy:AclPolicy", "host-anonymous-dns-policy").inputs.name,
      "dns-read-node2",
    );
    // A joining server gets a token made beforehand through the bootstrap host's API, and never
    // the management token.
    const remote = theOne(node2, "pulumi:providers:consul", "host-global-agent-token-consul");
    assert.strictEqual(remote.inputs.address, "192.168.99.100:8501");
    const node2Token = theOne(
      node2,
      "consul:index/aclToken:AclToken",
      "host-global-agent-token-token",
    );
    assert.deepStrictEqual(node2Token.inputs.nodeIdentities, [
      { nodeName: "node2", datacenter: "dc1" },
    ]);
    const node2Global = localConfigOf(node2, "host-global-agent") as {
      acl: { tokens: Record<string, string> };
    };
    assert.deepStrictEqual(node2Global.acl.tokens, {
      agent: mockTokenSecret("accessor-of-host-global-agent-token-token"),
    });
    for (const r of ofType(node2, CONTAINER)) {
      assert.ok(!JSON.stringify(reveal(r.inputs.envs) ?? []).includes(MOCK_UUID), r.name);
    }
    assert.deepStrictEqual(agentConfigOf(node2, "host-internal-agent").primary_datacenter, "dc1");
    assert.strictEqual(
      await pulumi.isSecret(node1.exports.aclManagementToken as pulumi.Output<string>),
      true,
    );
  });

  it("with aclEnabled false, makes no token and warns at preview", async () => {
    const run = await runProgram(
      { ...readStackConfig("node1"), "distributed-consul:aclEnabled": "false" },
      {},
      "node1",
    );
    assert.strictEqual(ofType(run, "consul:index/aclToken:AclToken").length, 0);
    assert.ok(
      run.warnings.some((w) => w.includes("distributed-consul:aclEnabled is false")),
      run.warnings.join("\n"),
    );
  });

  it("reads no bootstrap stack when config gives everything a joining stack needs", async () => {
    const config = {
      ...readStackConfig("node2"),
      "distributed-consul:joinAddresses": JSON.stringify(["192.168.99.100:8301"]),
      "distributed-consul:wanJoinAddresses": JSON.stringify(["192.168.99.100:8302"]),
      ...CONFIGURED_SECRETS,
    };
    const run = await runProgram(config, {}, "node2");
    assert.strictEqual(ofType(run, "pulumi:pulumi:StackReference").length, 0);
    assert.deepStrictEqual(run.outputs.internalWanJoinAddresses, [
      "192.168.99.101:8302",
      "192.168.99.100:8302",
    ]);
  });

  it("with bootstrapStack empty, joins by config alone and WAN-joins its own global server", async () => {
    const config = {
      ...readStackConfig("node2"),
      "distributed-consul:bootstrapStack": "",
      "distributed-consul:joinAddresses": JSON.stringify(["192.168.99.100:8301"]),
      ...CONFIGURED_SECRETS,
    };
    const run = await runProgram(config, {}, "node2");
    assert.strictEqual(ofType(run, "pulumi:pulumi:StackReference").length, 0);
    assert.deepStrictEqual(run.outputs.internalWanJoinAddresses, ["192.168.99.101:8302"]);
    assert.deepStrictEqual(run.outputs.joinAddresses, ["192.168.99.100:8301"]);
  });

  it("with bootstrapExpect, every server waits for the count and none bootstraps alone", async () => {
    const config = {
      ...readStackConfig("node1"),
      "distributed-consul:bootstrap": "false",
      "distributed-consul:bootstrapExpect": "3",
      "distributed-consul:joinAddresses": JSON.stringify([
        "192.168.99.101:8301",
        "192.168.99.102:8301",
      ]),
      ...CONFIGURED_SECRETS,
    };
    const run = await runProgram(config, {}, "node1");
    const global = agentConfigOf(run, "host-global-agent");
    assert.strictEqual(global.bootstrap_expect, 3);
    assert.ok(!("bootstrap" in global));
    assert.strictEqual(ofType(run, "pulumi:pulumi:StackReference").length, 0);
    // Each server holds the configured management token and registers its own agent token.
    assert.deepStrictEqual(
      ofType(run, RANDOM_PASSWORD).map((r) => r.name),
      ["host-global-agent-token-seed"],
    );
    assert.deepStrictEqual(run.warnings, []);
  });

  it("lets the bootstrap host retry_join configured servers too (config wins everywhere)", async () => {
    const config = {
      ...readStackConfig("node1"),
      "distributed-consul:joinAddresses": JSON.stringify(["192.168.99.101:8301"]),
    };
    const run = await runProgram(config, {}, "node1");
    assert.deepStrictEqual(run.outputs.joinAddresses, ["192.168.99.101:8301"]);
    assert.strictEqual(agentConfigOf(run, "host-global-agent").bootstrap, true);
  });
  it("stops at preview while DOCKER_HOST names an engine the stack's config does not, and lets a configured dockerHost win", async () => {
    const rootless = "unix:///run/user/1000/docker.sock";
    process.env.DOCKER_HOST = rootless;
    try {
      const registrations: Registration[] = [];
      await assert.rejects(
        runProgram(readStackConfig("node1"), {}, "node1", registrations),
        (e: Error) =>
          e instanceof pulumi.ResourceError &&
          e.message.includes(
            `distributed-consul:dockerHost: is not set, but DOCKER_HOST is "${rootless}" in the environment.`,
          ) &&
          e.message.includes(
            'pin it in the stack\'s config: `pulumi config set distributed-consul:dockerHost "$DOCKER_HOST"`',
          ) &&
          e.message.includes("unset the variable: `unset DOCKER_HOST`"),
      );
      assert.deepStrictEqual(registrations, []);

      // Pinned in config, that engine is the provider's host.
      const pinned = { ...readStackConfig("node1"), "distributed-consul:dockerHost": rootless };
      const run = await runProgram(pinned, {}, "node1");
      assert.strictEqual(
        theOne(run, "pulumi:providers:docker", "docker-node1").inputs.host,
        rootless,
      );

      // Another engine in config wins over DOCKER_HOST.
      const other = "ssh://docker@192.168.99.100";
      const remote = {
        ...readStackConfig("node1"),
        "distributed-consul:dockerHost": other,
        "distributed-consul:hostAddress": "192.168.99.100",
      };
      const remoteRun = await runProgram(remote, {}, "node1");
      assert.strictEqual(
        theOne(remoteRun, "pulumi:providers:docker", "docker-node1").inputs.host,
        other,
      );
    } finally {
      delete process.env.DOCKER_HOST;
    }
  });
  it("asks a local Docker engine what it is at preview and refuses Docker Desktop, before any resource", async () => {
    const registrations: Registration[] = [];
    const desktop = {
      ...NODE1_MACHINE,
      dockerInfo: recordedEngineInfo("docker-desktop-info.json"),
    };
    await assert.rejects(
      runProgram(readStackConfig("node1"), {}, "node1", registrations, [], "../index", desktop),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes(
          "distributed-consul:dockerHost: unix:///var/run/docker.sock is Docker Desktop (engine 27.4.0",
        ) &&
        e.message.includes("Use a Linux Docker host"),
    );
    assert.deepStrictEqual(registrations, []);

    // A Linux engine is asked once, through DOCKER_HOST = the stack's dockerHost, and accepted.
    const run = await node1Default();
    assert.deepStrictEqual(run.engineAsked, [
      "unix:///var/run/docker.sock info --format {{json .}}",
    ]);
  });

  it("refuses a local rootless engine (Docker or Podman) at preview, before any resource", async () => {
    for (const [file, says] of [
      ["rootless-docker-info.json", "is a rootless Docker engine (engine 27.4.0"],
      ["rootless-podman-info.json", "is rootless Podman (Podman 5.2.5"],
    ] as const) {
      const registrations: Registration[] = [];
      const rootless = { ...NODE1_MACHINE, dockerInfo: recordedEngineInfo(file) };
      await assert.rejects(
        runProgram(readStackConfig("node1"), {}, "node1", registrations, [], "../index", rootless),
        (e: Error) =>
          e instanceof pulumi.ResourceError &&
          e.message.includes(
            `distributed-consul:dockerHost: unix:///var/run/docker.sock ${says}`,
          ) &&
          e.message.includes("or point distributed-consul:dockerHost at a rootful engine"),
      );
      assert.deepStrictEqual(registrations, [], file);
    }
  });

  it("goes on with a notice when the engine cannot be asked, and does not ask a remote engine", async () => {
    const noCli = await runProgram(readStackConfig("node1"), {}, "node1", [], [], "../index", {
      ...NODE1_MACHINE,
      dockerInfo: undefined,
    });
    assert.ok(ofType(noCli, CONTAINER).length > 0);
    assert.ok(
      noCli.notices.includes(
        "info: [runtime] Docker engine unix:///var/run/docker.sock: there is no docker CLI on the PATH to ask it; whether it is Docker Desktop or a rootless engine, which are not supported, is not checked.",
      ),
      noCli.notices.join("\n"),
    );
    const remote = await node2Default();
    assert.deepStrictEqual(remote.engineAsked, []);
  });
});
