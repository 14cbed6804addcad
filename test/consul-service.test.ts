import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ConsulService, ConsulServiceArgs } from "../components/consul-service";
import { GlobalConsul } from "../components/global-consul";
import {
  Registration,
  installMocks,
  isSecret,
  registeredUrns,
  reveal,
  theOne,
  valueOf,
} from "./harness";
import { passedOn } from "./secure-args";

const COMPONENT = "distributed-consul:index:ConsulService";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const CONTAINER = "docker:index/container:Container";
const CONSUL_PROVIDER = "pulumi:providers:consul";
const QUERY = "consul:index/preparedQuery:PreparedQuery";

interface Deployment {
  registrations: Registration[];
  component: ConsulService;
}

const base: ConsulServiceArgs = {
  image: "docker.elastic.co/elasticsearch/elasticsearch:8.15.3",
  containerName: "elasticsearch",
  hostAddress: "192.168.99.100",
  dnsServer: pulumi.output("172.17.0.1"),
  ports: [
    { internal: 9200, name: "elasticsearch", tags: ["http"], check: { kind: "http", path: "/" } },
    { internal: 9300, name: "es-transport", check: { kind: "tcp", interval: "30s" } },
  ],
};

async function deploy(
  name: string,
  args: (agent: GlobalConsul) => ConsulServiceArgs,
): Promise<Deployment> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const provider = new docker.Provider("host-docker", { host: "unix:///var/run/docker.sock" });
  const agent = new GlobalConsul(
    "agent",
    { nodeName: "node1", hostAddress: "192.168.99.100", bootstrap: true },
    { providers: [provider] },
  );
  const component = new ConsulService(name, args(agent), {
    providers: [provider],
    queryDeletedWith: agent,
  });
  await valueOf(component.containerId);
  await valueOf(component.dnsNames);
  return { registrations, component };
}

function withQuery(agent: GlobalConsul): ConsulServiceArgs {
  return {
    ...base,
    preparedQuery: {
      name: "es",
      consulAddress: agent.apiAddress,
      caCertificate: passedOn(agent.caCertificate),
      datacenter: "vm1",
      failover: { nearestN: 2, datacenters: ["dc1"] },
      token: "s3cr3t-token",
    },
  };
}

