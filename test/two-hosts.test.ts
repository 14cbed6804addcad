// The original two-host topology, both stacks run through index.ts under mocks: the properties
// that make the original WAN flapping impossible.
import * as assert from "assert";
import { ProgramRun, readStackConfig, reveal, runProgram } from "./harness";
import { consulSchemaProblems } from "./consul-schema";
import { inSubnet } from "../core/validators";

const HOSTS = ["192.168.99.100", "192.168.99.101"];
const BOOTSTRAP_STACK = "organization/distributed-consul/node1";

interface Agent {
  host: string;
  config: Record<string, unknown>;
  local: Record<string, unknown>;
}

function agentsOf(run: ProgramRun, host: string): Agent[] {
  return run.registrations
    .filter(
      (r) =>
        r.type === "docker:index/container:Container" &&
        String(r.inputs.name).startsWith("consul-") &&
        // An agent carries its configuration; the scheduled snapshots' sidecar has none.
        r.inputs.uploads !== undefined,
    )
    .map((r) => {
      const uploads = r.inputs.uploads as { content: string }[];
      const envs = reveal(r.inputs.envs) as string[];
      const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "";
      return {
        host,
        config: JSON.parse(uploads[0].content) as Record<string, unknown>,
        local: JSON.parse(local.slice("CONSUL_LOCAL_CONFIG=".length)) as Record<string, unknown>,
      };
    });
}

async function bothStacks(): Promise<Agent[]> {
  const node1 = await runProgram(readStackConfig("node1"), {}, "node1");
  const node2 = await runProgram(
    readStackConfig("node2"),
    { [BOOTSTRAP_STACK]: node1.outputs },
    "node2",
  );
  return [...agentsOf(node1, HOSTS[0]), ...agentsOf(node2, HOSTS[1])];
}

describe("two hosts (node1 + node2 stacks)", () => {
  it("runs a global and an internal server on each host", async () => {
    const agents = await bothStacks();
    assert.deepStrictEqual(
      agents.map((a) => `${a.host} ${String(a.config.datacenter)}`),
      ["192.168.99.100 dc1", "192.168.99.100 vm1", "192.168.99.101 dc1", "192.168.99.101 vm2"],
    );
  });

  it("every WAN member advertises its host's address: never loopback or a Docker bridge", async () => {
    for (const agent of await bothStacks()) {
      const wan = String(agent.config.advertise_addr_wan);
      assert.strictEqual(wan, agent.host);
      assert.ok(HOSTS.includes(wan));
      assert.ok(!inSubnet(wan, "127.0.0.0/8") && !inSubnet(wan, "172.16.0.0/12"), wan);
      assert.strictEqual(agent.config.advertise_addr, agent.host);
    }
  });

  it("no two listeners on one host share a port and protocol", async () => {
    const agents = await bothStacks();
    for (const host of HOSTS) {
      const seen = new Map<string, string>();
      for (const agent of agents.filter((a) => a.host === host)) {
        const ports = agent.config.ports as Record<string, number>;
        for (const [key, port] of Object.entries(ports)) {
          if (port < 0) continue; // disabled listener
          const protocols = ["serf_lan", "serf_wan", "dns"].includes(key)
            ? ["tcp", "udp"]
            : ["tcp"];
          for (const protocol of protocols) {
            const slot = `${port}/${protocol}`;
            assert.ok(
              !seen.has(slot),
              `${host} ${slot}: ${String(agent.config.datacenter)}.${key} and ${seen.get(slot)}`,
            );
            seen.set(slot, `${String(agent.config.datacenter)}.${key}`);
          }
        }
      }
    }
  });

  it("every internal datacenter WAN-joins every global server", async () => {
    const agents = await bothStacks();
    const globalWan = agents
      .filter((a) => a.config.datacenter === "dc1")
      .map((a) => `${a.host}:${(a.config.ports as { serf_wan: number }).serf_wan}`);
    for (const internal of agents.filter((a) => a.config.datacenter !== "dc1")) {
      const joins = internal.config.retry_join_wan as string[];
      const known = internal.host === HOSTS[0] ? [globalWan[0]] : globalWan;
      for (const address of known)
        assert.ok(joins.includes(address), `${internal.host} lacks ${address}`);
    }
  });

  it("node2's global server joins node1's and only node1 bootstraps dc1", async () => {
    const globals = (await bothStacks()).filter((a) => a.config.datacenter === "dc1");
    assert.deepStrictEqual(
      globals.map((g) => g.config.bootstrap),
      [true, undefined],
    );
    assert.deepStrictEqual(globals[1].config.retry_join, ["192.168.99.100:8301"]);
  });

  it("every agent's config passes Consul's key-set check", async () => {
    for (const agent of await bothStacks()) {
      assert.deepStrictEqual(consulSchemaProblems(agent.config), []);
      assert.deepStrictEqual(consulSchemaProblems(agent.local), []);
    }
  });

  it("every agent of every datacenter has the same gossip key", async () => {
    const keys = new Set((await bothStacks()).map((a) => a.local.encrypt));
    assert.strictEqual(keys.size, 1);
    assert.strictEqual(typeof [...keys][0], "string");
  });
});
