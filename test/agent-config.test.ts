import * as assert from "assert";
import {
  AgentSettings,
  BootstrapMode,
  TLS_FILES,
  buildAgentConfig,
  buildAgentSecretConfig,
  renderConfig,
} from "../core/agent-config";
import { DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { globalServerSettings, internalServerSettings } from "../core/server-settings";
import { consulSchemaProblems } from "./consul-schema";
import { agentOptions } from "../core/host-settings";

const host = {
  nodeName: "node2",
  hostAddress: "192.168.99.101",
  dockerBridgeAddress: "172.17.0.1",
};
// Every agent-wide setting at its declared default (a new one included), recursors given.
const common = {
  ...agentOptions({ recursors: ["1.1.1.1"] }),
  aclEnabled: false,
  tls: false,
  globalDatacenter: "dc1",
};

function globalSettings(overrides: Partial<AgentSettings> = {}): AgentSettings {
  return {
    ...globalServerSettings({
      ...host,
      ...common,
      datacenter: "dc1",
      bootstrap: false,
      joinAddresses: ["192.168.99.100:8301"],
      serverCount: 3,
      ports: DEFAULT_GLOBAL_PORTS,
    }),
    ...overrides,
  };
}

function internalSettings(tls: boolean): AgentSettings {
  return internalServerSettings({
    ...host,
    ...common,
    tls,
    datacenter: "vm2",
    wanJoinAddresses: ["192.168.99.100:8302"],
    ports: DEFAULT_INTERNAL_PORTS,
  });
}

/** The parts of a global server's settings that TLS changes, as globalServerSettings makes them. */
function tlsOn(): Partial<AgentSettings> {
  const { httpAddresses, httpsAddresses, tls } = globalServerSettings({
    ...host,
    ...common,
    tls: true,
    datacenter: "dc1",
    bootstrap: false,
    joinAddresses: ["192.168.99.100:8301"],
    serverCount: 3,
    ports: DEFAULT_GLOBAL_PORTS,
  });
  return { httpAddresses, httpsAddresses, tls };
}

describe("agent configuration (pure core)", () => {
  it("writes what a joining global server needs: datacenter, host addresses, join list", () => {
    const config = buildAgentConfig(globalSettings());
    assert.strictEqual(config.datacenter, "dc1");
    assert.strictEqual(config.node_name, "node2");
    assert.strictEqual(config.server, true);
    assert.strictEqual(config.bind_addr, "192.168.99.101");
    assert.strictEqual(config.advertise_addr, "192.168.99.101");
    assert.strictEqual(config.advertise_addr_wan, "192.168.99.101");
    // Without TLS plain HTTP is the only way in, so it is on the host address too.
    assert.strictEqual(config.client_addr, "127.0.0.1");
    assert.deepStrictEqual(config.addresses, {
      http: "127.0.0.1 192.168.99.101 172.17.0.1",
      dns: "127.0.0.1 192.168.99.101 172.17.0.1",
    });
    assert.deepStrictEqual(config.retry_join, ["192.168.99.100:8301"]);
    assert.deepStrictEqual(config.ports, {
      server: 8300,
      serf_lan: 8301,
      serf_wan: 8302,
      http: 8500,
      https: -1,
      dns: 8600,
      grpc: -1,
      grpc_tls: 8503,
    });
  });

  it("takes the gossip key from configuration, never from a keyring file in the data directory", () => {
    // Otherwise a kept data directory overrides the key Pulumi holds: Consul logs "keyring
    // doesn't include key provided with -encrypt, using keyring" and ignores `encrypt`.
    assert.strictEqual(buildAgentConfig(globalSettings()).disable_keyring_file, true);
  });

  it("never combines bootstrap with bootstrap_expect, whatever the mode", () => {
    const modes: BootstrapMode[] = [
      { kind: "self" },
      { kind: "join" },
      { kind: "expect", servers: 3 },
    ];
    const seen = modes.map((bootstrap) => {
      const config = buildAgentConfig(globalSettings({ bootstrap }));
      assert.ok(!("bootstrap" in config && "bootstrap_expect" in config), bootstrap.kind);
      return [config.bootstrap, config.bootstrap_expect];
    });
    assert.deepStrictEqual(seen, [
      [true, undefined],
      [undefined, undefined],
      [undefined, 3],
    ]);
  });

  it("lets only the bootstrap host elect itself", () => {
    const opts = {
      ...common,
      datacenter: "dc1",
      joinAddresses: [],
      serverCount: 3,
      ports: DEFAULT_GLOBAL_PORTS,
    };
    const first = buildAgentConfig(
      globalServerSettings({
        ...host,
        ...opts,
        bootstrap: true,
      }),
    );
    const other = buildAgentConfig(
      globalServerSettings({
        ...host,
        ...opts,
        bootstrap: false,
      }),
    );
    assert.strictEqual(first.bootstrap, true);
    assert.ok(!("bootstrap" in other) && !("bootstrap_expect" in other));
  });

  it("uses only current keys: retry_join, not start_join; ui_config, not ui", () => {
    const config = buildAgentConfig(globalSettings());
    for (const deprecated of ["start_join", "start_join_wan", "ui", "acl_datacenter"]) {
      assert.ok(!(deprecated in config), deprecated);
    }
    assert.deepStrictEqual(config.ui_config, { enabled: true });
  });

  it("keeps secrets out of the main file and in the secret one", () => {
    const plain = renderConfig(
      buildAgentConfig(globalSettings({ acl: { enabled: true, tokenReplication: false } })),
    );
    assert.ok(!plain.includes('encrypt"'), plain);
    assert.ok(!plain.includes("tokens"), plain);
    const secret = buildAgentSecretConfig({
      gossipKey: "k",
      initialManagementToken: "t",
      agentToken: "a",
    });
    assert.deepStrictEqual(secret, {
      encrypt: "k",
      acl: { tokens: { initial_management: "t", agent: "a" } },
    });
    assert.deepStrictEqual(buildAgentSecretConfig({}), {});
  });

  it("writes primary_datacenter and default-deny ACLs only when ACLs are on", () => {
    const off = buildAgentConfig(globalSettings());
    assert.ok(!("acl" in off) && !("primary_datacenter" in off));
    const on = buildAgentConfig(globalSettings({ acl: { enabled: true, tokenReplication: true } }));
    assert.strictEqual(on.primary_datacenter, "dc1");
    assert.deepStrictEqual(on.acl, {
      enabled: true,
      default_policy: "deny",
      down_policy: "extend-cache",
      enable_token_persistence: true,
      enable_token_replication: true,
    });
  });

  it("with TLS, keeps plain HTTP off the host address and serves HTTPS there instead", () => {
    const config = buildAgentConfig(globalSettings(tlsOn()));
    assert.deepStrictEqual(config.addresses, {
      http: "127.0.0.1 172.17.0.1",
      https: "127.0.0.1 192.168.99.101",
      dns: "127.0.0.1 192.168.99.101 172.17.0.1",
    });
    assert.strictEqual((config.ports as Record<string, number>).https, 8501);
    const internal = buildAgentConfig(internalSettings(true));
    assert.deepStrictEqual(internal.addresses, {
      http: "127.0.0.1 172.17.0.1",
      https: "127.0.0.1 192.168.99.101",
      dns: "172.17.0.1",
    });
    assert.strictEqual((internal.ports as Record<string, number>).https, 18501);
  });

  it("with TLS, verifies RPC both ways and the server's name, and not HTTPS clients", () => {
    const tls = buildAgentConfig(globalSettings(tlsOn())).tls as Record<
      string,
      Record<string, unknown>
    >;
    assert.deepStrictEqual(tls.defaults, {
      ca_file: TLS_FILES.ca,
      cert_file: TLS_FILES.certificate,
      key_file: TLS_FILES.privateKey,
      verify_incoming: true,
      verify_outgoing: true,
    });
    assert.deepStrictEqual(tls.internal_rpc, { verify_server_hostname: true });
    assert.deepStrictEqual(tls.https, { verify_incoming: false });
    assert.ok(!("tls" in buildAgentConfig(globalSettings())));
  });

  it("keeps global servers in Raft through a SIGTERM (an engine's or host's restart), rejoining after a leave; an internal DC's only server neither", () => {
    // A planned removal makes a global server leave through its delete hook, not SIGTERM.
    assert.strictEqual(buildAgentConfig(globalSettings()).leave_on_terminate, false);
    // …and after that leave it rejoins the members it knew when it starts again on the same
    // data (a replaced bootstrap server has no retry_join).
    assert.strictEqual(buildAgentConfig(globalSettings()).rejoin_after_leave, true);
    assert.strictEqual(buildAgentConfig(internalSettings(false)).leave_on_terminate, false);
    assert.ok(!("rejoin_after_leave" in buildAgentConfig(internalSettings(false))));
  });

  it("produces only keys and types Consul accepts, for every server kind and option", () => {
    const internal = internalSettings(false);
    const documents = [
      buildAgentConfig(globalSettings(tlsOn())),
      buildAgentConfig(internalSettings(true)),
      buildAgentConfig(globalSettings()),
      buildAgentConfig(globalSettings({ bootstrap: { kind: "self" } })),
      buildAgentConfig(globalSettings({ bootstrap: { kind: "expect", servers: 3 } })),
      buildAgentConfig(globalSettings({ acl: { enabled: true, tokenReplication: true } })),
      buildAgentConfig(internal),
      buildAgentSecretConfig({
        gossipKey: "k",
        initialManagementToken: "t",
        agentToken: "a",
        replicationToken: "r",
      }),
    ];
    for (const doc of documents) assert.deepStrictEqual(consulSchemaProblems(doc), []);
  });
});

describe("Consul key-set check (the checker itself)", () => {
  it("refuses unknown keys, deprecated keys and wrong types", () => {
    assert.deepStrictEqual(consulSchemaProblems({ start_join: ["a"] }), [
      "start_join: deprecated key",
    ]);
    assert.deepStrictEqual(consulSchemaProblems({ no_such_key: 1 }), [
      "no_such_key: not a key Consul accepts",
    ]);
    assert.deepStrictEqual(consulSchemaProblems({ ports: { http: "8500" } }), [
      'ports.http: expected int, got "8500"',
    ]);
    assert.deepStrictEqual(consulSchemaProblems({ ports: { htp: 1 } }), [
      "ports.htp: not a key Consul accepts",
    ]);
  });
});

describe("day-two settings of the servers", () => {
  const globalWith = (serverCount: number) =>
    buildAgentConfig(
      globalServerSettings({
        ...host,
        ...common,
        datacenter: "dc1",
        bootstrap: false,
        joinAddresses: ["192.168.99.100:8301"],
        serverCount,
        ports: DEFAULT_GLOBAL_PORTS,
      }),
    );

  it("elects a new leader on production timing: raft_multiplier 1 on every server", () => {
    assert.deepStrictEqual(globalWith(3).performance, { raft_multiplier: 1 });
    assert.deepStrictEqual(buildAgentConfig(internalSettings(false)).performance, {
      raft_multiplier: 1,
    });
  });

  it("lets autopilot remove no dead server of the cluster as built, so one that comes back is a voter at once", () => {
    for (const servers of [1, 2, 3, 5]) {
      assert.deepStrictEqual(
        globalWith(servers).autopilot,
        { cleanup_dead_servers: true, min_quorum: servers },
        `${servers} servers`,
      );
    }
  });

  it("marks a DNS answer cut to Consul's three UDP records as truncated, on every agent, so resolvers get every host over TCP", () => {
    for (const config of [
      buildAgentConfig(globalSettings()),
      buildAgentConfig(internalSettings(true)),
    ]) {
      assert.deepStrictEqual(config.dns_config, { enable_truncate: true });
    }
  });

  it("leaves autopilot alone in a one-server internal datacenter", () => {
    assert.ok(!("autopilot" in buildAgentConfig(internalSettings(true))));
  });

  it("writes only keys and types Consul accepts", () => {
    assert.deepStrictEqual(consulSchemaProblems(globalWith(5)), []);
  });
});
