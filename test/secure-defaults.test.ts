// Secure by default (issue 17): each building block, given only its required arguments, is
// either secure (ACL default deny, TLS verified both ways, gossip encrypted, tokens for API
// clients) or refuses to start, naming what is missing and the fix; turning a protection off is
// an explicit argument that warns at every run.
import * as assert from "assert";
import { X509Certificate } from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GlobalConsul, GlobalConsulArgs } from "../components/global-consul";
import { InternalDc, InternalDcArgs } from "../components/internal-dc";
import { Registrator, RegistratorArgs } from "../components/registrator";
import { ConsulService, ConsulServiceArgs } from "../components/consul-service";
import { clientTokenCheck, serverSecurity } from "../core/secure-defaults";
import { describeProblem } from "../core/problems";
import { aclTokenFromSeed, gossipKeyFromSeed } from "../core/shared-secrets";
import { TLS_FILES } from "../core/agent-config";
import { DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import {
  Registration,
  collectingWarnings,
  installMocks,
  isSecret,
  mockSeed,
  outputIsSecret,
  reveal,
  theOne,
  valueOf,
} from "./harness";
import { consulSchemaProblems } from "./consul-schema";
import { TEST_AGENT_TOKEN, TEST_CA, testGossipKey, testTls } from "./secure-args";

const CONTAINER = "docker:index/container:Container";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const CONSUL_PROVIDER = "pulumi:providers:consul";

/** What a component run gave: its registrations, the component, and what it warned. */
interface Run<C> {
  readonly registrations: Registration[];
  readonly component: C;
  readonly warnings: string[];
}

/** Declares a component under mocks with a docker provider and waits for `settled`. */
async function run<C>(
  make: (opts: pulumi.ComponentResourceOptions) => C,
  settled: (component: C) => pulumi.Input<unknown>,
): Promise<Run<C>> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const { result: component, warnings } = await collectingWarnings(async () => {
    const provider = new docker.Provider("host-docker", { host: "unix:///var/run/docker.sock" });
    const created = make({ providers: [provider] });
    await valueOf(settled(created));
    return created;
  });
  return { registrations, component, warnings };
}

/** The message of the ResourceError `make` throws, and what was registered meanwhile. */
async function refusal(make: () => unknown): Promise<{ message: string; registered: string[] }> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  let message = "";
  assert.throws(make, (e: Error) => {
    message = e.message;
    return e instanceof pulumi.ResourceError;
  });
  return { message, registered: registrations.map((r) => `${r.type} ${r.name}`) };
}

/** A server agent as declared: its readable config and its secret part. */
interface Agent {
  readonly config: Record<string, unknown>;
  readonly local: { encrypt?: string; acl?: { tokens: Record<string, string> } };
  readonly container: Registration;
}

function agentOf(registrations: Registration[], name: string): Agent {
  const container = theOne({ registrations }, CONTAINER, name);
  const uploads = container.inputs.uploads as { file: string; content: string }[];
  const config = JSON.parse(uploads[0].content) as Record<string, unknown>;
  assert.ok(isSecret(container.inputs.envs), "the secret part travels in secret envs");
  const envs = reveal(container.inputs.envs) as string[];
  const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "=";
  return {
    config,
    local: JSON.parse(local.slice(local.indexOf("=") + 1)) as Agent["local"],
    container,
  };
}

/** Which of the three protections an agent has, read from what is declared. */
function protectionsOf(agent: Agent): { acl: boolean; tls: boolean; gossip: boolean } {
  const acl = agent.config.acl as { enabled?: boolean; default_policy?: string } | undefined;
  const tls = agent.config.tls as
    | {
        defaults?: { verify_incoming?: boolean; verify_outgoing?: boolean };
        internal_rpc?: { verify_server_hostname?: boolean };
      }
    | undefined;
  return {
    acl: acl?.enabled === true && acl.default_policy === "deny",
    tls:
      tls?.defaults?.verify_incoming === true &&
      tls.defaults.verify_outgoing === true &&
      tls.internal_rpc?.verify_server_hostname === true,
    gossip:
      typeof agent.local.encrypt === "string" &&
      Buffer.from(agent.local.encrypt, "base64").length === 32,
  };
}

const SECURE = { acl: true, tls: true, gossip: true };

/** The warnings that name `key` (as `pulumi.log.warn` prints them without an engine). */
function warningsAbout(warnings: string[], key: string): string[] {
  return warnings.filter((w) => w.includes(`${key}: is false: `));
}

