// Real-suite check of scheduled snapshots (see docs/day-two.md, Scheduled snapshots): on every
// host that runs a dc1 server, its sidecar writes a new snapshot within one interval, readable by
// its owner only, and keeps no more than it is told; its container has its fixed limits. Read
// with `docker exec` and `docker inspect`; it changes nothing on the hosts.
import * as assert from "assert";
import { TestHost } from "../../testbed/environment";
import { docker, eventually } from "../../testbed/probes";
import {
  SCHEDULED_SNAPSHOTS_DIR,
  SCHEDULED_SNAPSHOTS_RESOURCES,
  scheduledSnapshotsContainerName,
  snapshotFiles,
} from "../../components";
import type { SnapshotFile } from "../../components";

/** A host whose dc1 server's sidecar is checked. */
export interface ScheduledSnapshotsHost {
  /** The test host (its Docker engine). */
  readonly host: TestHost;
  /** The node name of its dc1 server (the stack's `nodeName` output, e.g. `node1`). */
  readonly nodeName: string;
}

/** What the stacks were deployed with. */
export interface ScheduledSnapshotsExpectations {
  /** `scheduledSnapshots.intervalSeconds` of the stacks. */
  readonly intervalSeconds: number;
  /** `scheduledSnapshots.keep` of the stacks; the count is checked not to exceed it when given. */
  readonly keep?: number;
  /**
   * The global datacenter. Default `dc1`.
   * @default dc1
   */
  readonly datacenter?: string;
  /**
   * Extra seconds beyond the interval (the snapshot itself, the log's clock). Default 30.
   * @default 30
   */
  readonly slackSeconds?: number;
}

/** The snapshots of `nodeName` in its sidecar, newest first. */
export async function scheduledSnapshotsOn(
  host: TestHost,
  nodeName: string,
  datacenter = "dc1",
): Promise<SnapshotFile[]> {
  const container = scheduledSnapshotsContainerName(datacenter, nodeName);
  const listing = await docker(host, "exec", container, "ls", "-1", SCHEDULED_SNAPSHOTS_DIR);
  return snapshotFiles(listing.split("\n").map((line) => line.trim())).filter(
    (f) => f.node === nodeName,
  );
}

/**
 * Asserts, on every host given (all at once, so the wait is one interval in all): its sidecar
 * writes a snapshot taken after this call within `intervalSeconds` (plus slack), mode 0600 in a
 * folder of mode 0700, with no temporary file left beside it, and, with `keep`, no more than
 * `keep` snapshots of the node. Resolves to the newest snapshot of each host, by node name.
 */
export async function assertScheduledSnapshots(
  hosts: readonly ScheduledSnapshotsHost[],
  expected: ScheduledSnapshotsExpectations,
): Promise<Map<string, SnapshotFile>> {
  const datacenter = expected.datacenter ?? "dc1";
  // Snapshot names are to the second: a snapshot of this second or later counts.
  const since = Math.floor(Date.now() / 1000) * 1000;
  const timeoutMs = (expected.intervalSeconds + (expected.slackSeconds ?? 30)) * 1000;
  const newest = await Promise.all(
    hosts.map(async ({ host, nodeName }) => {
      const where = `${host.stack}/${scheduledSnapshotsContainerName(datacenter, nodeName)}`;
      const files = await eventually(
        () => scheduledSnapshotsOn(host, nodeName, datacenter),
        (list) => list.length > 0 && list[0].takenAt.getTime() >= since,
        timeoutMs,
        5_000,
      );
      assert.ok(
        files.length > 0 && files[0].takenAt.getTime() >= since,
        `${where}: no snapshot taken since ${new Date(since).toISOString()} within ${expected.intervalSeconds}s; it has ${files.map((f) => f.name).join(", ") || "none"}`,
      );
      const container = scheduledSnapshotsContainerName(datacenter, nodeName);
      const modes = await docker(
        host,
        "exec",
        container,
        "stat",
        "-c",
        "%a %n",
        SCHEDULED_SNAPSHOTS_DIR,
        `${SCHEDULED_SNAPSHOTS_DIR}/${files[0].name}`,
      );
      assert.deepStrictEqual(
        modes.split("\n").map((line) => line.trim()),
        [`700 ${SCHEDULED_SNAPSHOTS_DIR}`, `600 ${SCHEDULED_SNAPSHOTS_DIR}/${files[0].name}`],
        `${where}: modes`,
      );
      const all = await docker(host, "exec", container, "ls", "-1a", SCHEDULED_SNAPSHOTS_DIR);
      const partial = all.split("\n").filter((name) => name.startsWith(".partial-"));
      assert.deepStrictEqual(partial, [], `${where}: a temporary file is left`);
      if (expected.keep !== undefined) {
        assert.ok(
          files.length <= expected.keep,
          `${where}: ${files.length} snapshots kept, more than keep ${expected.keep}`,
        );
      }
      return [nodeName, files[0]] as const;
    }),
  );
  return new Map(newest);
}

/**
 * Asserts that `docker inspect` of the sidecar of `nodeName` on `host` shows its fixed limits
 * (`SCHEDULED_SNAPSHOTS_RESOURCES`): the memory, as much swap-inclusive memory (no swap beyond
 * it), and the CPU quota.
 */
export async function assertScheduledSnapshotsLimits(
  host: TestHost,
  nodeName: string,
  datacenter = "dc1",
): Promise<void> {
  const container = scheduledSnapshotsContainerName(datacenter, nodeName);
  const hostConfig = JSON.parse(
    await docker(host, "inspect", "--format", "{{json .HostConfig}}", container),
  ) as { Memory: number; MemorySwap: number; NanoCpus: number };
  const bytes = SCHEDULED_SNAPSHOTS_RESOURCES.memoryMb * 1024 * 1024;
  assert.deepStrictEqual(
    [hostConfig.Memory, hostConfig.MemorySwap, hostConfig.NanoCpus],
    [bytes, bytes, SCHEDULED_SNAPSHOTS_RESOURCES.cpus * 1e9],
    `${host.stack}/${container}: docker inspect Memory, MemorySwap, NanoCpus`,
  );
}
