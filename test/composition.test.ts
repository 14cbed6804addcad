// The components inside another program: several hosts, each with its own docker provider.
import * as assert from "assert";
import * as docker from "@pulumi/docker";
import { GlobalConsul } from "../components/global-consul";
import { InternalDc } from "../components/internal-dc";
import { checkTopology, describeProblem, errorsOf } from "../components";
import { Registration, installMocks, reveal, valueOf } from "./harness";
import { passedOn } from "./secure-args";

const HOSTS = [
  { nodeName: "node1", ip: "192.168.99.100", dc: "vm1" },
  { nodeName: "node2", ip: "192.168.99.101", dc: "vm2" },
  { nodeName: "node3", ip: "192.168.99.102", dc: "vm3" },
];

describe("composing several hosts in one program", () => {
  it("passes the topology check for three hosts, with no warning", () => {
    const problems = checkTopology({
      complete: true,
      hosts: HOSTS.map((h, i) => ({
        keyOf: (s: string) => `hosts[${i}].${s}`,
        nodeName: h.nodeName,
        hostAddress: h.ip,
        global: {
          datacenter: "dc1",
          bootstrap: i === 0,
          joinAddresses: i === 0 ? [] : ["192.168.99.100:8301"],
        },
        internal: { datacenter: h.dc, wanJoinAddresses: ["192.168.99.100:8302"] },
      })),
    });
    assert.deepStrictEqual(problems.map(describeProblem), []);
    assert.deepStrictEqual(errorsOf(problems), []);
  });

  it("routes each host's containers to that host's docker provider and wires joins by outputs", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const globals: GlobalConsul[] = [];
    for (const [i, h] of HOSTS.entries()) {
      const provider = new docker.Provider(`docker-${h.nodeName}`, {
        host: `ssh://docker@${h.ip}`,
      });
      // The bootstrap server makes the cluster's secrets; the others get them from its outputs
      // (the agent tokens here stand for ones made through its API).
      const boot = globals[0];
      const shared =
        i === 0
          ? {}
          : {
              gossipKey: passedOn(boot.gossipKey),
              tls: {
                caCertificate: passedOn(boot.caCertificate),
                caPrivateKey: passedOn(boot.caPrivateKey),
              },
            };
      const global = new GlobalConsul(
        `global-${h.nodeName}`,
        {
          nodeName: h.nodeName,
          hostAddress: h.ip,
          bootstrap: i === 0,
          joinAddresses: i === 0 ? [] : [boot.joinAddress],
          ...shared,
          acl: i === 0 ? undefined : { agentToken: `agent-token-of-${h.nodeName}` },
        },
        { providers: [provider] },
      );
      globals.push(global);
      const internal = new InternalDc(
        `internal-${h.nodeName}`,
        {
          nodeName: h.nodeName,
          hostAddress: h.ip,
          internalDatacenter: h.dc,
          wanJoinAddresses: globals.map((g) => g.wanAddress),
          gossipKey: passedOn(globals[0].gossipKey),
          tls: {
            caCertificate: passedOn(globals[0].caCertificate),
            caPrivateKey: passedOn(globals[0].caPrivateKey),
          },
          acl: { agentToken: `agent-token-of-${h.dc}`, replicationToken: `replication-${h.dc}` },
        },
        { providers: [provider] },
      );
      await valueOf(internal.containerId);
    }
    const containers = registrations.filter((r) => r.type === "docker:index/container:Container");
    assert.strictEqual(containers.length, 6);
    for (const c of containers) {
      const host = HOSTS.find((h) => c.name.endsWith(`-${h.nodeName}-agent`));
      assert.ok(host, c.name);
      assert.match(
        String(c.provider),
        new RegExp(`::docker-${host.nodeName}::docker-${host.nodeName}-id$`),
      );
      const uploads = c.inputs.uploads as { content: string }[];
      const config = JSON.parse(uploads[0].content) as Record<string, unknown>;
      assert.strictEqual(config.advertise_addr_wan, host.ip);
    }
    assert.deepStrictEqual(await valueOf(globals[2].joinAddresses), ["192.168.99.100:8301"]);
    const node3Internal = containers.find((c) => c.name === "internal-node3-agent");
    const wan = (
      JSON.parse((node3Internal?.inputs.uploads as { content: string }[])[0].content) as {
        retry_join_wan: string[];
      }
    ).retry_join_wan;
    assert.deepStrictEqual(wan, [
      "192.168.99.100:8302",
      "192.168.99.101:8302",
      "192.168.99.102:8302",
    ]);
    // Every agent of every host has the gossip key the bootstrap server made.
    const gossipKey = await valueOf(globals[0].gossipKey);
    assert.ok(gossipKey);
    for (const c of containers) {
      const envs = reveal(c.inputs.envs) as string[];
      const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "=";
      const secrets = JSON.parse(local.slice(local.indexOf("=") + 1)) as { encrypt?: string };
      assert.strictEqual(secrets.encrypt, gossipKey, c.name);
    }
  });
});