describe("secure defaults (pure core)", () => {
  const on = { enabled: true, given: false };

  it("has a bootstrap server make what it is not given, and every other server need it", () => {
    const boot = serverSecurity({
      component: "S(s)",
      role: "bootstrap",
      acl: on,
      tls: on,
      gossip: on,
    });
    assert.deepStrictEqual(
      [boot.acl, boot.tls, boot.gossip],
      ["generated", "generated", "generated"],
    );
    assert.deepStrictEqual([...boot.errors, ...boot.optOuts], []);
    for (const role of ["joining", "bootstrapExpect", "internal"] as const) {
      const s = serverSecurity({ component: "S(s)", role, acl: on, tls: on, gossip: on });
      assert.deepStrictEqual([s.acl, s.tls, s.gossip], ["missing", "missing", "missing"], role);
      assert.deepStrictEqual(
        s.errors.map((p) => p.key),
        ["S(s).acl", "S(s).tls", "S(s).gossipKey"],
      );
      const [acl, tls, gossip] = s.errors.map(describeProblem);
      assert.match(acl, /is missing; .*, or set aclEnabled: false to run without ACLs\.$/);
      assert.match(tls, /is missing; .*, or set tlsEnabled: false to run without TLS\.$/);
      assert.match(gossip, /is missing; .*, or set gossipEncryption: false to run unencrypted\.$/);
    }
    const given = { enabled: true, given: true };
    const joining = serverSecurity({
      component: "S(s)",
      role: "joining",
      acl: given,
      tls: given,
      gossip: given,
    });
    assert.deepStrictEqual([joining.acl, joining.tls, joining.gossip], ["given", "given", "given"]);
    assert.deepStrictEqual([...joining.errors, ...joining.optOuts], []);
  });

  it("turns a protection off only by its flag, with a warning, and refuses a value beside it", () => {
    const off = { enabled: false, given: false };
    const s = serverSecurity({
      component: "S(s)",
      role: "joining",
      acl: off,
      tls: off,
      gossip: off,
    });
    assert.deepStrictEqual([s.acl, s.tls, s.gossip], ["off", "off", "off"]);
    assert.deepStrictEqual(s.errors, []);
    assert.deepStrictEqual(
      s.optOuts.map((p) => [p.severity, p.key]),
      [
        ["warning", "S(s).aclEnabled"],
        ["warning", "S(s).tlsEnabled"],
        ["warning", "S(s).gossipEncryption"],
      ],
    );
    // A joining server is told to give the value; a bootstrap server that it makes it again.
    assert.match(s.optOuts[0].message, /Remove the argument and give acl to turn them back on\.$/);
    const boot = serverSecurity({
      component: "S(s)",
      role: "bootstrap",
      acl: off,
      tls: off,
      gossip: off,
    });
    assert.match(boot.optOuts[1].message, /this server then makes its own CA\)\.$/);

    const contradicting = { enabled: false, given: true };
    const bad = serverSecurity({
      component: "S(s)",
      role: "bootstrap",
      acl: contradicting,
      tls: on,
      gossip: contradicting,
    });
    assert.deepStrictEqual(
      bad.errors.map((p) => p.key),
      ["S(s).acl", "S(s).gossipKey"],
    );
    assert.match(bad.errors[1].message, /S\(s\)\.gossipEncryption is false/);
    assert.deepStrictEqual(bad.optOuts, []);
  });

  it("makes an API client give a token unless its ACL flag is false, which warns", () => {
    const check = (enabled: boolean, token: "absent" | "empty" | "present") =>
      clientTokenCheck({ client: "registrator", at: "R(r)", enabled, token });
    assert.deepStrictEqual(check(true, "present"), { errors: [], optOuts: [] });
    assert.deepStrictEqual(check(true, "absent").optOuts, []);
    assert.match(
      describeProblem(check(true, "absent").errors[0]),
      /^R\(r\)\.aclToken: is missing; .*service:write.*aclEnabled: false/,
    );
    assert.match(describeProblem(check(true, "empty").errors[0]), /^R\(r\)\.aclToken: is empty; /);
    const off = check(false, "absent");
    assert.deepStrictEqual(off.errors, []);
    assert.deepStrictEqual(
      off.optOuts.map((p) => [p.severity, p.key]),
      [["warning", "R(r).aclEnabled"]],
    );
    assert.match(
      describeProblem(check(false, "present").errors[0]),
      /^R\(r\)\.aclToken: is given, but R\(r\)\.aclEnabled is false/,
    );
    const query = clientTokenCheck({
      client: "preparedQuery",
      at: "C(c).preparedQuery",
      enabled: true,
      token: "absent",
    });
    assert.match(
      describeProblem(query.errors[0]),
      /^C\(c\)\.preparedQuery\.token: is missing; .*query:write/,
    );
  });
});

