import * as assert from "assert";
import * as path from "path";
import {
  checkSnapshotsDir,
  checkSnapshotsKeep,
  newestSnapshot,
  parseSnapshotFileName,
  snapshotFileName,
  snapshotPath,
  snapshotTimestamp,
  snapshotsToPrune,
} from "../core/snapshot-files";

const at = (iso: string): Date => new Date(iso);

describe("snapshot files", () => {
  it("names a snapshot by node and UTC time to the second", () => {
    assert.strictEqual(snapshotTimestamp(at("2026-12-02T09:05:07.999Z")), "20261202T090507Z");
    assert.strictEqual(
      snapshotFileName("node-a", at("2026-01-31T23:59:59Z")),
      "node-a-20260131T235959Z.snap",
    );
    assert.strictEqual(
      snapshotPath("/var/snap", "dc1", "node1", at("2026-12-02T10:15:00Z")),
      path.join("/var/snap", "dc1", "node1-20261202T101500Z.snap"),
    );
  });

  it("reads a name back, dashes in the node name included, and ignores anything else", () => {
    const name = snapshotFileName("web-node-2", at("2026-12-02T10:15:00Z"));
    assert.deepStrictEqual(parseSnapshotFileName(name), {
      name,
      node: "web-node-2",
      takenAt: at("2026-12-02T10:15:00Z"),
    });
    for (const other of [
      "node1-20261202T101500Z.snap.tmp-12",
      "node1-20261202T101500.snap",
      "node1-20261302T101500Z.snap", // month 13
      "node1-20261202T106100Z.snap", // minute 61
      "-20261202T101500Z.snap",
      "README",
    ]) {
      assert.strictEqual(parseSnapshotFileName(other), undefined, other);
    }
  });

  it("chooses the newest snapshot of a datacenter, whichever node took it", () => {
    const names = [
      "node1-20261202T101500Z.snap",
      "node2-20261202T101501Z.snap",
      "node3-20261201T235959Z.snap",
      "node2-20261202T101501Z.snap.tmp-4",
      "notes.txt",
    ];
    assert.strictEqual(newestSnapshot(names)?.name, "node2-20261202T101501Z.snap");
    assert.strictEqual(newestSnapshot(["notes.txt"]), undefined);
    assert.strictEqual(newestSnapshot([]), undefined);
  });

  it("prunes only the node's own snapshots beyond the newest `keep`", () => {
    const names = [
      "node1-20261202T100000Z.snap",
      "node1-20261202T110000Z.snap",
      "node1-20261202T090000Z.snap",
      "node1-20261202T120000Z.snap",
      "node2-20261201T000000Z.snap",
      "node10-20261201T000000Z.snap",
    ];
    assert.deepStrictEqual(snapshotsToPrune(names, "node1", 2), [
      "node1-20261202T100000Z.snap",
      "node1-20261202T090000Z.snap",
    ]);
    assert.deepStrictEqual(snapshotsToPrune(names, "node1", 4), []);
    assert.deepStrictEqual(snapshotsToPrune(names, "node2", 1), []);
  });

  it("refuses a retention that is not a whole number of at least 1, naming the key", () => {
    assert.deepStrictEqual(checkSnapshotsKeep(1, "k"), []);
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      const [problem, ...rest] = checkSnapshotsKeep(bad, "distributed-consul:snapshots.keep");
      assert.strictEqual(rest.length, 0);
      assert.strictEqual(problem.key, "distributed-consul:snapshots.keep");
      assert.match(problem.message, /at least 1.*default is 5/);
    }
    assert.deepStrictEqual(checkSnapshotsDir("snapshots", "d"), []);
    assert.strictEqual(checkSnapshotsDir(" ", "d")[0].key, "d");
  });
});
