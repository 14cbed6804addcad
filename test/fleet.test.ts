// Fleets (issue 26): three or five servers, every other host a client agent of dc1. The client
// agent's configuration (pure core), its certificate, the preview checks that know the fleet, and a
// client host as the stack program declares it under mocks.
import * as assert from "assert";
import { X509Certificate } from "crypto";
import { buildAgentConfig } from "../core/agent-config";
import { DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import { certificateAuthority, keySeed } from "../core/certificates";
import { agentOptions } from "../core/host-settings";
import { HostRole } from "../core/host-role";
import { describeProblem } from "../core/problems";
import {
  GlobalClientSpec,
  globalClientAgentConfig,
  globalClientSettings,
  globalServerSettings,
} from "../core/server-settings";
import { issueClientTls, issueServerTls } from "../core/server-tls";
import { HostTopology, checkTopology } from "../core/topology";
import { hostTopologyOf } from "../core/host-topology";
import { readStack } from "../program/stack-settings";
import { readFleetEnvironment } from "../testbed/environment";
import { checkStack } from "../program/stack-topology";
import { consulSchemaProblems } from "./consul-schema";
import {
  NODE1_INTERFACES,
  Registration,
  readStackConfig,
  reveal,
  runProgram,
  theOne,
} from "./harness";

const NS = "distributed-consul:";
const CONTAINER = "docker:index/container:Container";
const ACL_TOKEN = "consul:index/aclToken:AclToken";
const ACL_POLICY = "consul:index/aclPolicy:AclPolicy";

const client: GlobalClientSpec = {
  ...agentOptions({}),
  nodeName: "node7",
  hostAddress: "192.168.99.106",
  dockerBridgeAddress: "172.17.0.1",
  datacenter: "dc1",
  globalDatacenter: "dc1",
  ports: DEFAULT_GLOBAL_PORTS,
  aclEnabled: true,
  tls: true,
  joinAddresses: ["192.168.99.100:8301"],
};

describe("a client agent's configuration (pure core)", () => {
  const config = globalClientAgentConfig(client);
  const server = buildAgentConfig(
    globalServerSettings({ ...client, bootstrap: false, serverCount: 3 }),
  );

  it("is server: false, never bootstraps, has no autopilot and joins the servers it is given", () => {
    assert.strictEqual(config.server, false);
    for (const key of ["bootstrap", "bootstrap_expect", "autopilot"]) {
      assert.ok(!(key in config), key);
    }
    assert.deepStrictEqual(config.retry_join, ["192.168.99.100:8301"]);
    assert.deepStrictEqual(config.retry_join_wan, []);
    // A client's leave is cheap: it leaves on SIGTERM, as Consul's default for clients has it.
    assert.strictEqual(config.leave_on_terminate, true);
  });

  it("has TLS, ACLs, addresses and ports exactly as a server of the same host", () => {
    for (const key of [
      "tls",
      "acl",
      "primary_datacenter",
      "addresses",
      "ports",
      "bind_addr",
      "advertise_addr",
      "client_addr",
      "datacenter",
      "disable_keyring_file",
    ]) {
      assert.deepStrictEqual(config[key], server[key], key);
    }
  });

  it("uses only keys and types Consul accepts", () => {
    assert.deepStrictEqual(consulSchemaProblems(config), []);
    assert.deepStrictEqual(
      consulSchemaProblems(
        buildAgentConfig({
          ...globalClientSettings(client),
          acl: { enabled: false, tokenReplication: false },
        }),
      ),
      [],
    );
  });
});

describe("a client agent's certificate", () => {
  const ca = certificateAuthority({
    keySeed: keySeed("c".repeat(64), "ca"),
    commonName: "fleet CA",
    notBefore: new Date("2026-01-01T00:00:00Z"),
    notAfter: new Date("2036-01-01T00:00:00Z"),
  });
  const now = new Date("2026-06-01T00:00:00Z");
  const id = { nodeName: "node7", datacenter: "dc1", hostAddress: "192.168.99.106" };
  const files = issueClientTls(ca, id, now);
  const certificate = new X509Certificate(files.certificate);

  it("is client.dc1.consul, signed by the cluster's CA, never a server's name", () => {
    assert.ok(certificate.verify(new X509Certificate(ca.certificatePem).publicKey));
    assert.strictEqual(certificate.subject, "CN=client.dc1.consul");
    const names = certificate.subjectAltName ?? "";
    assert.match(names, /DNS:client\.dc1\.consul/);
    assert.match(names, /IP Address:192\.168\.99\.106/);
    assert.doesNotMatch(names, /server\./);
    assert.strictEqual(certificate.checkHost("server.dc1.consul"), undefined);
  });

  it("is the same on every run, and not the server certificate of the same host", () => {
    assert.strictEqual(issueClientTls(ca, id, now).certificate, files.certificate);
    assert.notStrictEqual(issueServerTls(ca, id, now).privateKey, files.privateKey);
  });
});

/** A host of a composed fleet: servers bootstrap with bootstrapExpect, the rest are clients. */
function fleetHost(i: number, role: HostRole, expect?: number): HostTopology {
  return hostTopologyOf((setting) => `hosts[${i}].${setting}`, {
    nodeName: `node${i + 1}`,
    hostAddress: `192.168.99.${100 + i}`,
    internalDatacenter: `vm${i + 1}`,
    role,
    bootstrapExpect: role === HostRole.Server ? expect : undefined,
    joinAddresses: ["192.168.99.200:8301"],
    wanJoinAddresses: ["192.168.99.200:8302"],
  });
}

function fleet(servers: number, clients: number, expect = servers): string[] {
  const hosts = [
    ...Array.from({ length: servers }, (_, i) => fleetHost(i, HostRole.Server, expect)),
    ...Array.from({ length: clients }, (_, i) => fleetHost(servers + i, HostRole.Client)),
  ];
  return checkTopology({ hosts, complete: true }).map(describeProblem);
}

describe("preview checks that know the fleet", () => {
  it("three or five servers and any number of clients: no problem", () => {
    assert.deepStrictEqual(fleet(3, 4), []);
    assert.deepStrictEqual(fleet(5, 15), []);
  });

  it("counts servers only: more than five warn with the reason, an even number warns", () => {
    assert.deepStrictEqual(fleet(7, 2), [
      "hosts[0].hosts: 7 global servers: every Raft commit waits for a majority of the voters (4), so each voter beyond 5 slows every write and widens elections; run 3 or 5 servers and make every other host a client agent (role: client).",
    ]);
    assert.deepStrictEqual(fleet(4, 3), [
      "hosts[0].hosts: 4 global servers need a quorum of 3 and tolerate 1 failure, no more than 3 would; run an odd number, 3 or 5 recommended.",
    ]);
  });

  it("bootstrapExpect counts servers, not hosts", () => {
    assert.deepStrictEqual(
      fleet(3, 4, 7).filter((p) => p.includes("bootstrapExpect")),
      [
        "hosts[0].bootstrapExpect: is 7, but 3 hosts run a server (client hosts do not count: they never vote); give every server bootstrapExpect: 3.",
      ],
    );
  });

  /** The stack check of node2's shipped config with `overrides` (keys without namespace). */
  const stackProblems = (overrides: Record<string, unknown>): string[] => {
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(readStackConfig("node2"))) {
      raw[key.slice(NS.length)] = value;
    }
    for (const [key, value] of Object.entries(overrides)) {
      raw[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const { settings, problems } = readStack((name) => raw[name], NODE1_INTERFACES);
    return checkStack(settings, problems, { plainText: [] }).map(describeProblem);
  };

  it("a client cannot bootstrap: the error names role and the fix", () => {
    assert.deepStrictEqual(stackProblems({ role: "client", bootstrap: "true" }), [
      `${NS}role: is client, but this host also sets bootstrap: true: a client agent never votes, so it cannot bootstrap the global datacenter; bootstrap on a server host (role: server) and remove bootstrap here.`,
    ]);
  });

  it("a client host needs the servers' join addresses", () => {
    const problems = stackProblems({
      role: "client",
      bootstrapStack: "",
      gossipKey: Buffer.alloc(32, 9).toString("base64"),
      aclEnabled: "false",
    });
    assert.ok(
      problems.includes(
        `${NS}joinAddresses: a client host needs the servers' join addresses; give the LAN addresses (host:serf_lan) of the global servers (or a bootstrap stack or cluster to read them from).`,
      ),
      problems.join("\n"),
    );
  });

  it("a client stack that reads the bootstrap stack has nothing to warn about", () => {
    assert.deepStrictEqual(stackProblems({ role: "client" }), []);
  });

  it("refuses a role that is neither, naming the values", () => {
    assert.ok(
      stackProblems({ role: "voter" }).includes(`${NS}role: "voter" is not one of server, client.`),
    );
  });
});

describe("a client host, as the stack program declares it (mocks)", () => {
  const node7 = {
    [`${NS}nodeName`]: "node7",
    [`${NS}internalDatacenter`]: "vm7",
    [`${NS}hostAddress`]: "192.168.99.106",
    [`${NS}dockerHost`]: "ssh://docker@192.168.99.106",
    [`${NS}role`]: "client",
  };
  let registrations: Registration[] = [];
  let outputs: Record<string, unknown> = {};
  let warnings: string[] = [];

  before(async () => {
    const node1 = await runProgram(readStackConfig("node1"), {}, "node1");
    const run = await runProgram(
      node7,
      { "organization/distributed-consul/node1": node1.outputs },
      "node7",
    );
    ({ registrations, outputs, warnings } = run);
  });

  const configOf = (name: string): Record<string, unknown> => {
    const uploads = theOne({ registrations }, CONTAINER, name).inputs.uploads as {
      file: string;
      content: string;
    }[];
    return JSON.parse(uploads[0].content) as Record<string, unknown>;
  };

  it("runs a dc1 client agent: server false, no bootstrap_expect, joining the servers", () => {
    const config = configOf("host-global-agent");
    assert.strictEqual(config.server, false);
    assert.ok(!("bootstrap_expect" in config) && !("bootstrap" in config));
    assert.ok(!("autopilot" in config));
    assert.deepStrictEqual(config.retry_join, ["192.168.99.100:8301"]);
  });

  it("with TLS and ACL as on a server, and a client certificate from the cluster's CA", () => {
    const config = configOf("host-global-agent") as {
      acl: { enabled: boolean; default_policy: string };
      tls: { defaults: { verify_incoming: boolean; verify_outgoing: boolean } };
    };
    assert.strictEqual(config.acl.enabled, true);
    assert.strictEqual(config.acl.default_policy, "deny");
    assert.strictEqual(config.tls.defaults.verify_incoming, true);
    assert.strictEqual(config.tls.defaults.verify_outgoing, true);
    const uploads = theOne({ registrations }, CONTAINER, "host-global-agent").inputs.uploads as {
      file: string;
      content: string;
    }[];
    const certificate = new X509Certificate(
      uploads.find((u) => u.file.endsWith("/server.pem"))?.content ?? "",
    );
    assert.strictEqual(certificate.subject, "CN=client.dc1.consul");
  });

  it("has its own agent token: a node identity only, made through the cluster's API", () => {
    const token = theOne({ registrations }, ACL_TOKEN, "host-global-agent-token-token");
    assert.deepStrictEqual(token.inputs.nodeIdentities, [{ nodeName: "node7", datacenter: "dc1" }]);
    assert.deepStrictEqual(token.inputs.policies, []);
    assert.ok(
      !registrations.some(
        (r) => r.type === ACL_POLICY && r.name === "host-global-agent-token-policy",
      ),
    );
    const local =
      (
        reveal(theOne({ registrations }, CONTAINER, "host-global-agent").inputs.envs) as string[]
      ).find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "";
    const secrets = JSON.parse(local.slice("CONSUL_LOCAL_CONFIG=".length)) as {
      acl: { tokens: Record<string, string> };
    };
    // Its own token, never the management token.
    assert.deepStrictEqual(Object.keys(secrets.acl.tokens), ["agent"]);
  });

  it("its healthcheck asks for a leader, not autopilot; it keeps no snapshots", () => {
    const container = theOne({ registrations }, CONTAINER, "host-global-agent");
    const test = (container.inputs.healthcheck as { tests: string[] }).tests.join(" ");
    assert.match(test, /v1\/status\/leader/);
    assert.doesNotMatch(test, /autopilot/);
    assert.deepStrictEqual(container.options.hooks?.beforeDelete ?? [], []);
  });

  it("its internal datacenter WAN-joins the servers, and the next host is not told to join it", () => {
    assert.deepStrictEqual(configOf("host-internal-agent").retry_join_wan, ["192.168.99.100:8302"]);
    const cluster = outputs.cluster as { joinAddresses: string[]; wanJoinAddresses: string[] };
    assert.deepStrictEqual(cluster.joinAddresses, ["192.168.99.100:8301"]);
    assert.deepStrictEqual(cluster.wanJoinAddresses, ["192.168.99.100:8302"]);
  });

  it("its registrators register with its own agent, as on a server host", () => {
    const registrator = theOne({ registrations }, CONTAINER, "host-registrator-global-container");
    assert.match(JSON.stringify(registrator.inputs.command), /consul:\/\/127\.0\.0\.1:8500/);
    assert.match(JSON.stringify(registrator.inputs.command), /-ip=192\.168\.99\.106/);
    assert.deepStrictEqual(
      warnings.filter((w) => !/server count|global server/.test(w)),
      [],
    );
  });
});

describe("the day-two real suite's fleet environment", () => {
  it("fails at once naming every client host variable missing and the setup that gives seven", () => {
    assert.throws(
      () => readFleetEnvironment({ PATH: process.env.PATH }),
      (e: Error) =>
        /E2E_NODE4_DOCKER_HOST, E2E_NODE4_IP, .*E2E_NODE7_IP/.test(e.message) &&
        /E2E_NODE1_DOCKER_HOST/.test(e.message) &&
        e.message.includes("E2E_HOSTS=7 ../shared/e2e/setup"),
    );
  });
});
