// ConsulHost under mocks: one host in one resource, secure with only its required arguments,
// several hosts composed in one program by passing a host's cluster output on, and the names of
// the previous release kept as aliases so its stacks upgrade in place.
import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ConsulHost, ConsulHostArgs } from "../components/consul-host";
import {
  Registration,
  installMocks,
  isSecret,
  outputIsSecret,
  readStackConfig,
  reveal,
  runProgram,
  theOne,
  valueOf,
} from "./harness";

const CONTAINER = "docker:index/container:Container";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** The agent configuration uploaded to a server container. */
function configOf(container: Registration): Record<string, unknown> {
  const uploads = container.inputs.uploads as { content: string }[];
  return JSON.parse(uploads[0].content) as Record<string, unknown>;
}

/** The secret part of a server's configuration (CONSUL_LOCAL_CONFIG). */
function localConfigOf(container: Registration): Record<string, unknown> {
  const envs = reveal(container.inputs.envs) as string[];
  const local = envs.find((e) => e.startsWith("CONSUL_LOCAL_CONFIG=")) ?? "";
  return JSON.parse(local.slice("CONSUL_LOCAL_CONFIG=".length)) as Record<string, unknown>;
}

/** Runs `declare` under fresh mocks and waits for every registration it started. */
async function declared(
  declare: () => pulumi.Output<unknown>[],
): Promise<{ registrations: Registration[]; warnings: string[] }> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  // Without an engine, pulumi.log.warn prints to console.warn: collect it instead.
  const warnings: string[] = [];
  const consoleWarn = console.warn;
  console.warn = (message: unknown) => warnings.push(String(message));
  try {
    await Promise.all(declare().map((o) => valueOf(o)));
    await pulumi.runtime.disconnect();
  } finally {
    console.warn = consoleWarn;
  }
  return { registrations, warnings };
}

const provider = (node: string) =>
  new docker.Provider(`docker-${node}`, { host: `ssh://docker@${node}` });

