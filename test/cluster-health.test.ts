import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { OutputMap } from "@pulumi/pulumi/automation";
import { StackApi, askClientHealth, stackApi } from "../operations/cluster-health";

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

describe("a client host's health (roll's wait for a client)", () => {
  /** A fake agent API: autopilot's health of three healthy voters and the LAN members given. */
  async function withAgent(
    members: { Name: string; Status: number }[],
    check: (api: StackApi) => Promise<void>,
  ): Promise<void> {
    const server = http.createServer((req, res) => {
      const body =
        req.url === "/v1/operator/autopilot/health"
          ? {
              Healthy: true,
              FailureTolerance: 1,
              Servers: ["node1", "node2", "node3"].map((Name, i) => ({
                Name,
                Address: `192.168.99.${100 + i}:8300`,
                SerfStatus: "alive",
                Leader: i === 0,
                Healthy: true,
                Voter: true,
              })),
            }
          : members;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await check({
        stack: "node7",
        nodeName: "node7",
        datacenter: "dc1",
        endpoint: { url: `http://127.0.0.1:${port}` },
      });
    } finally {
      server.close();
    }
  }

  it("is ok once the client is alive in dc1's members and the servers are healthy", async () => {
    await withAgent([{ Name: "node7", Status: 1 }], async (api) => {
      const verdict = await askClientHealth(api);
      assert.strictEqual(verdict.ok, true, verdict.problems.join(" "));
      assert.strictEqual(verdict.voters, 3);
    });
  });

  it("says so while the client is not alive, or not a member", async () => {
    await withAgent([{ Name: "node7", Status: 4 }], async (api) => {
      assert.deepStrictEqual((await askClientHealth(api)).problems, [
        "client node7 is not alive (serf status 4) in dc1.",
      ]);
    });
    await withAgent([], async (api) => {
      assert.deepStrictEqual((await askClientHealth(api)).problems, [
        "client node7 is not a member of dc1.",
      ]);
    });
  });
});