describe("ConsulService", () => {
  it("pulls the exact image, kept locally, and runs the container from its image id", async () => {
    const run = await deploy("es", () => base);
    const image = theOne(run, IMAGE, "es-image");
    assert.strictEqual(image.inputs.name, "docker.elastic.co/elasticsearch/elasticsearch:8.15.3");
    assert.strictEqual(image.inputs.keepLocally, true);
    const { inputs } = theOne(run, CONTAINER, "es-container");
    assert.strictEqual(
      inputs.image,
      "sha256:mock-docker.elastic.co/elasticsearch/elasticsearch:8.15.3",
    );
    assert.strictEqual(inputs.name, "elasticsearch");
  });

  it("publishes every port N:N on the host address only, with its protocol", async () => {
    const run = await deploy("dns", () => ({
      ...base,
      ports: [
        { internal: 53, name: "dns" },
        { internal: 53, protocol: "udp", name: "dns" },
        { internal: 8080, external: 18080, name: "admin" },
      ],
    }));
    const { inputs } = theOne(run, CONTAINER, "dns-container");
    assert.deepStrictEqual(inputs.ports, [
      { internal: 53, external: 53, protocol: "tcp", ip: "192.168.99.100" },
      { internal: 53, external: 53, protocol: "udp", ip: "192.168.99.100" },
      { internal: 8080, external: 18080, protocol: "tcp", ip: "192.168.99.100" },
    ]);
  });

  it("labels the container with registrator's per-port metadata, exactly", async () => {
    const { inputs } = theOne(await deploy("es", () => base), CONTAINER, "es-container");
    assert.deepStrictEqual(inputs.labels, [
      { label: "SERVICE_9200_CHECK_HTTP", value: "/" },
      { label: "SERVICE_9200_CHECK_INTERVAL", value: "10s" },
      { label: "SERVICE_9200_CHECK_TIMEOUT", value: "5s" },
      { label: "SERVICE_9200_NAME", value: "elasticsearch" },
      { label: "SERVICE_9200_TAGS", value: "http" },
      { label: "SERVICE_9300_CHECK_INTERVAL", value: "30s" },
      { label: "SERVICE_9300_CHECK_TCP", value: "true" },
      { label: "SERVICE_9300_CHECK_TIMEOUT", value: "5s" },
      { label: "SERVICE_9300_NAME", value: "es-transport" },
    ]);
  });

  it("resolves through the given DNS server, an Output, with the given search domains", async () => {
    const run = await deploy("es", () => ({ ...base, dnsSearch: ["service.consul"] }));
    const { inputs } = theOne(run, CONTAINER, "es-container");
    assert.deepStrictEqual(inputs.dns, ["172.17.0.1"]);
    assert.deepStrictEqual(inputs.dnsSearches, ["service.consul"]);
  });

  it("restarts unless stopped by default, and passes envs, command, limits, mounts", async () => {
    const plain = theOne(await deploy("es", () => base), CONTAINER, "es-container").inputs;
    assert.strictEqual(plain.restart, "unless-stopped");
    assert.deepStrictEqual(plain.envs, []);
    assert.ok(!("memory" in plain) && !("memorySwap" in plain));
    assert.ok(!("command" in plain) && !("volumes" in plain));
    const run = await deploy("es", () => ({
      ...base,
      restart: "always",
      envs: ["discovery.type=single-node", pulumi.secret("ELASTIC_PASSWORD=pw")],
      command: ["eswrapper"],
      memoryMb: 2048,
      ulimits: [{ name: "nofile", soft: 65535, hard: 65535 }],
      volumes: [{ volumeName: "es-data", containerPath: "/usr/share/elasticsearch/data" }],
    }));
    const { inputs } = theOne(run, CONTAINER, "es-container");
    assert.strictEqual(inputs.restart, "always");
    assert.ok(isSecret(inputs.envs), "a secret element makes envs secret");
    assert.deepStrictEqual(reveal(inputs.envs), [
      "discovery.type=single-node",
      "ELASTIC_PASSWORD=pw",
    ]);
    assert.deepStrictEqual(inputs.command, ["eswrapper"]);
    assert.strictEqual(inputs.memory, 2048);
    // Without memorySwap, Docker sets swap to twice the limit and the provider reads that back:
    // every later preview would propose an update.
    assert.strictEqual(inputs.memorySwap, 2048);
    assert.deepStrictEqual(inputs.ulimits, [{ name: "nofile", soft: 65535, hard: 65535 }]);
    assert.deepStrictEqual(inputs.volumes, [
      { volumeName: "es-data", containerPath: "/usr/share/elasticsearch/data" },
    ]);
  });

  it("routes image and container to the caller's docker provider, as its children", async () => {
    const run = await deploy("es", () => base);
    for (const [type, name] of [
      [IMAGE, "es-image"],
      [CONTAINER, "es-container"],
    ]) {
      assert.match(String(theOne(run, type, name).provider), /::host-docker::host-docker-id$/);
      const urn = registeredUrns().find((u) => u.endsWith(`::${name}`));
      assert.match(String(urn), /distributed-consul:index:ConsulService\$docker:index\//, name);
    }
    assert.strictEqual(theOne(run, COMPONENT, "es").custom, false);
    assert.deepStrictEqual(theOne(run, COMPONENT, "es").inputs, {});
  });

  it("declares no Consul provider or query without preparedQuery", async () => {
    const run = await deploy("es", () => base);
    assert.deepStrictEqual(
      run.registrations.filter((r) => r.type === CONSUL_PROVIDER || r.type === QUERY),
      [],
    );
    assert.strictEqual(await valueOf(run.component.queryName), undefined);
  });

  it("builds its own Consul provider from the agent address, CA, datacenter and secret token", async () => {
    const run = await deploy("es", withQuery);
    const provider = theOne(run, CONSUL_PROVIDER, "es-consul");
    // The agent (a bootstrap GlobalConsul) made its own CA: HTTPS, verified with it.
    assert.strictEqual(provider.inputs.address, "192.168.99.100:8501");
    assert.strictEqual(provider.inputs.scheme, "https");
    assert.match(String(provider.inputs.caPem), /^-----BEGIN CERTIFICATE-----/);
    assert.strictEqual(provider.inputs.datacenter, "vm1");
    assert.ok(isSecret(provider.inputs.token), "the token must be secret");
    assert.strictEqual(reveal(provider.inputs.token), "s3cr3t-token");
    const urn = registeredUrns().find((u) => u.endsWith("::es-consul"));
    assert.match(String(urn), /distributed-consul:index:ConsulService\$pulumi:providers:consul::/);
    assert.ok(!JSON.stringify(theOne(run, COMPONENT, "es").inputs).includes("s3cr3t"));
  });

  it("declares the prepared query through that provider, passing only, nearest first", async () => {
    const run = await deploy("es", withQuery);
    const query = theOne(run, QUERY, "es-query");
    assert.match(String(query.provider), /::es-consul::es-consul-id$/);
    assert.deepStrictEqual(query.inputs, {
      name: "es",
      service: "elasticsearch",
      onlyPassing: true,
      near: "_agent",
      failover: { nearestN: 2, datacenters: ["dc1"] },
    });
    const urn = registeredUrns().find((u) => u.endsWith("::es-query"));
    assert.match(String(urn), /distributed-consul:index:ConsulService\$consul:index\//);
  });

  it("makes the query wait for the agent's container, through the agent's httpAddress", async () => {
    const run = await deploy("es", withQuery);
    const agentContainer = registeredUrns().find((u) => u.endsWith("::agent-agent"));
    assert.ok(agentContainer, "the agent's container is registered");
    // The query's provider is built from httpAddress, which carries the container.
    const deps = theOne(run, CONSUL_PROVIDER, "es-consul").options.dependencies;
    assert.ok(deps.includes(agentContainer), `es-consul depends on ${deps.join(", ")}`);
    const agentUrn = registeredUrns().find((u) => u.endsWith("GlobalConsul::agent"));
    assert.strictEqual(theOne(run, QUERY, "es-query").options.deletedWith, agentUrn);
    // Only the query: on the component, Pulumi would skip deleting the container as well (seen
    // on the test hosts: a destroy left the service container running).
    assert.strictEqual(theOne(run, COMPONENT, "es").options.deletedWith, "");
    assert.strictEqual(theOne(run, CONTAINER, "es-container").options.deletedWith, "");
    // The container itself needs no agent: registrator, not Pulumi, registers it.
    assert.ok(
      !theOne(run, CONTAINER, "es-container").options.dependencies.includes(agentContainer),
    );
  });

  it("queries a named service of its ports when given one", async () => {
    const run = await deploy("es", (agent) => {
      const args = withQuery(agent);
      const query = args.preparedQuery;
      assert.ok(query);
      return { ...args, preparedQuery: { ...query, service: "es-transport" } };
    });
    const query = theOne(run, QUERY, "es-query");
    assert.strictEqual(query.inputs.service, "es-transport");
  });

  it("exports the container id, service names, query name and DNS names", async () => {
    const { component } = await deploy("es", withQuery);
    assert.strictEqual(await valueOf(component.containerId), "es-container-id");
    assert.deepStrictEqual(await valueOf(component.serviceNames), [
      "elasticsearch",
      "es-transport",
    ]);
    assert.strictEqual(await valueOf(component.queryName), "es");
    assert.deepStrictEqual(await valueOf(component.dnsNames), [
      "elasticsearch.service.consul",
      "es-transport.service.consul",
      "es.query.consul",
    ]);
  });

  it("refuses bad input with every problem named, before registering anything", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    registrations.length = 0;
    assert.throws(
      () =>
        new ConsulService("es", {
          ...base,
          image: "elasticsearch:latest",
          hostAddress: "192.168.99",
          dnsServer: "localhost",
          restart: "sometimes",
          ports: [{ internal: 9200, name: "Elastic" }],
          preparedQuery: {
            name: "es",
            service: "kibana",
            consulAddress: "192.168.99.100:18500",
            datacenter: "VM1",
            failover: { nearestN: 0 },
            token: "s3cr3t-token",
          },
        }),
      (e: Error) => {
        assert.ok(e instanceof pulumi.ResourceError);
        assert.deepStrictEqual(e.message.split("\n"), [
          "distributed-consul found 8 configuration problems:",
          '  - ConsulService(es).image: "elasticsearch:latest" does not name an exact image version; pin a tag other than latest (e.g. hashicorp/consul:1.22.7) or a digest (@sha256:…).',
          '  - ConsulService(es).hostAddress: "192.168.99" is not an IPv4 address; give a dotted quad such as 192.168.99.100.',
          '  - ConsulService(es).dnsServer: "localhost" is not an IPv4 address; give a dotted quad such as 192.168.99.100.',
          '  - ConsulService(es).restart: "sometimes" is not a restart policy; use one of no, on-failure, always, unless-stopped.',
          '  - ConsulService(es).ports[0].name: "Elastic" is not a valid service name; use lowercase letters, digits and inner "-" only, at most 63 characters (it is the DNS label in <name>.service.consul).',
          "  - ConsulService(es).preparedQuery.failover.nearestN: 0 is not a datacenter count; give a whole number of at least 1.",
          '  - ConsulService(es).preparedQuery.datacenter: "VM1" is not a valid datacenter name; use lowercase letters, digits, "-" and "_" only (e.g. dc1, vm1).',
          `  - ConsulService(es).preparedQuery.service: "kibana" is not a service of this container; use one of its ports' names.`,
        ]);
        return true;
      },
    );
    assert.deepStrictEqual(registrations, []);
  });

  it("fails the container when a DNS server given as an Output is not an address", async () => {
    // A resource whose input fails is never registered; the SDK reports the error as an unhandled
    // rejection, which `pulumi preview` prints and fails on.
    const registrations: Registration[] = [];
    await installMocks(registrations);
    let onRejection: (reason: unknown) => void = () => undefined;
    const rejected = new Promise<unknown>((resolve) => (onRejection = resolve));
    process.on("unhandledRejection", onRejection);
    try {
      const component = new ConsulService("es", { ...base, dnsServer: pulumi.output("consul") });
      await valueOf(component.urn);
      assert.match(
        String(await rejected),
        /ConsulService\(es\)\.dnsServer: "consul" is not an IPv4 address/,
      );
    } finally {
      process.off("unhandledRejection", onRejection);
    }
    assert.deepStrictEqual(
      registrations.filter((r) => r.type === CONTAINER),
      [],
    );
  });

  it("publishes on a host address that arrives as an Output, checked when it resolves", async () => {
    const run = await deploy("es", () => ({
      ...base,
      hostAddress: pulumi.output("192.168.99.101"),
      image: pulumi.output(base.image),
    }));
    const ports = theOne(run, CONTAINER, "es-container").inputs.ports as { ip: string }[];
    assert.deepStrictEqual(
      ports.map((p) => p.ip),
      ["192.168.99.101", "192.168.99.101"],
    );

    await installMocks([]);
    let plainMessage = "";
    assert.throws(
      () => new ConsulService("es", { ...base, hostAddress: "192.168.99" }),
      (e: Error) => ((plainMessage = e.message), e instanceof pulumi.ResourceError),
    );
    assert.match(plainMessage, /ConsulService\(es\)\.hostAddress: "192\.168\.99" is not an IPv4/);
    const component = new ConsulService("es", {
      ...base,
      hostAddress: pulumi.output("192.168.99"),
    });
    await assert.rejects(valueOf(component.containerId), (e: Error) =>
      e.message.includes(plainMessage),
    );
  });
});
