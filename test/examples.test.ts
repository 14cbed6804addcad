// The examples are programs too: each is type-checked by `npm run build` and run here under mocks
// with its own Pulumi.yaml defaults.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ProgramRun, mockSeed, mockTokenSecret, ofType, reveal, runProgram } from "./harness";
import { aclTokenFromSeed } from "../core/shared-secrets";

const N_HOSTS = path.join(__dirname, "..", "examples", "n-hosts");
const CONTAINER = "docker:index/container:Container";

interface Host {
  nodeName: string;
  hostAddress: string;
  dockerHost: string;
}

/** The example's declared default host list, as the CLI would hand it to the program. */
function defaultHosts(): Host[] {
  const project = yaml.load(fs.readFileSync(path.join(N_HOSTS, "Pulumi.yaml"), "utf8")) as {
    config: { hosts: { default: Host[] } };
  };
  return project.config.hosts.default;
}

function runHosts(hosts: Host[]): Promise<ProgramRun> {
  return runProgram(
    { "consul-n-hosts:hosts": JSON.stringify(hosts) },
    {},
    "example",
    [],
    [],
    path.join(N_HOSTS, "index"),
  );
}

function agentConfig(run: ProgramRun, name: string): Record<string, unknown> {
  const container = run.registrations.find((r) => r.type === CONTAINER && r.name === name);
  assert.ok(container, `no container ${name}`);
  const uploads = container.inputs.uploads as { content: string }[];
  return JSON.parse(uploads[0].content) as Record<string, unknown>;
}

