// Memory and CPU limits of the Consul server containers, per agent kind (mocks): the defaults,
// overrides, 0 for none, and bad values failing before anything is registered.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConsulHost, ConsulHostArgs } from "../components/consul-host";
import {
  DEFAULT_GLOBAL_RESOURCES,
  DEFAULT_INTERNAL_RESOURCES,
  checkServerResources,
  containerLimits,
  cpusText,
} from "../core/server-resources";
import { readStackSettings } from "../program/stack-settings";
import { Registration, installMocks, theOne, valueOf } from "./harness";

const CONTAINER = "docker:index/container:Container";

const node1: ConsulHostArgs = {
  nodeName: "node1",
  hostAddress: "192.168.99.100",
  internalDatacenter: "vm1",
  bootstrap: true,
};

/** memory, memorySwap and cpus of the host's two server containers. */
async function limitsOf(args: ConsulHostArgs): Promise<Record<string, unknown[]>> {
  const registrations: Registration[] = [];
  await installMocks(registrations);
  const host = new ConsulHost("node1", args);
  await valueOf(pulumi.all([host.globalContainerId, host.internalContainerId]));
  await pulumi.runtime.disconnect();
  return Object.fromEntries(
    ["global", "internal"].map((kind) => {
      const inputs = theOne({ registrations }, CONTAINER, `node1-${kind}-agent`).inputs;
      return [kind, [inputs.memory, inputs.memorySwap, inputs.cpus]];
    }),
  );
}

describe("Consul server containers' memory and CPU limits", () => {
  it("are on by default, per agent kind, with no swap beyond the memory", async () => {
    assert.deepStrictEqual(await limitsOf(node1), {
      global: [DEFAULT_GLOBAL_RESOURCES.memoryMb, DEFAULT_GLOBAL_RESOURCES.memoryMb, "1.0"],
      internal: [DEFAULT_INTERNAL_RESOURCES.memoryMb, DEFAULT_INTERNAL_RESOURCES.memoryMb, "1.0"],
    });
    assert.deepStrictEqual(DEFAULT_GLOBAL_RESOURCES, { memoryMb: 512, cpus: 1 });
    assert.deepStrictEqual(DEFAULT_INTERNAL_RESOURCES, { memoryMb: 256, cpus: 1 });
  });

  it("take each kind's own overrides, field by field; 0 is no limit", async () => {
    assert.deepStrictEqual(
      await limitsOf({
        ...node1,
        globalResources: { memoryMb: 1024 },
        internalResources: { memoryMb: 0, cpus: 0.5 },
      }),
      { global: [1024, 1024, "1.0"], internal: [undefined, undefined, "0.5"] },
    );
    assert.deepStrictEqual(containerLimits({ cpus: 0 }, DEFAULT_GLOBAL_RESOURCES), {
      memoryMb: 512,
    });
  });

  it("write cpus as the docker provider reads it back, so a second preview is empty", () => {
    // Seen on a real engine (2026-12-07): 1 is read back as "1.0" (so "1" replaced the container at
    // every up), 0.25 as "0.25".
    assert.deepStrictEqual([1, 2, 0.5, 0.25].map(cpusText), ["1.0", "2.0", "0.5", "0.25"]);
  });

  it("refuse what Docker would, before registering, named as the argument or the config key", () => {
    assert.deepStrictEqual(
      checkServerResources("k", { memoryMb: 4, cpus: -1 }).map((p) => p.key),
      ["k.memoryMb", "k.cpus"],
    );
    assert.throws(
      () => new ConsulHost("node1", { ...node1, globalResources: { memoryMb: 1.5 } }),
      /ConsulHost\(node1\)\.globalResources\.memoryMb: 1\.5 is not a memory limit; give whole megabytes, at least 6/,
    );
    assert.throws(
      () => new ConsulHost("node1", { ...node1, internalResources: { cpus: 0.001 } }),
      /ConsulHost\(node1\)\.internalResources\.cpus: 0\.001 is not a CPU limit/,
    );
    const required = {
      nodeName: "node1",
      hostAddress: "192.168.99.100",
      internalDatacenter: "vm1",
    };
    const read = readStackSettings(
      (name) =>
        ({ ...required, globalResources: JSON.stringify({ memoryMb: 3, cpu: 1 }) })[
          name as keyof typeof required
        ],
    );
    assert.deepStrictEqual(
      read.problems.map((p) => `${p.key}: ${p.message}`),
      [
        "distributed-consul:globalResources.cpu: is not a known field; use one of memoryMb, cpus.",
        "distributed-consul:globalResources.memoryMb: 3 is not a memory limit; give whole megabytes, at least 6 (Docker's minimum), or 0 for none.",
      ],
    );
  });
});
