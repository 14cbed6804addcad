import * as assert from "assert";
import { X509Certificate, createPrivateKey, generateKeyPairSync } from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GlobalConsul } from "../components/global-consul";
import { InternalDc } from "../components/internal-dc";
import { ConsulAclToken } from "../components/consul-acl-token";
import { CA_LIFETIME_DAYS, generatedCertificateAuthority } from "../components/generated-secrets";
import { certificateAuthority, keySeed } from "../core/certificates";
import { caIdentityOf, issueServerTls } from "../core/server-tls";
import { TLS_FILES } from "../core/agent-config";
import { AGENT_TOKEN_ENV, TLS_KEY_ENV } from "../core/agent-start";
import {
  Registration,
  installMocks,
  isSecret,
  mockTokenSecret,
  outputIsSecret,
  reveal,
  theOne,
  valueOf,
} from "./harness";
import { consulSchemaProblems } from "./consul-schema";
import { testGossipKey } from "./secure-args";

const CONTAINER = "docker:index/container:Container";
const CA = certificateAuthority({
  keySeed: keySeed("a".repeat(64), "ca"),
  commonName: "test CA",
  notBefore: new Date("2026-01-01T00:00:00Z"),
  notAfter: new Date("2036-01-01T00:00:00Z"),
});
const NODE2 = { nodeName: "node2", datacenter: "dc1", hostAddress: "192.168.99.101" };

function uploadOf(container: Registration, file: string): string {
  const uploads = container.inputs.uploads as { file: string; content: string }[];
  const found = uploads.find((u) => u.file === file);
  assert.ok(found, `no upload ${file}`);
  return found.content;
}

function envOf(container: Registration, name: string): string | undefined {
  const envs = reveal(container.inputs.envs) as string[];
  return envs.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

describe("server TLS (pure core)", () => {
  it("issues a certificate the CA verifies, for the names Consul checks", () => {
    const files = issueServerTls(CA, NODE2, new Date("2026-11-26T12:00:00Z"));
    const cert = new X509Certificate(files.certificate);
    assert.ok(cert.verify(new X509Certificate(CA.certificatePem).publicKey));
    for (const name of ["server.dc1.consul", "node2.server.dc1.consul", "localhost"]) {
      assert.strictEqual(cert.checkHost(name), name);
    }
    assert.strictEqual(cert.checkHost("server.vm2.consul"), undefined);
    assert.strictEqual(cert.checkIP("192.168.99.101"), "192.168.99.101");
    assert.strictEqual(cert.checkIP("127.0.0.1"), "127.0.0.1");
    assert.ok(cert.checkPrivateKey(createPrivateKey(files.privateKey)));
    assert.strictEqual(files.caCertificate, CA.certificatePem);
  });

  it("gives the same bytes within a renewal window and a new key in the next one", () => {
    const a = issueServerTls(CA, NODE2, new Date("2026-11-26T12:00:00Z"));
    const b = issueServerTls(CA, NODE2, new Date("2026-11-30T12:00:00Z"));
    assert.deepStrictEqual(a, b);
    const next = issueServerTls(CA, NODE2, new Date("2026-12-20T12:00:00Z"));
    assert.notStrictEqual(next.privateKey, a.privateKey);
    assert.notStrictEqual(next.certificate, a.certificate);
    // Still valid when the next window starts: renewal happens before expiry.
    const aValidTo = new Date(new X509Certificate(a.certificate).validTo).getTime();
    const nextFrom = new Date(new X509Certificate(next.certificate).validFrom).getTime();
    assert.ok(aValidTo > nextFrom + 180 * 86400_000);
  });

  it("gives each server its own key", () => {
    const now = new Date("2026-11-26T12:00:00Z");
    const other = issueServerTls(CA, { ...NODE2, nodeName: "node3" }, now);
    assert.notStrictEqual(other.privateKey, issueServerTls(CA, NODE2, now).privateKey);
  });

  it("refuses a CA key that is not the Ed25519 key certificateAuthority makes", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = rsa.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    assert.throws(
      () => caIdentityOf({ certificatePem: CA.certificatePem, privateKeyPem: pem }),
      /not an Ed25519 key/,
    );
    assert.throws(
      () => caIdentityOf({ certificatePem: CA.certificatePem, privateKeyPem: "nonsense" }),
      /not a PEM private key/,
    );
  });
});