describe("examples/n-hosts: N hosts composed in one program", () => {
  it("by default composes three hosts, each on its own docker provider", async () => {
    const hosts = defaultHosts();
    assert.strictEqual(hosts.length, 3);
    const run = await runHosts(hosts);
    const providers = ofType(run, "pulumi:providers:docker");
    assert.deepStrictEqual(
      providers.map((p) => p.inputs.host),
      hosts.map((h) => h.dockerHost),
    );
    for (const c of ofType(run, CONTAINER)) {
      const host = hosts.find((h) => c.name.startsWith(`${h.nodeName}-`));
      assert.ok(host, c.name);
      assert.match(String(c.provider), new RegExp(`::docker-${host.nodeName}::`), c.name);
    }
    // Each host: its two servers, two registrators and the scheduled snapshots' sidecar (no
    // service unless given).
    assert.strictEqual(ofType(run, CONTAINER).length, 15);
  });

  it("starts every global server with bootstrapExpect N, joining the others; none bootstraps alone", async () => {
    const hosts = defaultHosts();
    const run = await runHosts(hosts);
    for (const h of hosts) {
      const config = agentConfig(run, `${h.nodeName}-global-agent`);
      assert.strictEqual(config.bootstrap_expect, 3, h.nodeName);
      assert.ok(!("bootstrap" in config), h.nodeName);
      assert.deepStrictEqual(
        config.retry_join,
        hosts.filter((o) => o !== h).map((o) => `${o.hostAddress}:8301`),
      );
      assert.strictEqual(config.advertise_addr_wan, h.hostAddress);
    }
  });

  it("WAN-joins every internal datacenter to every global server, its own host's first", async () => {
    const hosts = defaultHosts();
    const run = await runHosts(hosts);
    hosts.forEach((h, i) => {
      const config = agentConfig(run, `${h.nodeName}-internal-agent`);
      assert.strictEqual(config.datacenter, `vm${i + 1}`);
      assert.deepStrictEqual(config.retry_join_wan, [
        `${h.hostAddress}:8302`,
        ...hosts.filter((o) => o !== h).map((o) => `${o.hostAddress}:8302`),
      ]);
    });
  });

  it("is secure like the program: ACL tokens per agent and registrator, DNS read per host, TLS", async () => {
    const hosts = defaultHosts();
    const run = await runHosts(hosts);
    const management = aclTokenFromSeed(mockSeed("cluster-acl-management-token-seed"));
    const tokensOf = (name: string): Record<string, string> => {
      const container = run.registrations.find((r) => r.type === CONTAINER && r.name === name);
      const envs = reveal(container?.inputs.envs) as string[];
      const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "=";
      return (
        JSON.parse(local.slice(local.indexOf("=") + 1)) as {
          acl: { tokens: Record<string, string> };
        }
      ).acl.tokens;
    };
    for (const h of hosts) {
      // Every global server may bootstrap ACLs (bootstrapExpect): each holds the management token.
      assert.deepStrictEqual(tokensOf(`${h.nodeName}-global-agent`), {
        initial_management: management,
        agent: aclTokenFromSeed(mockSeed(`${h.nodeName}-global-agent-token-seed`)),
      });
      assert.deepStrictEqual(tokensOf(`${h.nodeName}-internal-agent`), {
        agent: mockTokenSecret(`accessor-of-${h.nodeName}-internal-agent-token-token`),
        replication: mockTokenSecret(`accessor-of-${h.nodeName}-replication-token-token`),
      });
      const registrator = run.registrations.find(
        (r) => r.type === CONTAINER && r.name === `${h.nodeName}-registrator-global-container`,
      );
      assert.deepStrictEqual(reveal(registrator?.inputs.envs), [
        `CONSUL_HTTP_TOKEN=${mockTokenSecret(`accessor-of-${h.nodeName}-registrator-global-token-token`)}`,
      ]);
    }
    assert.deepStrictEqual(
      ofType(run, "consul:index/aclPolicy:AclPolicy")
        .map((p) => p.inputs.name)
        .filter((n) => String(n).startsWith("dns-read-"))
        .sort(),
      hosts.map((h) => `dns-read-${h.nodeName}`).sort(),
    );
    for (const h of hosts) {
      const config = agentConfig(run, `${h.nodeName}-global-agent`) as {
        tls: { internal_rpc: { verify_server_hostname: boolean } };
        addresses: { http: string };
      };
      assert.strictEqual(config.tls.internal_rpc.verify_server_hostname, true, h.nodeName);
      assert.ok(
        !config.addresses.http.includes(h.hostAddress),
        `${h.nodeName}: plain HTTP on the LAN`,
      );
    }
  });

  it("takes N from the config: five hosts give five servers expecting five", async () => {
    const hosts = [0, 1, 2, 3, 4].map((i) => ({
      nodeName: `edge${i}`,
      hostAddress: `10.0.0.${10 + i}`,
      dockerHost: `tcp://10.0.0.${10 + i}:2376`,
    }));
    const run = await runHosts(hosts);
    assert.strictEqual(ofType(run, "distributed-consul:index:GlobalConsul").length, 5);
    assert.strictEqual(agentConfig(run, "edge4-global-agent").bootstrap_expect, 5);
  });

  it("takes a server count: seven hosts with three servers give four client agents joining them", async () => {
    const hosts = [0, 1, 2, 3, 4, 5, 6].map((i) => ({
      nodeName: `edge${i}`,
      hostAddress: `10.0.0.${10 + i}`,
      dockerHost: `tcp://10.0.0.${10 + i}:2376`,
    }));
    const run = await runProgram(
      { "consul-n-hosts:hosts": JSON.stringify(hosts), "consul-n-hosts:servers": "3" },
      {},
      "example",
      [],
      [],
      path.join(N_HOSTS, "index"),
    );
    const servers = ["10.0.0.10:8301", "10.0.0.11:8301", "10.0.0.12:8301"];
    for (let i = 0; i < 7; i++) {
      const config = agentConfig(run, `edge${i}-global-agent`);
      assert.strictEqual(config.server, i < 3, `edge${i}`);
      assert.strictEqual(config.bootstrap_expect, i < 3 ? 3 : undefined, `edge${i}`);
      const others = servers.filter((a) => a !== `10.0.0.${10 + i}:8301`);
      assert.deepStrictEqual(config.retry_join, others, `edge${i}`);
    }
    // A client's internal datacenter WAN-joins the three servers.
    assert.deepStrictEqual(agentConfig(run, "edge6-internal-agent").retry_join_wan, [
      "10.0.0.10:8302",
      "10.0.0.11:8302",
      "10.0.0.12:8302",
    ]);
    assert.deepStrictEqual(run.warnings, []);
  });

  it("refuses two hosts with one address at preview, naming the config entry", async () => {
    const hosts = defaultHosts();
    hosts[1] = { ...hosts[1], hostAddress: hosts[0].hostAddress };
    await assert.rejects(
      runHosts(hosts),
      /consul-n-hosts:hosts\[1\]\.hostAddress: address "192\.168\.99\.100" is already used by consul-n-hosts:hosts\[0\]\.hostAddress/,
    );
  });
});