describe("ConsulHost (mocks)", () => {
  it("given only its required arguments, locks the host down: ACL deny, TLS verified, gossip encrypted", async () => {
    let host: ConsulHost | undefined;
    const run = await declared(() => {
      host = new ConsulHost(
        "node1",
        {
          nodeName: "node1",
          hostAddress: "192.168.99.100",
          internalDatacenter: "vm1",
          bootstrap: true,
        },
        { providers: [provider("node1")] },
      );
      return [host.globalContainerId, host.internalContainerId, host.globalRegistratorCommand];
    });
    for (const name of ["node1-global-agent", "node1-internal-agent"]) {
      const container = theOne(run, CONTAINER, name);
      const config = configOf(container) as {
        acl?: { enabled: boolean; default_policy: string };
        tls?: { defaults: { verify_incoming: boolean; verify_outgoing: boolean } };
        addresses?: { http: string };
      };
      assert.deepStrictEqual(
        [config.acl?.enabled, config.acl?.default_policy],
        [true, "deny"],
        `${name}: ACLs`,
      );
      assert.deepStrictEqual(
        [config.tls?.defaults.verify_incoming, config.tls?.defaults.verify_outgoing],
        [true, true],
        `${name}: TLS`,
      );
      assert.match(String(localConfigOf(container).encrypt), /^[A-Za-z0-9+/]{43}=$/, name);
      assert.ok(isSecret(container.inputs.envs), `${name}: secrets in secret env`);
    }
    // Both registrators authenticate, each with a token of its own.
    const tokens = ["node1-registrator-global-container", "node1-registrator-internal-container"]
      .map((name) => reveal(theOne(run, CONTAINER, name).inputs.envs) as string[])
      .map((envs) => envs.find((e) => e.startsWith("CONSUL_HTTP_TOKEN=")));
    assert.ok(tokens.every((t) => t !== undefined) && tokens[0] !== tokens[1], String(tokens));
    assert.ok(host);
    for (const output of [host.gossipKey, host.aclManagementToken, host.tlsCaKey, host.cluster]) {
      assert.strictEqual(await outputIsSecret(output), true);
    }
    assert.strictEqual(await outputIsSecret(host.tlsCaCertificate), false);
    assert.deepStrictEqual(run.warnings, []);
  });

  it("a second host joins with the first one's cluster output alone, in the same program", async () => {
    let hosts: ConsulHost[] = [];
    const run = await declared(() => {
      const node1 = new ConsulHost(
        "node1",
        {
          nodeName: "node1",
          hostAddress: "192.168.99.100",
          internalDatacenter: "vm1",
          bootstrap: true,
        },
        { providers: [provider("node1")] },
      );
      const node2 = new ConsulHost(
        "node2",
        {
          nodeName: "node2",
          hostAddress: "192.168.99.101",
          internalDatacenter: "vm2",
          cluster: node1.cluster,
        },
        { providers: [provider("node2")] },
      );
      hosts = [node1, node2];
      return hosts.flatMap((h) => [h.globalContainerId, h.internalContainerId, h.cluster]);
    });
    const node1Global = theOne(run, CONTAINER, "node1-global-agent");
    const node2Global = theOne(run, CONTAINER, "node2-global-agent");
    const node2Internal = theOne(run, CONTAINER, "node2-internal-agent");
    assert.deepStrictEqual(configOf(node2Global).retry_join, ["192.168.99.100:8301"]);
    assert.strictEqual(configOf(node2Global).bootstrap, undefined);
    assert.deepStrictEqual(configOf(node2Internal).retry_join_wan, [
      "192.168.99.101:8302",
      "192.168.99.100:8302",
    ]);
    // One gossip key for the cluster; node2 makes no secret of its own.
    assert.strictEqual(localConfigOf(node2Global).encrypt, localConfigOf(node1Global).encrypt);
    assert.ok(
      run.registrations
        .filter((r) => r.type === RANDOM_PASSWORD)
        .every((r) => r.name.startsWith("node1-")),
    );
    // node2's own agent token is made through node1's API, before node2's server exists.
    const api = theOne(run, "pulumi:providers:consul", "node2-global-agent-token-consul");
    assert.strictEqual(api.inputs.address, "192.168.99.100:8501");
    // The cluster's secrecy does not hide node2's configuration from `preview --diff`.
    assert.strictEqual(isSecret(node2Global.inputs.uploads), false);
    // Containers go to their own host's engine.
    for (const c of run.registrations.filter((r) => r.type === CONTAINER)) {
      const node = c.name.split("-")[0];
      assert.match(String(c.provider), new RegExp(`::docker-${node}::`), c.name);
    }
    // node2's cluster output lists both servers for a third host.
    const cluster = await valueOf(hosts[1].cluster);
    assert.deepStrictEqual(cluster.joinAddresses, ["192.168.99.100:8301", "192.168.99.101:8301"]);
  });

  it("a host that neither bootstraps nor joins fails before registering, naming cluster", () => {
    assert.throws(
      () =>
        new ConsulHost("lone", {
          nodeName: "node2",
          hostAddress: "192.168.99.101",
          internalDatacenter: "vm2",
        }),
      /ConsulHost\(lone\)\.cluster: is missing; .*bootstrap: true/,
    );
  });

  it("refuses bad plain arguments before registering anything, each named as its argument", () => {
    const problem = (args: Partial<ConsulHostArgs>): string => {
      try {
        new ConsulHost("node1", {
          nodeName: "node1",
          hostAddress: "192.168.99.100",
          internalDatacenter: "vm1",
          bootstrap: true,
          ...args,
        });
      } catch (e) {
        return String(e);
      }
      return "no error";
    };
    assert.match(problem({ hostAddress: "192.168.99.300" }), /ConsulHost\(node1\)\.hostAddress: /);
    // A clash only the host sees: the service's port against its own global server's HTTP port.
    assert.match(
      problem({ service: { image: "web:1.0", ports: [{ internal: 8500, name: "web" }] } }),
      /ConsulHost\(node1\)\.service\.ports\[0\].*8500/,
    );
    assert.match(
      problem({ globalPorts: { dns: 53 } }),
      /ConsulHost\(node1\)\.(global|internal)Ports\.dns/,
    );
  });

  it("a cluster that lacks what the host needs fails naming the field", async () => {
    await installMocks([]);
    const host = new ConsulHost("node2", {
      nodeName: "node2",
      hostAddress: "192.168.99.101",
      internalDatacenter: "vm2",
      cluster: { joinAddresses: ["192.168.99.100:8301"] },
    });
    await assert.rejects(
      valueOf(host.gossipKey),
      /ConsulHost\(node2\)\.cluster\.gossipKey: is missing/,
    );
  });

  it("with aclEnabled false, makes no token, and every child without ACLs warns, naming itself", async () => {
    const run = await declared(() => {
      const host = new ConsulHost("node1", {
        nodeName: "node1",
        hostAddress: "192.168.99.100",
        internalDatacenter: "vm1",
        bootstrap: true,
        aclEnabled: false,
      });
      return [host.globalContainerId, host.internalContainerId];
    });
    assert.strictEqual(
      run.registrations.filter((r) => r.type === "consul:index/aclToken:AclToken").length,
      0,
    );
    assert.strictEqual(configOf(theOne(run, CONTAINER, "node1-global-agent")).acl, undefined);
    for (const child of [
      "GlobalConsul(node1-global)",
      "InternalDc(node1-internal)",
      "Registrator(node1-registrator-global)",
      "Registrator(node1-registrator-internal)",
    ]) {
      assert.ok(
        run.warnings.some((w) => w.includes(`${child}.aclEnabled`) && w.includes("is false")),
        `${child}: ${run.warnings.join("\n")}`,
      );
    }
  });

  it("answers to every name the previous release's program gave at its root, so its stacks upgrade in place", async () => {
    // What index.ts at 1e5d316 declared at the stack's root, besides the docker provider and the
    // bootstrap stack's reference (which stay there).
    const previous = {
      node1: [
        "gossip-key-seed",
        "acl-management-token-seed",
        "tls-ca-seed",
        "global-agent-token-seed",
        "global",
        "internal-agent-token",
        "replication-token",
        "registrator-global-token",
        "registrator-internal-token",
        "query-token",
        "internal",
        "anonymous-dns",
        "registrator-global",
        "registrator-internal",
        "elasticsearch",
      ],
      node2: [
        "global-agent-token",
        "global",
        "internal-agent-token",
        "replication-token",
        "registrator-global-token",
        "registrator-internal-token",
        "query-token",
        "internal",
        "anonymous-dns",
        "registrator-global",
        "registrator-internal",
        "elasticsearch",
      ],
    };
    const node1 = await runProgram(readStackConfig("node1"), {}, "node1");
    const node2 = await runProgram(
      readStackConfig("node2"),
      { "organization/distributed-consul/node1": node1.outputs },
      "node2",
    );
    for (const [stack, run] of [
      ["node1", node1],
      ["node2", node2],
    ] as const) {
      const children = run.registrations.filter((r) =>
        r.options.parent.endsWith("::distributed-consul:index:ConsulHost::host"),
      );
      const aliasedFrom = children.flatMap((c) =>
        c.options.aliases.filter((a) => a.noParent).map((a) => a.name),
      );
      assert.deepStrictEqual(aliasedFrom.sort(), [...previous[stack]].sort(), stack);
      // Each is the same thing under its new name, `host-<old name>`; children added since (the
      // operators' tokens, the scheduled snapshots and their token) have no former name.
      const added = [
        "host-metrics-token",
        "host-ui-token",
        "host-scheduled-snapshots",
        "host-snapshot-token",
      ];
      for (const c of children.filter((c) => !added.includes(c.name))) {
        assert.ok(
          c.options.aliases.some((a) => a.noParent && `host-${a.name}` === c.name),
          `${stack}: ${c.name}`,
        );
      }
    }
  });
});
