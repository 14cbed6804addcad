import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GlobalConsul } from "../components/global-consul";
import { installMocks, readStackConfig, registeredHooks, runProgram, theOne } from "./harness";
import {
  SNAPSHOT_HOOK_NAME,
  beforeServerDelete,
  leaveCluster,
  saveSnapshot,
} from "../components/snapshot-hook";

const CONTAINER = "docker:index/container:Container";

describe("day-two hooks on the server containers (under mocks)", () => {
  it("binds a snapshot before delete to the global server only, and a failure explanation to both", async () => {
    const run = await runProgram(readStackConfig("node1"), {}, "node1");
    assert.deepStrictEqual(theOne(run, CONTAINER, "host-global-agent").options.hooks, {
      beforeDelete: [SNAPSHOT_HOOK_NAME],
      onError: ["host-global-explain-failure"],
    });
    assert.deepStrictEqual(theOne(run, CONTAINER, "host-internal-agent").options.hooks, {
      beforeDelete: [],
      onError: ["host-internal-explain-failure"],
    });
    for (const name of [
      SNAPSHOT_HOOK_NAME,
      "host-global-explain-failure",
      "host-internal-explain-failure",
    ]) {
      assert.ok(registeredHooks.has(name), `hook ${name} registered`);
    }
  });
});

describe("GlobalConsul snapshots argument", () => {
  it("refuses a retention below 1 and an empty folder at preview, naming the arguments", async () => {
    await installMocks([]);
    assert.throws(
      () =>
        new GlobalConsul("g", {
          nodeName: "node1",
          hostAddress: "192.168.99.100",
          bootstrap: true,
          snapshots: { keep: 0, dir: "" },
        }),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        /GlobalConsul\(g\)\.snapshots\.keep: must be a whole number of at least 1/.test(
          e.message,
        ) &&
        /GlobalConsul\(g\)\.snapshots\.dir: must name a folder/.test(e.message),
    );
  });

  it("with snapshots turned off, still binds the hook: the server must leave when Pulumi removes it", async () => {
    const registrations: Parameters<typeof installMocks>[0] = [];
    await installMocks(registrations);
    new GlobalConsul("off", {
      nodeName: "node1",
      hostAddress: "192.168.99.100",
      bootstrap: true,
      snapshots: { enabled: false },
    });
    await pulumi.runtime.disconnect();
    const agent = theOne({ registrations }, CONTAINER, "off-agent");
    assert.deepStrictEqual(agent.options.hooks, {
      beforeDelete: [SNAPSHOT_HOOK_NAME],
      onError: ["off-explain-failure"],
    });
    // Its clean exit after that leave is not restarted; a crash or an engine's shutdown is.
    assert.strictEqual(agent.inputs.restart, "on-failure");
  });
});