describe("secure defaults of GlobalConsul (mocks)", () => {
  const node1 = { nodeName: "node1", hostAddress: "192.168.99.100", bootstrap: true };
  const deployGlobal = (args: GlobalConsulArgs) =>
    run(
      (opts) => new GlobalConsul("g", args, opts),
      (g) => g.containerId,
    );

  it("bootstrapping with only its required arguments: ACL deny, TLS verified, gossip encrypted", async () => {
    const { registrations, component, warnings } = await deployGlobal(node1);
    assert.deepStrictEqual(warnings, []);
    const agent = agentOf(registrations, "g-agent");
    assert.deepStrictEqual(protectionsOf(agent), SECURE);
    assert.deepStrictEqual(consulSchemaProblems(agent.config), []);
    // Made by the component, from seeds that are its children, and handed to the agent.
    for (const seed of ["g-gossip-key-seed", "g-management-token-seed", "g-tls-ca-seed"]) {
      assert.match(
        theOne({ registrations }, RANDOM_PASSWORD, seed).options.parent,
        /::distributed-consul:index:GlobalConsul::g$/,
        seed,
      );
    }
    assert.strictEqual(agent.local.encrypt, gossipKeyFromSeed(mockSeed("g-gossip-key-seed")));
    const management = aclTokenFromSeed(mockSeed("g-management-token-seed"));
    assert.strictEqual(agent.local.acl?.tokens.initial_management, management);
    const uploads = agent.container.inputs.uploads as { file: string; content: string }[];
    const ca = uploads.find((u) => u.file === TLS_FILES.ca)?.content ?? "";
    assert.ok(new X509Certificate(ca).ca, "the uploaded CA is a CA");
    assert.strictEqual(await valueOf(component.apiAddress), "192.168.99.100:8501");
    // Nothing secret in the readable part of the container.
    for (const secret of [agent.local.encrypt, management, "PRIVATE KEY"]) {
      assert.ok(!JSON.stringify(uploads).includes(secret), "a secret in the uploads");
    }
  });

  it("offers what it made to the servers that join, as secret outputs", async () => {
    const { registrations, component } = await deployGlobal(node1);
    const agent = agentOf(registrations, "g-agent");
    assert.strictEqual(await outputIsSecret(component.gossipKey), true);
    assert.strictEqual(await valueOf(component.gossipKey), agent.local.encrypt);
    assert.strictEqual(await outputIsSecret(component.managementToken), true);
    assert.strictEqual(
      await valueOf(component.managementToken),
      agent.local.acl?.tokens.initial_management,
    );
    assert.strictEqual(await outputIsSecret(component.caPrivateKey), true);
    assert.match(String(await valueOf(component.caPrivateKey)), /^-----BEGIN PRIVATE KEY-----/);
    const uploads = agent.container.inputs.uploads as { file: string; content: string }[];
    assert.strictEqual(
      await valueOf(component.caCertificate),
      uploads.find((u) => u.file === TLS_FILES.ca)?.content,
    );
  });

  it("joining with only its required arguments: refused, naming each missing secret and the fix", async () => {
    const { message, registered } = await refusal(
      () =>
        new GlobalConsul("g", {
          nodeName: "node2",
          hostAddress: "192.168.99.101",
          joinAddresses: ["192.168.99.100:8301"],
        }),
    );
    assert.deepStrictEqual(registered, []);
    assert.match(
      message,
      /GlobalConsul\(g\)\.gossipKey: is missing; .*the bootstrap server's gossipKey output.*set gossipEncryption: false/,
    );
    assert.match(
      message,
      /GlobalConsul\(g\)\.acl: is missing; .*acl\.agentToken.*set aclEnabled: false/,
    );
    assert.match(
      message,
      /GlobalConsul\(g\)\.tls: is missing; .*caCertificate and caPrivateKey outputs.*set tlsEnabled: false/,
    );
  });

  it("with bootstrapExpect: refused likewise, since every server must share the secrets", async () => {
    const { message, registered } = await refusal(
      () =>
        new GlobalConsul("g", {
          nodeName: "node2",
          hostAddress: "192.168.99.101",
          bootstrapExpect: 3,
          joinAddresses: ["192.168.99.100:8301", "192.168.99.102:8301"],
        }),
    );
    assert.deepStrictEqual(registered, []);
    for (const [key, fix] of [
      ["gossipKey", "gossipEncryption: false"],
      ["acl", "aclEnabled: false"],
      ["tls", "tlsEnabled: false"],
    ]) {
      assert.match(
        message,
        new RegExp(
          `GlobalConsul\\(g\\)\\.${key}: is missing; every server of a bootstrapExpect cluster .*${fix}`,
        ),
      );
    }
  });

  it("joining given the cluster's secrets: ACL deny, TLS verified, gossip encrypted; holds no management token", async () => {
    const { registrations, component, warnings } = await deployGlobal({
      nodeName: "node2",
      hostAddress: "192.168.99.101",
      joinAddresses: ["192.168.99.100:8301"],
      gossipKey: testGossipKey(7),
      acl: { agentToken: TEST_AGENT_TOKEN },
      tls: testTls(),
    });
    assert.deepStrictEqual(warnings, []);
    const agent = agentOf(registrations, "g-agent");
    assert.deepStrictEqual(protectionsOf(agent), SECURE);
    assert.strictEqual(agent.local.encrypt, testGossipKey(7));
    assert.deepStrictEqual(
      registrations.filter((r) => r.type === RANDOM_PASSWORD),
      [],
      "nothing made",
    );
    assert.strictEqual(await valueOf(component.managementToken), undefined);
    assert.strictEqual(await outputIsSecret(component.gossipKey), true);
    assert.strictEqual(await valueOf(component.gossipKey), testGossipKey(7));
    assert.strictEqual(await valueOf(component.caPrivateKey), TEST_CA.privateKeyPem);
  });

  const optOuts = [
    {
      flag: "aclEnabled",
      lacks: "acl",
      seed: "g-management-token-seed",
      output: (g: GlobalConsul) => g.managementToken,
    },
    {
      flag: "tlsEnabled",
      lacks: "tls",
      seed: "g-tls-ca-seed",
      output: (g: GlobalConsul) => g.caPrivateKey,
    },
    {
      flag: "gossipEncryption",
      lacks: "gossip",
      seed: "g-gossip-key-seed",
      output: (g: GlobalConsul) => g.gossipKey,
    },
  ] as const;
  for (const { flag, lacks, seed, output } of optOuts) {
    it(`${flag}: false warns, naming GlobalConsul(g).${flag}, and the agent then lacks only that`, async () => {
      const { registrations, component, warnings } = await deployGlobal({
        ...node1,
        [flag]: false,
      });
      assert.strictEqual(
        warningsAbout(warnings, `GlobalConsul(g).${flag}`).length,
        1,
        warnings.join("\n"),
      );
      assert.strictEqual(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], /Remove the argument to turn .* back on/);
      assert.deepStrictEqual(protectionsOf(agentOf(registrations, "g-agent")), {
        ...SECURE,
        [lacks]: false,
      });
      assert.ok(!registrations.some((r) => r.name === seed), `${seed} is not made`);
      assert.strictEqual(await valueOf(output(component)), undefined);
    });
  }

  it("without TLS: no HTTPS, and plain HTTP on the host address as the only way in", async () => {
    const { registrations, component } = await deployGlobal({ ...node1, tlsEnabled: false });
    const { config } = agentOf(registrations, "g-agent");
    assert.strictEqual((config.ports as { https: number }).https, -1);
    assert.strictEqual(
      (config.addresses as { http: string }).http,
      "127.0.0.1 192.168.99.100 172.17.0.1",
    );
    assert.strictEqual(
      await valueOf(component.apiAddress),
      `192.168.99.100:${DEFAULT_GLOBAL_PORTS.http}`,
    );
    assert.strictEqual(await valueOf(component.caCertificate), undefined);
  });

  it("refuses a value given beside its flag set to false, naming both", async () => {
    const { message, registered } = await refusal(
      () =>
        new GlobalConsul("g", {
          ...node1,
          gossipKey: testGossipKey(1),
          gossipEncryption: false,
          acl: { managementToken: "m" },
          aclEnabled: false,
          tls: testTls(),
          tlsEnabled: false,
        }),
    );
    assert.deepStrictEqual(registered, []);
    for (const [value, flag] of [
      ["gossipKey", "gossipEncryption"],
      ["acl", "aclEnabled"],
      ["tls", "tlsEnabled"],
    ]) {
      assert.ok(
        message.includes(
          `GlobalConsul(g).${value}: is given, but GlobalConsul(g).${flag} is false`,
        ),
        message,
      );
    }
  });

  it("fails when a given gossip key turns out empty, rather than run unencrypted", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const g = new GlobalConsul("g", { ...node1, gossipKey: pulumi.output("") });
    await assert.rejects(valueOf(g.gossipKey), /GlobalConsul\(g\)\.gossipKey: is empty; /);
    assert.deepStrictEqual(
      registrations.filter((r) => r.type === CONTAINER),
      [],
      "no agent without its key",
    );
  });
});

