import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Registrator, RegistratorArgs } from "../components/registrator";
import { DEFAULT_REGISTRATOR_IMAGE } from "../core/registrator-args";
import { DEFAULT_REGISTRATOR_OPTIONS } from "../core/defaults";
import {
  Registration,
  collectingWarnings,
  installMocks,
  isSecret,
  reveal,
  theOne,
  valueOf,
} from "./harness";

const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const TOKEN = "2b7e5d3a-6c0f-4a51-9d1e-8f4c2a7b9e10";

async function deploy(
  name: string,
  args: RegistratorArgs,
): Promise<{ registrations: Registration[]; component: Registrator }> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const provider = new docker.Provider("host-docker", { host: "unix:///var/run/docker.sock" });
  const component = new Registrator(name, args, { providers: [provider] });
  await valueOf(component.containerId);
  return { registrations, component };
}

describe("Registrator", () => {
  const basic: RegistratorArgs = {
    // An Output, as when wired to GlobalConsul's httpAddress.
    consulAddress: pulumi.output("192.168.99.100:8500"),
    containerName: "registrator-dc1",
    options: { hostIp: "192.168.99.100" },
    aclToken: TOKEN,
  };
  /** The flags every Registrator gets unless told otherwise: the same as the program's. */
  // The declared defaults (core/defaults.ts), as registrator's flags.
  const o = DEFAULT_REGISTRATOR_OPTIONS;
  const DEFAULT_FLAGS = [
    `-resync=${o.resyncSeconds}`,
    ...(o.cleanup ? ["-cleanup"] : []),
    `-retry-attempts=${o.retryAttempts}`,
    `-retry-interval=${o.retryIntervalMs}`,
  ];

  it("pulls the v7 image by default, kept locally, and runs the container from its id", async () => {
    const run = await deploy("r", basic);
    const image = theOne(run, IMAGE, "r-image");
    assert.strictEqual(image.inputs.name, DEFAULT_REGISTRATOR_IMAGE);
    assert.strictEqual(image.inputs.keepLocally, true);
    const { inputs } = theOne(run, CONTAINER, "r-container");
    assert.strictEqual(inputs.image, "sha256:mock-gliderlabs/registrator:v7");
    assert.strictEqual(inputs.name, "registrator-dc1");
  });

  it("mounts the Docker socket read-only where registrator looks for it", async () => {
    const { inputs } = theOne(await deploy("r", basic), CONTAINER, "r-container");
    assert.deepStrictEqual(inputs.volumes, [
      { hostPath: "/var/run/docker.sock", containerPath: "/tmp/docker.sock", readOnly: true },
    ]);
    const custom = await deploy("r", { ...basic, dockerSocket: "/run/user/1000/docker.sock" });
    assert.deepStrictEqual(theOne(custom, CONTAINER, "r-container").inputs.volumes, [
      { hostPath: "/run/user/1000/docker.sock", containerPath: "/tmp/docker.sock", readOnly: true },
    ]);
  });

  it("runs with host networking, restart unless-stopped, and is ignored as a service", async () => {
    const { inputs } = theOne(await deploy("r", basic), CONTAINER, "r-container");
    assert.strictEqual(inputs.networkMode, "host");
    assert.strictEqual(inputs.restart, "unless-stopped");
    assert.deepStrictEqual(inputs.labels, [{ label: "SERVICE_IGNORE", value: "true" }]);
  });

  it("builds the command from an Output address: options first, the URI last", async () => {
    const run = await deploy("r", basic);
    const expected = ["-ip=192.168.99.100", ...DEFAULT_FLAGS, "consul://192.168.99.100:8500"];
    assert.deepStrictEqual(theOne(run, CONTAINER, "r-container").inputs.command, expected);
    assert.deepStrictEqual(await valueOf(run.component.command), expected);
  });

  it("uses consul-tls:// and -explicit on an image built from master", async () => {
    const run = await deploy("r", {
      ...basic,
      image: "gliderlabs/registrator:master",
      options: { explicit: true, tls: true },
    });
    assert.strictEqual(theOne(run, IMAGE, "r-image").inputs.name, "gliderlabs/registrator:master");
    assert.deepStrictEqual(theOne(run, CONTAINER, "r-container").inputs.command, [
      "-explicit",
      ...DEFAULT_FLAGS,
      "consul-tls://192.168.99.100:8500",
    ]);
  });

  it("takes the same defaults as the program's registrators, each one overridable", async () => {
    const plain = await deploy("r", {
      consulAddress: "127.0.0.1:8500",
      containerName: "reg",
      aclToken: TOKEN,
    });
    assert.deepStrictEqual(theOne(plain, CONTAINER, "r-container").inputs.command, [
      ...DEFAULT_FLAGS,
      "consul://127.0.0.1:8500",
    ]);
    const tuned = await deploy("r", {
      consulAddress: "127.0.0.1:8500",
      containerName: "reg",
      aclToken: TOKEN,
      options: { cleanup: false, resyncSeconds: 0, retryAttempts: 3 },
    });
    assert.deepStrictEqual(theOne(tuned, CONTAINER, "r-container").inputs.command, [
      "-resync=0",
      "-retry-attempts=3",
      `-retry-interval=${DEFAULT_REGISTRATOR_OPTIONS.retryIntervalMs}`,
      "consul://127.0.0.1:8500",
    ]);
  });

  it("passes the ACL token only as CONSUL_HTTP_TOKEN inside secret envs", async () => {
    const run = await deploy("r", { ...basic, aclToken: TOKEN });
    const container = theOne(run, CONTAINER, "r-container");
    assert.ok(isSecret(container.inputs.envs), "envs must be secret even for a plain token");
    assert.deepStrictEqual(reveal(container.inputs.envs), [`CONSUL_HTTP_TOKEN=${TOKEN}`]);
    for (const r of run.registrations) {
      const { envs, ...rest } = r.inputs;
      void envs;
      assert.ok(!JSON.stringify(rest).includes(TOKEN), `${r.type} ${r.name} leaks the token`);
    }
  });

  it("keeps envs secret and empty without a token (aclEnabled: false)", async () => {
    const { aclToken, ...anonymous } = basic;
    void aclToken;
    const { result: run } = await collectingWarnings(() =>
      deploy("r", { ...anonymous, aclEnabled: false }),
    );
    const { inputs } = theOne(run, CONTAINER, "r-container");
    assert.ok(isSecret(inputs.envs));
    assert.deepStrictEqual(reveal(inputs.envs), []);
  });

  it("routes every child to the caller's docker provider and parents it to the component", async () => {
    const run = await deploy("r", basic);
    const children = run.registrations.filter((r) => r.type.startsWith("docker:index/"));
    assert.deepStrictEqual(children.map((c) => c.name).sort(), ["r-container", "r-image"]);
    for (const child of children) {
      assert.match(String(child.provider), /::host-docker::host-docker-id$/, child.name);
    }
    const component = theOne(run, "distributed-consul:index:Registrator", "r");
    assert.strictEqual(component.custom, false);
    assert.deepStrictEqual(component.inputs, {}, "no arguments (nor the token) recorded");
    for (const child of children) {
      assert.match(child.options.parent, /::distributed-consul:index:Registrator::r$/, child.name);
    }
    assert.strictEqual(theOne(run, CONTAINER, "r-container").options.deleteBeforeReplace, true);
  });

  it("exports the container id and the command", async () => {
    const { component } = await deploy("r", { ...basic, consulAddress: "127.0.0.1:8500" });
    assert.strictEqual(await valueOf(component.containerId), "r-container-id");
    assert.deepStrictEqual(await valueOf(component.command), [
      "-ip=192.168.99.100",
      ...DEFAULT_FLAGS,
      "consul://127.0.0.1:8500",
    ]);
  });

  it("refuses bad plain input with every problem, before registering anything", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    assert.throws(
      () =>
        new Registrator("r", {
          consulAddress: "127.0.0.1",
          containerName: "registrator-dc1",
          aclToken: TOKEN,
          options: { hostIp: "192.168.99.100", internal: true, explicit: true, ttlSeconds: 30 },
        }),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes("found 4 configuration problems") &&
        e.message.includes("Registrator(r).consulAddress: ") &&
        e.message.includes("Registrator(r).options.hostIp: hostIp contradicts internal") &&
        e.message.includes("Registrator(r).options.explicit: registrator v7 has no -explicit") &&
        e.message.includes("Registrator(r).options.ttlSeconds: ttlSeconds needs ttlRefreshSeconds"),
    );
    assert.throws(
      () =>
        new Registrator("r", {
          consulAddress: "127.0.0.1:8500",
          containerName: "bad name",
          aclToken: TOKEN,
        }),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes(
          'Registrator(r).containerName: "bad name" is not a container name Docker',
        ),
    );
    assert.deepStrictEqual(registrations, []);
  });

  it("fails with a ResourceError when an Output address turns out malformed", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const component = new Registrator("r", {
      consulAddress: pulumi.output("consul.local"),
      containerName: "registrator-dc1",
      aclToken: TOKEN,
    });
    await assert.rejects(
      valueOf(component.command),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.includes('Registrator(r).consulAddress: "consul.local" is not a Consul HTTP'),
    );
    assert.deepStrictEqual(
      registrations.filter((r) => r.type === CONTAINER),
      [],
      "no container is created with a bad command",
    );
  });

  it("takes its options, image and name as Outputs, checked in the same words when they resolve", async () => {
    const run = await deploy("r", {
      consulAddress: "127.0.0.1:8500",
      aclToken: TOKEN,
      containerName: pulumi.output("registrator-dc1"),
      image: pulumi.output(DEFAULT_REGISTRATOR_IMAGE),
      options: pulumi.output({ hostIp: "192.168.99.100" }),
    });
    const { inputs } = theOne(run, CONTAINER, "r-container");
    assert.strictEqual(inputs.name, "registrator-dc1");
    assert.deepStrictEqual(inputs.command, [
      "-ip=192.168.99.100",
      ...DEFAULT_FLAGS,
      "consul://127.0.0.1:8500",
    ]);

    await installMocks([]);
    const bad = { consulAddress: "127.0.0.1:8500", containerName: "reg", aclToken: TOKEN };
    let plainMessage = "";
    assert.throws(
      () => new Registrator("r", { ...bad, options: { hostIp: "192.168.99" } }),
      (e: Error) => ((plainMessage = e.message), e instanceof pulumi.ResourceError),
    );
    assert.match(plainMessage, /Registrator\(r\)\.options\.hostIp: "192\.168\.99" is not an IPv4/);
    const component = new Registrator("r", {
      ...bad,
      options: pulumi.output({ hostIp: "192.168.99" }),
    });
    await assert.rejects(valueOf(component.command), (e: Error) =>
      e.message.includes(plainMessage),
    );
  });
});
