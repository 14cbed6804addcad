// extraConfig: Consul keys the project does not model, checked against the keys Consul accepts and
// the ones the project writes, merged deeply into both servers' configuration; as a stack setting
// and as a ConsulHost argument (mocks).
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import keysFixture from "./fixtures/consul-config-keys.json";
import {
  CONSUL_CONFIG_KEYS,
  CONSUL_CONFIG_KEYS_SOURCE,
  DEPRECATED_CONSUL_KEYS,
  ENTERPRISE_ONLY_CONSUL_KEYS,
  INTERNAL_CONSUL_KEYS,
} from "../core/consul-config-keys";
import {
  OWNED_CONSUL_KEYS,
  checkExtraConfig,
  editDistance,
  mergeExtraConfig,
} from "../core/extra-config";
import { globalAgentConfig, internalAgentConfig } from "../core/server-settings";
import { DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { agentOptions } from "../core/host-settings";
import { ConsulHost } from "../components/consul-host";
import { readStackSettings } from "../program/stack-settings";
import { consulSchemaProblems } from "./consul-schema";
import { Registration, installMocks, runProgram, theOne, valueOf } from "./harness";

const CONTAINER = "docker:index/container:Container";
const KEY = "distributed-consul:extraConfig";

/** `key: message` of each problem. */
const described = (problems: readonly { key: string; message: string }[]): string[] =>
  problems.map((p) => `${p.key}: ${p.message}`);

/** The agent configuration uploaded to a server container. */
function configOf(container: Registration): Record<string, unknown> {
  const uploads = container.inputs.uploads as { content: string }[];
  return JSON.parse(uploads[0].content) as Record<string, unknown>;
}

const server = {
  nodeName: "node1",
  hostAddress: "192.168.99.100",
  dockerBridgeAddress: "172.17.0.1",
  aclEnabled: true,
  tls: true,
  globalDatacenter: "dc1",
};

describe("extraConfig", () => {
  it("holds the key set of the Consul fixture, unchanged", () => {
    assert.strictEqual(CONSUL_CONFIG_KEYS_SOURCE, keysFixture.source);
    assert.deepStrictEqual(CONSUL_CONFIG_KEYS, keysFixture.keys);
    assert.deepStrictEqual(DEPRECATED_CONSUL_KEYS, keysFixture.deprecated_replacements);
    assert.deepStrictEqual(
      ENTERPRISE_ONLY_CONSUL_KEYS,
      keysFixture.enterprise_only.map((k) => k.toLowerCase()),
    );
    assert.deepStrictEqual(
      INTERNAL_CONSUL_KEYS,
      keysFixture.internal_or_test_only.map((k) => k.toLowerCase()),
    );
  });

  it("owns every key the project writes (no generated key can be overridden unnamed)", () => {
    const config = globalAgentConfig({
      ...server,
      ...agentOptions({}),
      datacenter: "dc1",
      bootstrap: true,
      joinAddresses: [],
      serverCount: 3,
      ports: DEFAULT_GLOBAL_PORTS,
    });
    const paths = (doc: Record<string, unknown>, prefix = ""): string[] =>
      Object.entries(doc).flatMap(([k, v]) => {
        const path = prefix + k;
        return typeof v === "object" && v !== null && !Array.isArray(v)
          ? paths(v as Record<string, unknown>, `${path}.`)
          : [path];
      });
    const owned = (path: string): boolean =>
      path.split(".").some((_, i, parts) => parts.slice(0, i + 1).join(".") in OWNED_CONSUL_KEYS);
    assert.deepStrictEqual(
      paths(config).filter((p) => !owned(p)),
      [],
    );
  });

  it("accepts Consul keys the project leaves open, in any case, and checks their types", () => {
    assert.deepStrictEqual(
      checkExtraConfig(KEY, {
        limits: { http_max_conns_per_client: 400, rpc_rate: 100.5 },
        DNS_Config: { allow_stale: true, service_ttl: { "*": "5s" } },
        ui_config: { dashboard_url_templates: { service: "https://grafana/{{Service.Name}}" } },
        ports: { sidecar_min_port: 21000 },
        node_meta: { rack: "r1" },
        log_json: true,
      }),
      [],
    );
    assert.deepStrictEqual(
      described(
        checkExtraConfig(KEY, {
          limits: { http_max_conns_per_client: "400", rpc_rate: null },
          dns_config: { allow_stale: "yes", max_stale: 5 },
          node_meta: "r1",
        }),
      ),
      [
        `${KEY}.limits.http_max_conns_per_client: must be a whole number, not "400".`,
        `${KEY}.limits.rpc_rate: is null; give a value or remove the key.`,
        `${KEY}.dns_config.allow_stale: must be true or false, not "yes".`,
        `${KEY}.dns_config.max_stale: must be a duration string such as "10s", not 5.`,
        `${KEY}.node_meta: must be an object, not "r1".`,
      ],
    );
  });

  it("refuses an unknown key, naming it and the nearest key Consul accepts", () => {
    assert.deepStrictEqual(
      described(checkExtraConfig(KEY, { limits: { http_max_conn_per_client: 400 }, lmits: {} })),
      [
        `${KEY}.limits.http_max_conn_per_client: is not a key Consul accepts; the nearest is limits.http_max_conns_per_client.`,
        `${KEY}.lmits: is not a key Consul accepts; the nearest is limits.`,
      ],
    );
    assert.strictEqual(editDistance("lmits", "limits"), 1);
    assert.strictEqual(editDistance("kitten", "sitting"), 3);
  });

  it("refuses a key the project sets, naming the setting that sets it", () => {
    assert.deepStrictEqual(
      described(
        checkExtraConfig(KEY, {
          ports: { http: 8080 },
          tls: { defaults: { verify_incoming: false } },
          ACL: { enabled: false },
          retry_join: ["10.0.0.1"],
          encrypt: "x",
          ui_config: { enabled: false },
          performance: { raft_multiplier: 5 },
          leave_on_terminate: false,
          start_join: ["10.0.0.1"],
        }),
      ),
      [
        `${KEY}.ports.http: is set by the project from distributed-consul:globalPorts / distributed-consul:internalPorts; set that instead and remove this key.`,
        `${KEY}.tls: is set by the project from distributed-consul:tlsCaCertificate / distributed-consul:tlsCaKey; set that instead and remove this key.`,
        `${KEY}.ACL: is set by the project from distributed-consul:aclEnabled / distributed-consul:aclManagementToken; set that instead and remove this key.`,
        `${KEY}.retry_join: is set by the project from distributed-consul:joinAddresses; set that instead and remove this key.`,
        `${KEY}.encrypt: is set by the project from distributed-consul:gossipKey; set that instead and remove this key.`,
        `${KEY}.ui_config.enabled: is set by the project from distributed-consul:ui; set that instead and remove this key.`,
        `${KEY}.performance: is owned by the project (it sets it the same on every server); remove it.`,
        `${KEY}.leave_on_terminate: is owned by the project (it sets it the same on every server); remove it.`,
        // A deprecated form of an owned key is the owner's too.
        `${KEY}.start_join: is set by the project from distributed-consul:joinAddresses; set that instead and remove this key.`,
      ],
    );
  });

  it("refuses deprecated, Enterprise-only and internal keys, saying why", () => {
    assert.deepStrictEqual(
      described(checkExtraConfig(KEY, { ui_dir: "/ui", audit: {}, version: "1" })),
      [
        `${KEY}.ui_dir: is deprecated; give ui_config.dir instead.`,
        `${KEY}.audit: is a Consul Enterprise key; the Consul image runs Consul CE, which refuses it.`,
        `${KEY}.version: is internal to Consul (its builds and tests), not an agent setting.`,
      ],
    );
    assert.deepStrictEqual(described(checkExtraConfig(KEY, [] as never)), [
      `${KEY}: must be an object of Consul agent settings, e.g. { limits: { ... } }.`,
    ]);
  });

  it("merges deeply into both servers' configuration, in Consul's spelling, which Consul accepts", () => {
    const extraConfig = {
      Limits: { http_max_conns_per_client: 400 },
      ui_config: { dashboard_url_templates: { service: "https://grafana/x" } },
    };
    const options = agentOptions({ extraConfig });
    const global = globalAgentConfig({
      ...server,
      ...options,
      datacenter: "dc1",
      bootstrap: true,
      joinAddresses: [],
      serverCount: 3,
      ports: DEFAULT_GLOBAL_PORTS,
    });
    const internal = internalAgentConfig({
      ...server,
      ...options,
      datacenter: "vm1",
      wanJoinAddresses: ["192.168.99.100:8302"],
      ports: DEFAULT_INTERNAL_PORTS,
    });
    for (const config of [global, internal]) {
      assert.deepStrictEqual(config.limits, { http_max_conns_per_client: 400 });
      assert.ok(!("Limits" in config));
      // The project's own key in the same object stays.
      assert.deepStrictEqual(config.ui_config, {
        enabled: true,
        dashboard_url_templates: { service: "https://grafana/x" },
      });
      assert.deepStrictEqual(consulSchemaProblems(config), []);
    }
    // Nothing given, nothing changed (the same object).
    const doc = { a: 1 };
    assert.strictEqual(mergeExtraConfig(doc, {}), doc);
  });

  it("as a stack setting: read as YAML/JSON, each problem named by its config key", () => {
    const required = {
      nodeName: "node1",
      hostAddress: "192.168.99.100",
      internalDatacenter: "vm1",
    };
    const good = readStackSettings(
      (name) =>
        ({ ...required, extraConfig: JSON.stringify({ limits: { rpc_rate: 50 } }) })[
          name as keyof typeof required
        ],
    );
    assert.deepStrictEqual(good.problems, []);
    assert.deepStrictEqual(good.settings.extraConfig, { limits: { rpc_rate: 50 } });
    const bad = readStackSettings(
      (name) =>
        ({ ...required, extraConfig: JSON.stringify({ limitz: {}, addresses: {} }) })[
          name as keyof typeof required
        ],
    );
    assert.deepStrictEqual(described(bad.problems), [
      `${KEY}.limitz: is not a key Consul accepts; the nearest is limits.`,
      `${KEY}.addresses: is set by the project from distributed-consul:hostAddress / distributed-consul:dockerBridgeAddress; set that instead and remove this key.`,
    ]);
  });

  it("the program fails at preview once per problem, before registering anything", async () => {
    const registrations: Registration[] = [];
    await assert.rejects(
      runProgram(
        {
          "distributed-consul:nodeName": "node1",
          "distributed-consul:hostAddress": "192.168.99.100",
          "distributed-consul:internalDatacenter": "vm1",
          "distributed-consul:bootstrap": "true",
          "distributed-consul:extraConfig": JSON.stringify({ datacenter: "x" }),
        },
        {},
        "node1",
        registrations,
      ),
      (e: Error) => {
        const text = String(e);
        assert.strictEqual(
          text.split(`${KEY}.datacenter: is set by the project`).length - 1,
          1,
          text,
        );
        return true;
      },
    );
    assert.deepStrictEqual(
      registrations.filter((r) => r.type === CONTAINER),
      [],
    );
  });

  it("as a ConsulHost argument: checked before registering, then in both servers' uploads", async () => {
    assert.throws(
      () =>
        new ConsulHost("node1", {
          nodeName: "node1",
          hostAddress: "192.168.99.100",
          internalDatacenter: "vm1",
          bootstrap: true,
          extraConfig: { limits: { http_max_conns_per_clients: 1 } },
        }),
      /ConsulHost\(node1\)\.extraConfig\.limits\.http_max_conns_per_clients: is not a key Consul accepts; the nearest is limits\.http_max_conns_per_client\./,
    );
    assert.throws(
      () =>
        new ConsulHost("node1", {
          nodeName: "node1",
          hostAddress: "192.168.99.100",
          internalDatacenter: "vm1",
          bootstrap: true,
          extraConfig: { bind_addr: "0.0.0.0" },
        }),
      /ConsulHost\(node1\)\.extraConfig\.bind_addr: is set by the project from ConsulHost\(node1\)\.hostAddress;/,
    );
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const host = new ConsulHost("node1", {
      nodeName: "node1",
      hostAddress: "192.168.99.100",
      internalDatacenter: "vm1",
      bootstrap: true,
      extraConfig: { limits: { http_max_conns_per_client: 400 } },
    });
    await valueOf(pulumi.all([host.globalContainerId, host.internalContainerId]));
    await pulumi.runtime.disconnect();
    for (const name of ["node1-global-agent", "node1-internal-agent"]) {
      const config = configOf(theOne({ registrations }, CONTAINER, name));
      assert.deepStrictEqual(config.limits, { http_max_conns_per_client: 400 }, name);
    }
  });
});
