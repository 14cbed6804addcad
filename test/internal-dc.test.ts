import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { InternalDc } from "../components/internal-dc";
import { Registration, installMocks, isSecret, reveal, theOne, valueOf } from "./harness";
import { consulSchemaProblems } from "./consul-schema";
import { testGossipKey, testTls } from "./secure-args";

const CONTAINER = "docker:index/container:Container";

async function deploy(args: ConstructorParameters<typeof InternalDc>[1]) {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const provider = new docker.Provider("host-docker", {});
  const component = new InternalDc("i", args, { providers: [provider] });
  await valueOf(component.containerId);
  const container = theOne({ registrations }, CONTAINER, "i-agent");
  const uploads = container.inputs.uploads as { content: string }[];
  const config = JSON.parse(uploads[0].content) as Record<string, unknown>;
  return { registrations, component, container, config };
}

const node2 = {
  nodeName: "node2",
  hostAddress: "192.168.99.101",
  internalDatacenter: "vm2",
  wanJoinAddresses: [pulumi.output("192.168.99.101:8302"), "192.168.99.100:8302"],
  // What an internal datacenter needs from the global servers (see secure-defaults.test.ts).
  gossipKey: pulumi.secret(testGossipKey(3)),
  acl: { agentToken: "agent-token", replicationToken: "replication-token" },
  tls: testTls(),
};

describe("InternalDc", () => {
  it("advertises the host address on LAN and WAN, never a container address", async () => {
    const { config } = await deploy(node2);
    assert.strictEqual(config.advertise_addr, "192.168.99.101");
    assert.strictEqual(config.advertise_addr_wan, "192.168.99.101");
    assert.strictEqual(config.bind_addr, "192.168.99.101");
  });

  it("is a one-server datacenter that elects itself and WAN-joins every global server", async () => {
    const { config } = await deploy(node2);
    assert.strictEqual(config.datacenter, "vm2");
    assert.strictEqual(config.node_name, "node2-vm2");
    assert.strictEqual(config.bootstrap, true);
    assert.deepStrictEqual(config.retry_join_wan, ["192.168.99.101:8302", "192.168.99.100:8302"]);
    assert.deepStrictEqual(consulSchemaProblems(config), []);
  });

  it("listens on ports apart from the global server's and serves DNS on 53 of the bridge", async () => {
    const { config, component } = await deploy(node2);
    assert.deepStrictEqual(config.ports, {
      server: 18300,
      serf_lan: 18301,
      serf_wan: 18302,
      http: 18500,
      // HTTPS on the host address; plain HTTP only on loopback and the bridge.
      https: 18501,
      dns: 53,
      grpc: -1,
      grpc_tls: 18503,
    });
    assert.deepStrictEqual(config.addresses, {
      http: "127.0.0.1 172.17.0.1",
      https: "127.0.0.1 192.168.99.101",
      dns: "172.17.0.1",
    });
    assert.strictEqual(config.client_addr, "127.0.0.1");
    assert.deepStrictEqual(config.recursors, ["1.1.1.1", "8.8.8.8"]);
    assert.strictEqual(await valueOf(component.dnsServer), "172.17.0.1");
    assert.strictEqual(await valueOf(component.dnsAddress), "172.17.0.1:53");
    assert.strictEqual(await valueOf(component.wanAddress), "192.168.99.101:18302");
  });

  it("lets the unprivileged agent bind port 53 and shares the gossip key as a secret", async () => {
    const { container } = await deploy(node2);
    assert.ok(isSecret(container.inputs.envs));
    const envs = reveal(container.inputs.envs) as string[];
    assert.ok(envs.includes("CONSUL_ALLOW_PRIVILEGED_PORTS=yes"), String(envs.length));
    const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "";
    const secrets = JSON.parse(local.slice("CONSUL_LOCAL_CONFIG=".length)) as { encrypt: string };
    assert.strictEqual(secrets.encrypt, testGossipKey(3));
  });

  it("has the same image, volume, health gating and replacement rules as GlobalConsul", async () => {
    const { registrations, container } = await deploy(node2);
    assert.strictEqual(container.inputs.networkMode, "host");
    assert.strictEqual(container.inputs.restart, "unless-stopped");
    assert.strictEqual(container.inputs.wait, true);
    assert.strictEqual(container.inputs.name, "consul-vm2-node2");
    assert.match(
      (container.inputs.healthcheck as { tests: string[] }).tests[1],
      /:18500\/v1\/status\/leader/,
    );
    assert.strictEqual(
      theOne({ registrations }, "docker:index/volume:Volume", "i-data").inputs.name,
      "consul-vm2-node2-data",
    );
    assert.match(container.options.parent, /::distributed-consul:index:InternalDc::i$/);
    assert.strictEqual(container.options.deleteBeforeReplace, true);
    assert.deepStrictEqual(container.options.replaceOnChanges, ["healthcheck"]);
  });

  it("refuses a DNS port other than 53 and an empty WAN join list, before registering anything", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    assert.throws(
      () => new InternalDc("i", { ...node2, wanJoinAddresses: [], internalPorts: { dns: 8653 } }),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes(
          "InternalDc(i).internalPorts.dns: is 8653, but containers can only use a resolver on port 53",
        ) &&
        e.message.includes(
          "InternalDc(i).wanJoinAddresses: the internal datacenter has no global server to WAN-join",
        ),
    );
    assert.deepStrictEqual(registrations, []);
  });
});