describe("server components with TLS and ACLs (mocks)", () => {
  const tls = { caCertificate: CA.certificatePem, caPrivateKey: pulumi.secret(CA.privateKeyPem) };

  async function deployGlobal(): Promise<Registration[]> {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const provider = new docker.Provider("d", { host: "unix:///var/run/docker.sock" });
    const g = new GlobalConsul(
      "g",
      {
        ...NODE2,
        joinAddresses: ["192.168.99.100:8301"],
        gossipKey: testGossipKey(1),
        acl: { agentToken: "55555555-5555-4555-8555-555555555555" },
        tls,
      },
      { providers: [provider] },
    );
    await valueOf(g.containerId);
    return registrations;
  }

  it("uploads the CA and the certificate readable, and passes the key only in secret env", async () => {
    const container = theOne({ registrations: await deployGlobal() }, CONTAINER, "g-agent");
    assert.ok(!isSecret(container.inputs.uploads), "the uploads stay readable in diffs");
    assert.strictEqual(uploadOf(container, TLS_FILES.ca), CA.certificatePem);
    const cert = new X509Certificate(uploadOf(container, TLS_FILES.certificate));
    assert.strictEqual(cert.checkHost("server.dc1.consul"), "server.dc1.consul");
    assert.ok(isSecret(container.inputs.envs));
    const key = envOf(container, TLS_KEY_ENV);
    assert.ok(key && cert.checkPrivateKey(createPrivateKey(key)));
    assert.ok(!JSON.stringify(container.inputs.uploads).includes("PRIVATE KEY"));
    const config = JSON.parse(uploadOf(container, "/consul/config/agent.json")) as Record<
      string,
      unknown
    >;
    assert.deepStrictEqual(consulSchemaProblems(config), []);
    assert.deepStrictEqual(config.addresses, {
      http: "127.0.0.1 172.17.0.1",
      https: "127.0.0.1 192.168.99.101",
      dns: "127.0.0.1 192.168.99.101 172.17.0.1",
    });
  });

  it("gives a joining server only its own agent token, never a management token", async () => {
    const container = theOne({ registrations: await deployGlobal() }, CONTAINER, "g-agent");
    const local = JSON.parse(envOf(container, "CONSUL_LOCAL_CONFIG") ?? "{}") as {
      acl: { tokens: Record<string, string> };
    };
    assert.deepStrictEqual(local.acl.tokens, { agent: "55555555-5555-4555-8555-555555555555" });
    assert.doesNotMatch((container.inputs.command as string[])[0], /acl token create/);
  });

  it("makes and registers its own agent token when given only the management token", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const provider = new docker.Provider("d", { host: "unix:///var/run/docker.sock" });
    const g = new GlobalConsul(
      "boot",
      { ...NODE2, bootstrap: true, acl: { managementToken: "management" }, tls },
      { providers: [provider] },
    );
    await valueOf(g.containerId);
    const container = theOne({ registrations }, CONTAINER, "boot-agent");
    const local = JSON.parse(envOf(container, "CONSUL_LOCAL_CONFIG") ?? "{}") as {
      acl: { tokens: Record<string, string> };
    };
    assert.strictEqual(local.acl.tokens.initial_management, "management");
    assert.match(local.acl.tokens.agent, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    assert.strictEqual(envOf(container, AGENT_TOKEN_ENV), local.acl.tokens.agent);
    assert.match((container.inputs.command as string[])[0], /-node-identity='node2:dc1'/);
    const seed = theOne(
      { registrations },
      "random:index/randomPassword:RandomPassword",
      "boot-agent-token-seed",
    );
    assert.match(seed.options.parent, /GlobalConsul::boot$/);
  });

  it("refuses ACLs with neither an agent token nor the management token, before registering", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    assert.throws(
      () =>
        new GlobalConsul("g", {
          ...NODE2,
          joinAddresses: ["192.168.99.100:8301"],
          gossipKey: testGossipKey(1),
          tls,
          acl: {},
        }),
      /GlobalConsul\(g\)\.acl\.agentToken: is missing/,
    );
    assert.deepStrictEqual(registrations, []);
  });

  it("gives an internal server its agent and replication tokens and its own certificate", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const provider = new docker.Provider("d", { host: "unix:///var/run/docker.sock" });
    const dc = new InternalDc(
      "i",
      {
        nodeName: "node2",
        hostAddress: "192.168.99.101",
        internalDatacenter: "vm2",
        wanJoinAddresses: ["192.168.99.100:8302"],
        gossipKey: testGossipKey(1),
        acl: { agentToken: "agent-token", replicationToken: "replication-token" },
        tls,
      },
      { providers: [provider] },
    );
    assert.strictEqual(await valueOf(dc.apiAddress), "192.168.99.101:18501");
    const container = theOne({ registrations }, CONTAINER, "i-agent");
    const local = JSON.parse(envOf(container, "CONSUL_LOCAL_CONFIG") ?? "{}") as {
      acl: { tokens: Record<string, string> };
    };
    assert.deepStrictEqual(local.acl.tokens, {
      agent: "agent-token",
      replication: "replication-token",
    });
    const cert = new X509Certificate(uploadOf(container, TLS_FILES.certificate));
    assert.strictEqual(cert.checkHost("server.vm2.consul"), "server.vm2.consul");
    assert.strictEqual(
      cert.checkHost("node2-vm2.server.vm2.consul"),
      "node2-vm2.server.vm2.consul",
    );
  });
});