describe("secure defaults of InternalDc (mocks)", () => {
  const required = {
    nodeName: "node2",
    hostAddress: "192.168.99.101",
    internalDatacenter: "vm2",
    wanJoinAddresses: ["192.168.99.100:8302"],
  };
  const secrets = {
    gossipKey: testGossipKey(5),
    acl: { agentToken: "agent-token", replicationToken: "replication-token" },
    tls: testTls(),
  };
  const deployInternal = (args: InternalDcArgs) =>
    run(
      (opts) => new InternalDc("i", args, opts),
      (i) => i.containerId,
    );

  it("with only its required arguments: refused, naming each secret it needs from the global servers", async () => {
    const { message, registered } = await refusal(() => new InternalDc("i", required));
    assert.deepStrictEqual(registered, []);
    assert.match(
      message,
      /InternalDc\(i\)\.gossipKey: is missing; an internal datacenter needs .*set gossipEncryption: false/,
    );
    assert.match(
      message,
      /InternalDc\(i\)\.acl: is missing; .*replicationToken.*set aclEnabled: false/,
    );
    assert.match(message, /InternalDc\(i\)\.tls: is missing; .*set tlsEnabled: false/);
  });

  it("given them: ACL deny (replicated), TLS verified, gossip encrypted, and no warning", async () => {
    const { registrations, warnings } = await deployInternal({ ...required, ...secrets });
    assert.deepStrictEqual(warnings, []);
    const agent = agentOf(registrations, "i-agent");
    assert.deepStrictEqual(protectionsOf(agent), SECURE);
    assert.strictEqual(
      (agent.config.acl as { enable_token_replication: boolean }).enable_token_replication,
      true,
    );
    assert.strictEqual(agent.local.encrypt, testGossipKey(5));
  });

  it("each flag false warns, naming InternalDc(i).<flag>, and the agent then lacks it", async () => {
    const { registrations, warnings } = await deployInternal({
      ...required,
      aclEnabled: false,
      tlsEnabled: false,
      gossipEncryption: false,
    });
    for (const flag of ["aclEnabled", "tlsEnabled", "gossipEncryption"]) {
      assert.strictEqual(warningsAbout(warnings, `InternalDc(i).${flag}`).length, 1, flag);
      assert.match(
        warningsAbout(warnings, `InternalDc(i).${flag}`)[0],
        /Remove the argument and give /,
      );
    }
    assert.strictEqual(warnings.length, 3);
    assert.deepStrictEqual(protectionsOf(agentOf(registrations, "i-agent")), {
      acl: false,
      tls: false,
      gossip: false,
    });
  });

  it("refuses tls given beside tlsEnabled: false, naming both", async () => {
    const { message } = await refusal(
      () => new InternalDc("i", { ...required, ...secrets, tlsEnabled: false }),
    );
    assert.match(
      message,
      /InternalDc\(i\)\.tls: is given, but InternalDc\(i\)\.tlsEnabled is false/,
    );
  });
});

