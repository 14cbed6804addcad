// Real-suite checks of what an operator who runs Consul like the Helm chart's users expects (see
// docs/operating.md): Prometheus metrics with the metrics token and none without, the UI over
// HTTPS with the cluster CA, an extraConfig key the agents apply, the containers' limits, and
// extraConfig's preview errors. Called by a suite on a deployed host with its stack outputs; they
// change nothing on the host (the preview check restores the stack's config).
import * as assert from "assert";
import { OutputMap, Stack } from "@pulumi/pulumi/automation";
import { TestHost } from "../../testbed/environment";
import { ConsulAccess, consulRequest, docker } from "../../testbed/probes";

/** The stack outputs the checks read (a stack's `outputs()`, or the values themselves). */
export interface OperationsOutputs {
  /** `tlsCaCertificate`: verifies every agent's HTTPS. */
  readonly tlsCaCertificate: string;
  /** `metricsToken` (secret): agent read. */
  readonly metricsToken: string;
  /** `globalApiAddress`: `host:https` of the host's dc1 server. */
  readonly globalApiAddress: string;
  /** `internalApiAddress`: `host:https` of the host's internal server. */
  readonly internalApiAddress: string;
  /** `globalDatacenter`, e.g. `dc1`. */
  readonly globalDatacenter: string;
  /** `internalDatacenter`, e.g. `vm1`. */
  readonly internalDatacenter: string;
  /** `nodeName`, e.g. `node1`. */
  readonly nodeName: string;
}

/** What the stack was configured with, which the agents and containers must show. */
export interface OperationsExpectations {
  /**
   * `extraConfig.limits.http_max_conns_per_client` the stack sets: `/v1/agent/self` must show it
   * on both servers. Default: not checked.
   */
  readonly httpMaxConnsPerClient?: number;
  /** The dc1 server's `memoryMb` and `cpus` (default 512 MB, one core). */
  readonly globalResources?: { readonly memoryMb: number; readonly cpus: number };
  /** The internal server's `memoryMb` and `cpus` (default 256 MB, one core). */
  readonly internalResources?: { readonly memoryMb: number; readonly cpus: number };
}

/** The values of the outputs the checks read, from a stack's `outputs()`. */
export function operationsOutputsOf(outputs: OutputMap): OperationsOutputs {
  const read = (name: keyof OperationsOutputs): string => {
    const value = outputs[name]?.value as unknown;
    assert.strictEqual(typeof value, "string", `stack output ${name}`);
    return value as string;
  };
  return {
    tlsCaCertificate: read("tlsCaCertificate"),
    metricsToken: read("metricsToken"),
    globalApiAddress: read("globalApiAddress"),
    internalApiAddress: read("internalApiAddress"),
    globalDatacenter: read("globalDatacenter"),
    internalDatacenter: read("internalDatacenter"),
    nodeName: read("nodeName"),
  };
}

const PROMETHEUS_PATH = "/v1/agent/metrics?format=prometheus";

/**
 * Asserts, on both servers of `host`: a Prometheus scrape with the metrics token returns
 * `consul_raft_` series and the same request without a token is refused (403); `/ui/` answers 200
 * over HTTPS verified with the cluster CA; `/v1/agent/self` shows the extraConfig limit; and
 * `docker inspect` shows each container's memory (no swap beyond it) and CPU limits.
 */
export async function assertOperationsFacts(
  host: TestHost,
  outputs: OperationsOutputs,
  expected: OperationsExpectations = {},
): Promise<void> {
  const withToken: ConsulAccess = { ca: outputs.tlsCaCertificate, token: outputs.metricsToken };
  const anonymous: ConsulAccess = { ca: outputs.tlsCaCertificate };
  const servers = [
    {
      api: outputs.globalApiAddress,
      container: `consul-${outputs.globalDatacenter}-${outputs.nodeName}`,
      resources: expected.globalResources ?? { memoryMb: 512, cpus: 1 },
    },
    {
      api: outputs.internalApiAddress,
      container: `consul-${outputs.internalDatacenter}-${outputs.nodeName}`,
      resources: expected.internalResources ?? { memoryMb: 256, cpus: 1 },
    },
  ];
  for (const server of servers) {
    assert.ok(server.api.startsWith(`${host.ip}:`), `${server.api} is on ${host.ip}`);
    const scrape = await consulRequest(server.api, "GET", PROMETHEUS_PATH, withToken);
    assert.strictEqual(scrape.status, 200, `${server.api} metrics: ${scrape.body.slice(0, 200)}`);
    assert.match(scrape.body, /^consul_raft_\w+/m, `${server.api}: no consul_raft_ series`);
    const refused = await consulRequest(server.api, "GET", PROMETHEUS_PATH, anonymous);
    assert.strictEqual(refused.status, 403, `${server.api} metrics without a token`);

    const ui = await consulRequest(server.api, "GET", "/ui/", anonymous);
    assert.strictEqual(ui.status, 200, `${server.api}/ui/`);

    if (expected.httpMaxConnsPerClient !== undefined) {
      const self = await consulRequest(server.api, "GET", "/v1/agent/self", withToken);
      assert.strictEqual(self.status, 200, `${server.api}/v1/agent/self: ${self.body}`);
      const debug = (JSON.parse(self.body) as { DebugConfig: { HTTPMaxConnsPerClient: number } })
        .DebugConfig;
      assert.strictEqual(
        debug.HTTPMaxConnsPerClient,
        expected.httpMaxConnsPerClient,
        `${server.api}: limits.http_max_conns_per_client`,
      );
    }

    const hostConfig = JSON.parse(
      await docker(host, "inspect", "--format", "{{json .HostConfig}}", server.container),
    ) as { Memory: number; MemorySwap: number; NanoCpus: number };
    const bytes = server.resources.memoryMb * 1024 * 1024;
    assert.deepStrictEqual(
      [hostConfig.Memory, hostConfig.MemorySwap, hostConfig.NanoCpus],
      [bytes, bytes, server.resources.cpus * 1e9],
      `${server.container}: docker inspect Memory, MemorySwap, NanoCpus`,
    );
  }
}

/**
 * Asserts that `pulumi preview` of `stack` fails on an extraConfig with an unknown key (naming the
 * nearest accepted one) and an owned key (naming the setting that sets it), then puts the stack's
 * settings file back as it was. The object is written into the settings file itself: `setConfig`
 * takes strings only, which Pulumi refuses for a key declared as an object.
 */
export async function assertExtraConfigRefusedAtPreview(stack: Stack): Promise<void> {
  const workspace = stack.workspace;
  const saved = await workspace.stackSettings(stack.name);
  await workspace.saveStackSettings(stack.name, {
    ...saved,
    config: {
      ...saved.config,
      "distributed-consul:extraConfig": {
        limits: { http_max_conn_per_client: 5 },
        ports: { https: 9501 },
      },
    },
  });
  try {
    await assert.rejects(stack.preview(), (e: Error) => {
      const text = String(e);
      assert.match(
        text,
        /distributed-consul:extraConfig\.limits\.http_max_conn_per_client: is not a key Consul accepts; the nearest is limits\.http_max_conns_per_client\./,
      );
      assert.match(
        text,
        /distributed-consul:extraConfig\.ports\.https: is set by the project from distributed-consul:globalPorts \/ distributed-consul:internalPorts;/,
      );
      return true;
    });
  } finally {
    await workspace.saveStackSettings(stack.name, saved);
  }
}
