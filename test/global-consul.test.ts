import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GlobalConsul } from "../components/global-consul";
import { DEFAULT_CONSUL_IMAGE } from "../core/defaults";
import { DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import { Registration, installMocks, isSecret, reveal, theOne, valueOf } from "./harness";
import { consulSchemaProblems } from "./consul-schema";
import { TEST_AGENT_TOKEN, testGossipKey, testTls } from "./secure-args";

const CONTAINER = "docker:index/container:Container";

function upload(container: Registration, file: string): unknown {
  const uploads = container.inputs.uploads as { file: string; content: unknown }[];
  const found = uploads.find((u) => u.file === file);
  assert.ok(found, `no upload ${file}`);
  return found.content;
}

async function deploy(
  name: string,
  args: ConstructorParameters<typeof GlobalConsul>[1],
): Promise<{ registrations: Registration[]; component: GlobalConsul; provider: docker.Provider }> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const provider = new docker.Provider("host-docker", { host: "unix:///var/run/docker.sock" });
  const component = new GlobalConsul(name, args, { providers: [provider] });
  await valueOf(component.containerId);
  return { registrations, component, provider };
}

describe("GlobalConsul", () => {
  // A joining server gets the cluster's secrets (see secure-defaults.test.ts for what it lacks).
  const joining = {
    nodeName: "node2",
    hostAddress: "192.168.99.101",
    joinAddresses: ["192.168.99.100:8301"],
    gossipKey: pulumi.secret(testGossipKey(1)),
    acl: { agentToken: TEST_AGENT_TOKEN },
    tls: testTls(),
  };

  it("pulls the pinned image and runs the container from its image id", async () => {
    const run = await deploy("g", joining);
    const image = theOne(run, "docker:index/remoteImage:RemoteImage", "g-image");
    assert.strictEqual(image.inputs.name, DEFAULT_CONSUL_IMAGE);
    assert.match(DEFAULT_CONSUL_IMAGE, /^hashicorp\/consul:\d+\.\d+\.\d+$/);
    // The id the mocks give that image (harness.ts), not its tag: a re-pulled tag replaces it.
    const container = theOne(run, CONTAINER, "g-agent");
    assert.strictEqual(container.inputs.image, `sha256:mock-${String(image.inputs.name)}`);
  });

  it("runs with host networking, restart on failure, a fixed name, wait on health", async () => {
    const { inputs } = theOne(await deploy("g", joining), CONTAINER, "g-agent");
    assert.strictEqual(inputs.networkMode, "host");
    // A crash or its engine's shutdown (no leave on SIGTERM: exit 1) restarts it; its clean exit
    // after the leave its delete hook asks for does not.
    assert.strictEqual(inputs.restart, "on-failure");
    assert.strictEqual(inputs.name, "consul-dc1-node2");
    // The image's entrypoint runs `agent` after the start script (see agent-start.test.ts).
    assert.deepStrictEqual(inputs.entrypoints, ["/bin/sh", "-c"]);
    assert.match((inputs.command as string[])[0], /\nexec docker-entrypoint\.sh agent$/);
    assert.strictEqual(inputs.wait, true);
    assert.strictEqual(inputs.waitTimeout, 120);
    // Stopped (SIGTERM) before it is removed, not killed.
    assert.strictEqual(inputs.destroyGraceSeconds, 30);
    assert.deepStrictEqual(inputs.labels, [{ label: "SERVICE_IGNORE", value: "true" }]);
  });

  it("keeps Raft data on a named volume mounted at /consul/data", async () => {
    const run = await deploy("g", joining);
    const volume = theOne(run, "docker:index/volume:Volume", "g-data");
    assert.strictEqual(volume.inputs.name, "consul-dc1-node2-data");
    const { inputs } = theOne(run, CONTAINER, "g-agent");
    assert.deepStrictEqual(inputs.volumes, [
      { volumeName: "consul-dc1-node2-data", containerPath: "/consul/data" },
    ]);
  });

  it("uploads an agent config that joins the given servers and that Consul accepts", async () => {
    const container = theOne(await deploy("g", joining), CONTAINER, "g-agent");
    const content = upload(container, "/consul/config/agent.json");
    assert.strictEqual(typeof content, "string", "the main config is plain, readable in diffs");
    const config = JSON.parse(content as string) as Record<string, unknown>;
    assert.deepStrictEqual(config.retry_join, ["192.168.99.100:8301"]);
    assert.strictEqual(config.advertise_addr, "192.168.99.101");
    assert.ok(!("bootstrap" in config) && !("bootstrap_expect" in config));
    assert.deepStrictEqual(consulSchemaProblems(config), []);
  });

  it("passes the gossip key only inside a Pulumi secret, never in the readable config", async () => {
    const container = theOne(await deploy("g", joining), CONTAINER, "g-agent");
    assert.ok(isSecret(container.inputs.envs), "envs carry the secret part and must be secret");
    assert.ok(!JSON.stringify(container.inputs.uploads).includes("encrypt"));
    const envs = reveal(container.inputs.envs) as string[];
    const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG="));
    assert.ok(local, "CONSUL_LOCAL_CONFIG is set");
    const secrets = JSON.parse(local.slice("CONSUL_LOCAL_CONFIG=".length)) as Record<
      string,
      unknown
    >;
    assert.strictEqual(secrets.encrypt, testGossipKey(1));
    assert.deepStrictEqual(consulSchemaProblems(secrets), []);
  });

  it("bootstraps on the bootstrap host and needs no join address there", async () => {
    const run = await deploy("g", {
      nodeName: "node1",
      hostAddress: "192.168.99.100",
      bootstrap: true,
    });
    const content = upload(theOne(run, CONTAINER, "g-agent"), "/consul/config/agent.json");
    const config = JSON.parse(content as string) as Record<string, unknown>;
    assert.strictEqual(config.bootstrap, true);
    assert.deepStrictEqual(config.retry_join, []);
  });

  it("routes every child to the caller's docker provider and parents it to the component", async () => {
    const run = await deploy("g", joining);
    const children = run.registrations.filter((r) => r.type.startsWith("docker:index/"));
    assert.strictEqual(children.length, 3);
    for (const child of children) {
      assert.match(String(child.provider), /::host-docker::host-docker-id$/, child.name);
      assert.ok(child.name.startsWith("g-"), child.name);
    }
    const component = theOne(run, "distributed-consul:index:GlobalConsul", "g");
    assert.strictEqual(component.custom, false);
    for (const child of children) {
      assert.match(child.options.parent, /::distributed-consul:index:GlobalConsul::g$/, child.name);
    }
  });

  it("replaces the container old-first, on healthcheck changes too, and deletes its volume only with it", async () => {
    const run = await deploy("g", joining);
    const container = theOne(run, CONTAINER, "g-agent");
    assert.strictEqual(container.options.deleteBeforeReplace, true);
    assert.deepStrictEqual(container.options.replaceOnChanges, ["healthcheck"]);
    const volume = theOne(run, "docker:index/volume:Volume", "g-data");
    // A separate resource whose inputs do not follow the container's: replacing the container
    // keeps it; destroy removes it, unless asked to keep it.
    assert.deepStrictEqual(Object.keys(volume.inputs), ["name"]);
    assert.strictEqual(volume.options.retainOnDelete, false);
    assert.strictEqual(volume.options.deleteBeforeReplace, false);
    const keeping = await deploy("k", { ...joining, keepDataOnDestroy: true });
    assert.strictEqual(
      theOne(keeping, "docker:index/volume:Volume", "k-data").options.retainOnDelete,
      true,
    );
  });

  it("exports its addresses and identity as outputs", async () => {
    const { component } = await deploy("g", joining);
    assert.strictEqual(await valueOf(component.nodeName), "node2");
    assert.strictEqual(await valueOf(component.globalDatacenter), "dc1");
    // Consul's own ports (DEFAULT_GLOBAL_PORTS), each output on the address it belongs to.
    const p = DEFAULT_GLOBAL_PORTS;
    assert.strictEqual(await valueOf(component.joinAddress), `192.168.99.101:${p.serfLan}`);
    assert.strictEqual(await valueOf(component.wanAddress), `192.168.99.101:${p.serfWan}`);
    // The API is HTTPS on the host address; registrator uses plain HTTP on loopback.
    assert.strictEqual(await valueOf(component.apiAddress), `192.168.99.101:${p.https}`);
    assert.strictEqual(await valueOf(component.localHttpAddress), `127.0.0.1:${p.http}`);
    assert.strictEqual(await valueOf(component.dnsAddress), `192.168.99.101:${p.dns}`);
    assert.strictEqual(await valueOf(component.containerId), "g-agent-id");
  });

  it("follows port overrides into config, healthcheck and outputs", async () => {
    const { component, registrations } = await deploy("g", {
      ...joining,
      globalPorts: { http: 8511, serfLan: 8311 },
    });
    const container = theOne({ registrations }, CONTAINER, "g-agent");
    const config = JSON.parse(upload(container, "/consul/config/agent.json") as string) as {
      ports: Record<string, number>;
    };
    assert.strictEqual(config.ports.http, 8511);
    assert.strictEqual(config.ports.serf_lan, 8311);
    assert.match(
      (container.inputs.healthcheck as { tests: string[] }).tests[1],
      /127\.0\.0\.1:8511\/v1\/status\/leader'/,
    );
    assert.strictEqual(await valueOf(component.joinAddress), "192.168.99.101:8311");
  });

  it("refuses a joining server with nothing to join, before registering anything", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    assert.throws(
      () => new GlobalConsul("g", { nodeName: "node2", hostAddress: "192.168.99.101" }),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes(
          "GlobalConsul(g).joinAddresses: this server neither bootstraps nor has a server to join",
        ),
    );
    assert.deepStrictEqual(registrations, []);
  });

  it("takes identity, address, datacenter and image from other resources' Outputs", async () => {
    const { registrations, component } = await deploy("g", {
      ...joining,
      nodeName: pulumi.output("node2"),
      hostAddress: pulumi.output("192.168.99.101"),
      globalDatacenter: pulumi.output("dc7"),
      consulImage: pulumi.output("registry.local/consul:1.22.7"),
      recursors: [pulumi.output("9.9.9.9")],
    });
    const container = theOne({ registrations }, CONTAINER, "g-agent");
    const config = JSON.parse(upload(container, "/consul/config/agent.json") as string) as Record<
      string,
      unknown
    >;
    assert.strictEqual(config.advertise_addr, "192.168.99.101");
    assert.strictEqual(config.datacenter, "dc7");
    assert.deepStrictEqual(config.recursors, ["9.9.9.9"]);
    assert.strictEqual(container.inputs.name, "consul-dc7-node2");
    assert.strictEqual(
      theOne({ registrations }, "docker:index/remoteImage:RemoteImage", "g-image").inputs.name,
      "registry.local/consul:1.22.7",
    );
    assert.strictEqual(await valueOf(component.joinAddress), "192.168.99.101:8301");
    assert.strictEqual(await valueOf(component.globalDatacenter), "dc7");
  });

  it("checks an Output argument when it resolves, in the same words as a plain one", async () => {
    const bad = { ...joining, hostAddress: "127.0.0.1", globalDatacenter: "DC 1" };
    await installMocks([]);
    let plainMessage = "";
    assert.throws(
      () => new GlobalConsul("g", bad),
      (e: Error) => ((plainMessage = e.message), e instanceof pulumi.ResourceError),
    );
    assert.match(plainMessage, /GlobalConsul\(g\)\.hostAddress: "127\.0\.0\.1" is a loopback/);
    assert.match(plainMessage, /GlobalConsul\(g\)\.globalDatacenter: /);
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const component = new GlobalConsul("g", {
      ...bad,
      hostAddress: pulumi.output(bad.hostAddress),
      globalDatacenter: pulumi.output(bad.globalDatacenter),
    });
    await assert.rejects(
      valueOf(component.joinAddress),
      // The SDK may wrap it in the message of the property it was resolving.
      (e: Error) => e.message.includes(plainMessage),
    );
    assert.deepStrictEqual(
      registrations.filter((r) => r.type === CONTAINER).map((r) => r.name),
      [],
      "no container is declared with an unchecked value",
    );
  });

  it("names every child after the component, so an alias on the component carries them", async () => {
    // Pulumi derives a child's alias from its parent's when the child's name starts with the
    // parent's: new GlobalConsul("new", …, { aliases: [{ name: "old" }] }) keeps the server.
    const run = await deploy("edge-node", joining);
    const children = run.registrations.filter((r) => r.type.startsWith("docker:"));
    assert.ok(children.length >= 3);
    for (const child of children) assert.ok(child.name.startsWith("edge-node-"), child.name);
  });
});