describe("secure defaults of Registrator (mocks)", () => {
  const required: RegistratorArgs = {
    consulAddress: "127.0.0.1:8500",
    containerName: "registrator-dc1",
  };

  it("with only its required arguments: refused, naming Registrator(r).aclToken and the fix", async () => {
    const { message, registered } = await refusal(() => new Registrator("r", required));
    assert.deepStrictEqual(registered, []);
    assert.match(
      message,
      /Registrator\(r\)\.aclToken: is missing; .*, or set aclEnabled: false for an agent without ACLs\./,
    );
  });

  it("given a token, passes it as a secret CONSUL_HTTP_TOKEN, with no warning", async () => {
    const { registrations, warnings } = await run(
      (opts) => new Registrator("r", { ...required, aclToken: "tok" }, opts),
      (r) => r.containerId,
    );
    assert.deepStrictEqual(warnings, []);
    const { inputs } = theOne({ registrations }, CONTAINER, "r-container");
    assert.ok(isSecret(inputs.envs));
    assert.deepStrictEqual(reveal(inputs.envs), ["CONSUL_HTTP_TOKEN=tok"]);
  });

  it("aclEnabled: false warns, naming Registrator(r).aclEnabled, and runs without a token", async () => {
    const { registrations, warnings } = await run(
      (opts) => new Registrator("r", { ...required, aclEnabled: false }, opts),
      (r) => r.containerId,
    );
    assert.strictEqual(
      warningsAbout(warnings, "Registrator(r).aclEnabled").length,
      1,
      warnings.join("\n"),
    );
    assert.match(warnings[0], /give aclToken to turn ACLs back on/);
    assert.deepStrictEqual(
      reveal(theOne({ registrations }, CONTAINER, "r-container").inputs.envs),
      [],
    );
  });

  it("refuses a token beside aclEnabled: false, naming both", async () => {
    const { message } = await refusal(
      () => new Registrator("r", { ...required, aclToken: "tok", aclEnabled: false }),
    );
    assert.match(
      message,
      /Registrator\(r\)\.aclToken: is given, but Registrator\(r\)\.aclEnabled is false/,
    );
  });

  it("fails the container when a token given as an Output turns out empty", async () => {
    // A resource whose input fails is never registered; the SDK reports the error as an unhandled
    // rejection, which `pulumi preview` prints and fails on.
    const registrations: Registration[] = [];
    await installMocks(registrations);
    let onRejection: (reason: unknown) => void = () => undefined;
    const rejected = new Promise<unknown>((resolve) => (onRejection = resolve));
    process.on("unhandledRejection", onRejection);
    try {
      const r = new Registrator("r", { ...required, aclToken: pulumi.output("") });
      await valueOf(r.urn);
      assert.match(String(await rejected), /Registrator\(r\)\.aclToken: is empty; /);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
    assert.deepStrictEqual(
      registrations.filter((x) => x.type === CONTAINER),
      [],
    );
  });
});

describe("secure defaults of ConsulService (mocks)", () => {
  const base: ConsulServiceArgs = {
    image: "nginx:1.27.3",
    containerName: "web",
    hostAddress: "192.168.99.100",
    dnsServer: "172.17.0.1",
    ports: [{ internal: 80, name: "web" }],
  };
  const query = {
    name: "web",
    consulAddress: "192.168.99.100:18501",
    caCertificate: TEST_CA.certificatePem,
    datacenter: "vm1",
    failover: { datacenters: ["dc1"] },
  };

  it("needs no token without a prepared query (its container does not call Consul)", async () => {
    const { warnings } = await run(
      (opts) => new ConsulService("web", base, opts),
      (s) => s.containerId,
    );
    assert.deepStrictEqual(warnings, []);
  });

  it("refuses a prepared query without its token, naming the key and the fix", async () => {
    const { message, registered } = await refusal(
      () => new ConsulService("web", { ...base, preparedQuery: query }),
    );
    assert.deepStrictEqual(registered, []);
    assert.match(
      message,
      /ConsulService\(web\)\.preparedQuery\.token: is missing; .*query:write.*, or set aclEnabled: false for an agent without ACLs\./,
    );
  });

  it("preparedQuery.aclEnabled: false warns, naming it, and writes the query without a token", async () => {
    const { registrations, warnings } = await run(
      (opts) =>
        new ConsulService("web", { ...base, preparedQuery: { ...query, aclEnabled: false } }, opts),
      (s) => s.queryName,
    );
    assert.strictEqual(
      warningsAbout(warnings, "ConsulService(web).preparedQuery.aclEnabled").length,
      1,
      warnings.join("\n"),
    );
    assert.ok(!("token" in theOne({ registrations }, CONSUL_PROVIDER, "web-consul").inputs));
  });

  it("refuses a token beside preparedQuery.aclEnabled: false, naming both", async () => {
    const { message } = await refusal(
      () =>
        new ConsulService("web", {
          ...base,
          preparedQuery: { ...query, token: "tok", aclEnabled: false },
        }),
    );
    assert.match(
      message,
      /ConsulService\(web\)\.preparedQuery\.token: is given, but ConsulService\(web\)\.preparedQuery\.aclEnabled is false/,
    );
  });
});
