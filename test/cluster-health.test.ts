import * as assert from "assert";
import { OutputMap } from "@pulumi/pulumi/automation";
import { stackApi } from "../operations/cluster-health";

/** Stack outputs as the Automation API gives them. */
function outputs(values: Record<string, string>): OutputMap {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { value, secret: false }]),
  );
}
const node1 = {
  globalApiAddress: "192.168.99.100:8501",
  tlsCaCertificate: "-----BEGIN CERTIFICATE-----",
  globalDatacenter: "dc1",
};

describe("a stack's API, read from its outputs", () => {
  it("reads the node name output, and the previous release's globalNodeName", () => {
    assert.strictEqual(
      stackApi("node1", outputs({ ...node1, nodeName: "node1" })).nodeName,
      "node1",
    );
    const previous = stackApi("node1", outputs({ ...node1, globalNodeName: "node1" }));
    assert.strictEqual(previous.nodeName, "node1");
    assert.strictEqual(previous.endpoint.url, "https://192.168.99.100:8501");
  });

  it("names the outputs a stack lacks", () => {
    assert.throws(
      () => stackApi("node2", outputs({ globalDatacenter: "dc1" })),
      /^Error: stack node2 has no output globalApiAddress, nodeName: deploy it first/,
    );
  });
});
