// Prometheus metrics on every agent (mocks): the telemetry block both servers get, the metrics token
// a host makes (agent read only) and outputs as a secret, and what `metrics: false` leaves out.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConsulHost, ConsulHostArgs } from "../components/consul-host";
import { METRICS_PATH, PROMETHEUS_RETENTION_TIME } from "../core/agent-config";
import { metricsRules } from "../core/acl-rules";
import { presentOutputs } from "../components/host-outputs";
import { consulSchemaProblems } from "./consul-schema";
import {
  Registration,
  installMocks,
  outputIsSecret,
  readStackConfig,
  runProgram,
  theOne,
  valueOf,
} from "./harness";

const CONTAINER = "docker:index/container:Container";
const POLICY = "consul:index/aclPolicy:AclPolicy";

/** The agent configuration uploaded to a server container. */
function configOf(container: Registration): Record<string, unknown> {
  const uploads = container.inputs.uploads as { content: string }[];
  return JSON.parse(uploads[0].content) as Record<string, unknown>;
}

const node1: ConsulHostArgs = {
  nodeName: "node1",
  hostAddress: "192.168.99.100",
  internalDatacenter: "vm1",
  bootstrap: true,
};

/** One ConsulHost under fresh mocks, every registration waited for. */
async function declared(
  args: ConsulHostArgs,
): Promise<{ registrations: Registration[]; host: ConsulHost }> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const host = new ConsulHost("node1", args);
  await valueOf(pulumi.all([host.globalContainerId, host.internalContainerId, host.metricsToken]));
  await pulumi.runtime.disconnect();
  return { registrations, host };
}

describe("Prometheus metrics", () => {
  it("are on by default on both servers: retention for Prometheus, no host name in the names", async () => {
    const { registrations, host } = await declared(node1);
    for (const name of ["node1-global-agent", "node1-internal-agent"]) {
      const config = configOf(theOne({ registrations }, CONTAINER, name));
      assert.deepStrictEqual(
        config.telemetry,
        { prometheus_retention_time: PROMETHEUS_RETENTION_TIME, disable_hostname: true },
        name,
      );
      assert.deepStrictEqual(consulSchemaProblems(config), [], name);
    }
    assert.strictEqual(METRICS_PATH, "/v1/agent/metrics");
    // Read with a token of its own that may read agents, and nothing else; a secret.
    const policy = theOne({ registrations }, POLICY, "node1-metrics-token-policy");
    assert.strictEqual(policy.inputs.rules, metricsRules());
    assert.strictEqual(metricsRules(), 'agent_prefix "" {\n  policy = "read"\n}\n');
    assert.strictEqual(await outputIsSecret(host.metricsToken), true);
    assert.match(String(await valueOf(host.metricsToken)), /^secret-of-/);
  });

  it("telemetry sinks given in extraConfig join the project's telemetry keys", async () => {
    const { registrations } = await declared({
      ...node1,
      extraConfig: { telemetry: { statsd_address: "127.0.0.1:8125" } },
    });
    const config = configOf(theOne({ registrations }, CONTAINER, "node1-global-agent"));
    assert.deepStrictEqual(config.telemetry, {
      prometheus_retention_time: PROMETHEUS_RETENTION_TIME,
      disable_hostname: true,
      statsd_address: "127.0.0.1:8125",
    });
  });

  it("metrics: false writes no telemetry and makes no token; the stack leaves the output out", async () => {
    const { registrations, host } = await declared({ ...node1, metrics: false });
    for (const name of ["node1-global-agent", "node1-internal-agent"]) {
      assert.ok(!("telemetry" in configOf(theOne({ registrations }, CONTAINER, name))), name);
    }
    assert.deepStrictEqual(
      registrations.filter((r) => r.name.includes("metrics")).map((r) => r.name),
      [],
    );
    assert.strictEqual(await valueOf(host.metricsToken), undefined);
    assert.ok(!("metricsToken" in presentOutputs(host, { ...node1, metrics: false })));
    assert.ok("metricsToken" in presentOutputs(host, node1));
    assert.ok(!("metricsToken" in presentOutputs(host, { ...node1, aclEnabled: false })));
  });

  it("every stack of the program exports its metrics token, as a secret", async () => {
    const run = await runProgram(readStackConfig("node1"), {}, "node1");
    assert.ok("metricsToken" in run.exports);
    assert.strictEqual(
      await outputIsSecret(run.exports.metricsToken as pulumi.Output<unknown>),
      true,
    );
  });
});