describe("saving a snapshot (loopback Consul stand-in)", () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  const requests: { method: string; path: string; token?: string }[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const token = req.headers["x-consul-token"];
      requests.push({
        method: req.method ?? "",
        path: req.url ?? "",
        token: typeof token === "string" ? token : undefined,
      });
      if (token !== "mgmt") {
        res.writeHead(403).end("Permission denied");
        return;
      }
      if (req.method === "PUT" && req.url === "/v1/agent/leave") {
        res.writeHead(200).end();
        return;
      }
      res.writeHead(200, { "X-Consul-Index": "42" }).end("raft-snapshot-bytes");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "snapshots-"));
    requests.length = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("asks the next server when this one does not answer, writes the file, prunes beyond keep", async () => {
    const folder = path.join(dir, "dc1");
    fs.mkdirSync(folder);
    for (const old of [
      "node2-20260101T000000Z.snap",
      "node2-20260102T000000Z.snap",
      "node1-20250101T000000Z.snap",
    ]) {
      fs.writeFileSync(path.join(folder, old), "old");
    }
    const outcome = await saveSnapshot(
      { datacenter: "dc1", nodeName: "node2", apiUrls: ["http://127.0.0.1:1", url], token: "mgmt" },
      dir,
      2,
      5000,
      new Date("2026-12-02T10:15:00Z"),
    );
    const saved = path.join(folder, "node2-20261202T101500Z.snap");
    assert.deepStrictEqual(outcome, {
      saved,
      from: url,
      pruned: ["node2-20260101T000000Z.snap"],
    });
    assert.strictEqual(fs.readFileSync(saved, "utf8"), "raft-snapshot-bytes");
    assert.deepStrictEqual(fs.readdirSync(folder).sort(), [
      "node1-20250101T000000Z.snap",
      "node2-20260102T000000Z.snap",
      "node2-20261202T101500Z.snap",
    ]);
    assert.deepStrictEqual(requests, [
      { method: "GET", path: "/v1/snapshot?stale", token: "mgmt" },
    ]);
  });

  it("says why for every server when none gives a snapshot, and leaves no file behind", async () => {
    const outcome = await saveSnapshot(
      {
        datacenter: "dc1",
        nodeName: "node1",
        apiUrls: ["http://127.0.0.1:1", url],
        token: "wrong",
      },
      dir,
      5,
      5000,
    );
    assert.ok("failures" in outcome);
    assert.strictEqual(outcome.failures.length, 2);
    assert.match(outcome.failures[0], /GET http:\/\/127\.0\.0\.1:1\/v1\/snapshot: .*ECONNREFUSED/);
    assert.strictEqual(outcome.failures[1], `${url} answered 403: Permission denied`);
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, "dc1")), []);
    assert.ok(!JSON.stringify(outcome).includes("wrong"), "the token is in no message");
  });

  it("asks the server to leave with the token, and says why when it cannot", async () => {
    assert.deepStrictEqual(await leaveCluster({ url, token: "mgmt" }), { left: true });
    assert.deepStrictEqual(requests, [{ method: "PUT", path: "/v1/agent/leave", token: "mgmt" }]);
    assert.deepStrictEqual(await leaveCluster({ url, token: "wrong" }), {
      failure: `${url} answered 403: Permission denied`,
    });
    const refused = await leaveCluster({ url: "http://127.0.0.1:1", token: "mgmt" });
    assert.ok(
      "failure" in refused && /ECONNREFUSED/.test(refused.failure),
      JSON.stringify(refused),
    );
  });

  it("the hook saves the snapshot first, then makes the deleted server leave", async () => {
    await installMocks([]);
    const hook = beforeServerDelete({
      containerName: "consul-dc1-node2",
      snapshot: {
        source: { datacenter: "dc1", nodeName: "node2", apiUrls: [url], token: "mgmt" },
        dir,
        keep: 5,
      },
      leave: { url, token: "mgmt" },
    });
    // The settings are recorded once their Outputs resolve (plain values: within one turn).
    await new Promise(setImmediate);
    await pulumi.runtime.disconnect();
    await hook.callback({
      urn: "urn:pulumi:node2::p::docker:index/container:Container::host-global-agent",
      id: "id",
      name: "host-global-agent",
      type: CONTAINER,
      oldInputs: { name: "consul-dc1-node2" },
    });
    assert.deepStrictEqual(
      requests.map((r) => `${r.method} ${r.path}`),
      ["GET /v1/snapshot?stale", "PUT /v1/agent/leave"],
    );
    assert.strictEqual(fs.readdirSync(path.join(dir, "dc1")).length, 1);
    // A container an earlier release deployed (restart unless-stopped, leave on SIGTERM) leaves
    // by itself when stopped: asked to leave, Docker would start it again before Pulumi stops it.
    requests.length = 0;
    await hook.callback({
      urn: "urn:pulumi:node2::p::docker:index/container:Container::host-global-agent",
      id: "id",
      name: "host-global-agent",
      type: CONTAINER,
      oldInputs: { name: "consul-dc1-node2", restart: "unless-stopped" },
    });
    assert.deepStrictEqual(
      requests.map((r) => `${r.method} ${r.path}`),
      ["GET /v1/snapshot?stale"],
    );
  });
});