describe("ConsulAclToken (mocks)", () => {
  const api = {
    address: "192.168.99.100:8501",
    datacenter: "dc1",
    token: "management",
    caCertificate: CA.certificatePem,
  };

  it("makes a policy with the rules and a token bound to it; its secret stays a secret", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const token = new ConsulAclToken("reg", {
      api,
      description: "registrator",
      rules: 'service_prefix "" {\n  policy = "write"\n}\n',
      policyName: "registrator-node1-dc1",
    });
    assert.strictEqual(await valueOf(token.secretId), mockTokenSecret("accessor-of-reg-token"));
    assert.strictEqual(await outputIsSecret(token.secretId), true);
    const run = { registrations };
    const policy = theOne(run, "consul:index/aclPolicy:AclPolicy", "reg-policy");
    assert.strictEqual(policy.inputs.name, "registrator-node1-dc1");
    const acl = theOne(run, "consul:index/aclToken:AclToken", "reg-token");
    assert.deepStrictEqual(acl.inputs.policies, ["registrator-node1-dc1"]);
    assert.strictEqual(acl.inputs.local, false);
    const provider = theOne(run, "pulumi:providers:consul", "reg-consul");
    assert.strictEqual(provider.inputs.scheme, "https");
    assert.strictEqual(provider.inputs.caPem, CA.certificatePem);
    assert.ok(isSecret(provider.inputs.token));
  });

  it("makes a node-identity token without a policy", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const token = new ConsulAclToken("agent", {
      api,
      description: "agent",
      nodeIdentity: { nodeName: "node2", datacenter: "dc1" },
    });
    await valueOf(token.secretId);
    assert.strictEqual(
      registrations.filter((r) => r.type === "consul:index/aclPolicy:AclPolicy").length,
      0,
    );
    const acl = theOne({ registrations }, "consul:index/aclToken:AclToken", "agent-token");
    assert.deepStrictEqual(acl.inputs.nodeIdentities, [{ nodeName: "node2", datacenter: "dc1" }]);
  });

  it("refuses rules without a policy name before registering anything", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    assert.throws(
      () => new ConsulAclToken("x", { api, description: "x", rules: 'acl = "read"\n' }),
      /ConsulAclToken\(x\)\.policyName: is missing/,
    );
    assert.deepStrictEqual(registrations, []);
  });
});

describe("generated CA (mocks)", () => {
  it("keeps its creation time in the seed's keepers, ignored on later runs, and its key secret", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const ca = generatedCertificateAuthority("tls-ca-seed");
    const pem = await valueOf(ca.certificatePem);
    assert.strictEqual(await outputIsSecret(ca.certificatePem), false);
    assert.strictEqual(await outputIsSecret(ca.privateKeyPem), true);
    const seed = theOne(
      { registrations },
      "random:index/randomPassword:RandomPassword",
      "tls-ca-seed",
    );
    assert.deepStrictEqual(seed.options.ignoreChanges, ["keepers"]);
    const createdAt = new Date((seed.inputs.keepers as { createdAt: string }).createdAt);
    const cert = new X509Certificate(pem);
    assert.ok(cert.ca);
    assert.strictEqual(new Date(cert.validFrom).getTime(), createdAt.getTime() - 3600_000);
    assert.strictEqual(
      new Date(cert.validTo).getTime(),
      createdAt.getTime() + CA_LIFETIME_DAYS * 86400_000,
    );
    const key = await valueOf(ca.privateKeyPem);
    assert.doesNotThrow(() => caIdentityOf({ certificatePem: pem, privateKeyPem: key }));
  });
});
