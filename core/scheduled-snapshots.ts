// Scheduled Raft snapshots of the global datacenter, taken on every host that runs one of its
// servers by a sidecar container next to that server: its names, its defaults and checks, and the
// POSIX sh loop it runs (save to a temporary file, rename, prune), and its container's limits.
import { Problem, error } from "./problems";
import type { ServerResources } from "./server-resources";
import { SNAPSHOT_EXTENSION } from "./snapshot-files";

/** Default seconds between two scheduled snapshots (one an hour). */
export const DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS = 3600;

/** Default number of scheduled snapshots kept on each host (a day of hourly snapshots). */
export const DEFAULT_SCHEDULED_SNAPSHOTS_KEEP = 24;

/**
 * The shortest interval accepted, in seconds. A snapshot is taken by the leader and streamed
 * whole; a minute leaves it time on a large datacenter, and the real suite waits one interval.
 */
export const MIN_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS = 60;

/**
 * Seconds to wait before trying again after a failed snapshot (no leader yet after a reboot, the
 * server restarting), or the interval when that is shorter.
 */
export const SCHEDULED_SNAPSHOTS_RETRY_SECONDS = 60;

/**
 * The sidecar container's memory and CPU limits, fixed (not a setting): 64 MB, no swap beyond it,
 * and half a core. Measured 2026-12-07 on test host node9 (commit 47c7ca0, Consul 1.14.11, a
 * snapshot of about 9 KB, cgroup v1 counters read every 0.2 s): between snapshots the container
 * holds 0.2 MiB (the `sh` loop); a `consul snapshot save` peaked at 14 MiB resident and used about
 * 80 ms of CPU. The CLI streams the snapshot to the file and reads it back to verify it, so its
 * memory does not grow with the snapshot (the leader builds the snapshot, not the sidecar); the
 * page cache of the file and of the `consul` binary is counted in the container's memory too (up
 * to 28 MiB seen), but the kernel reclaims it before it kills anything. 64 MB is four times the
 * resident peak; half a core lets a save of a large snapshot finish at half speed at worst, and
 * keeps the sidecar from taking CPU from the server next to it on a small host.
 */
export const SCHEDULED_SNAPSHOTS_RESOURCES = {
  memoryMb: 64,
  cpus: 0.5,
} as const satisfies Required<ServerResources>;

/** Where the sidecar keeps the snapshots: the mount point of its named volume. */
export const SCHEDULED_SNAPSHOTS_DIR = "/snapshots";

/** The prefix of a snapshot being written: such a file is never a snapshot, and is removed. */
export const PARTIAL_SNAPSHOT_PREFIX = ".partial-";

/** The sidecar's container name on its host: `consul-snapshots-<datacenter>-<node>`. */
export function scheduledSnapshotsContainerName(datacenter: string, nodeName: string): string {
  // Not `consul-<datacenter>-<node>-…`: `docker ps --filter name=consul-dc1-node1` matches
  // substrings, and must keep finding the server alone.
  return `consul-snapshots-${datacenter}-${nodeName}`;
}

/** The sidecar's named volume on its host: `consul-<datacenter>-<node>-snapshots`. */
export function scheduledSnapshotsVolumeName(datacenter: string, nodeName: string): string {
  return `consul-${datacenter}-${nodeName}-snapshots`;
}

/** What the sidecar's loop needs. */
export interface ScheduledSnapshotsLoop {
  /** The node whose server is asked; it names every file (`<node>-<UTC time>.snap`). */
  readonly nodeName: string;
  /** Seconds between two snapshots. */
  readonly intervalSeconds: number;
  /** Snapshots of this node kept; older ones are deleted after each save. */
  readonly keep: number;
  /**
   * Folder the snapshots are written to. Default {@link SCHEDULED_SNAPSHOTS_DIR}.
   * @default /snapshots
   */
  readonly dir?: string;
}

/** Single-quotes a value for `sh`. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The script the sidecar runs with `sh -c`: with umask 077 (files 0600, the folder 0700), it
 * removes what an interrupted save left, then forever: `consul snapshot save` into a temporary
 * file of the same folder (the CLI reads `CONSUL_HTTP_ADDR` and `CONSUL_HTTP_TOKEN` from the
 * environment; the snapshot comes from the leader, and the CLI verifies it), renamed to
 * `<node>-<UTC yyyymmddThhmmssZ>.snap` (a rename in one folder is atomic: a snapshot file is
 * always whole), the node's snapshots beyond the newest `keep` deleted, one log line; then it
 * sleeps `intervalSeconds` (after a failure, {@link SCHEDULED_SNAPSHOTS_RETRY_SECONDS} or the
 * interval if shorter). The first snapshot is taken at start. SIGTERM ends it at once.
 */
export function scheduledSnapshotsScript(loop: ScheduledSnapshotsLoop): string {
  const dir = loop.dir ?? SCHEDULED_SNAPSHOTS_DIR;
  const retry = Math.min(SCHEDULED_SNAPSHOTS_RETRY_SECONDS, loop.intervalSeconds);
  // Node names are letters, digits and inner dashes (checkNodeName): nothing to escape in a
  // regular expression, and the quoted value is the literal name.
  const pattern = `^${loop.nodeName}-[0-9]{8}T[0-9]{6}Z\\${SNAPSHOT_EXTENSION}$`;
  return [
    "set -u",
    "umask 077",
    // sh as PID 1 has no default SIGTERM action: stop at once, also in the middle of a sleep.
    "trap 'exit 0' TERM INT",
    `dir=${quote(dir)}`,
    `node=${quote(loop.nodeName)}`,
    `keep=${loop.keep}`,
    'mkdir -p "$dir" && chmod 700 "$dir"',
    `rm -f "$dir"/${quote(PARTIAL_SNAPSHOT_PREFIX)}*`,
    'echo "scheduled snapshots of $node every ' +
      `${loop.intervalSeconds}s into $dir, keeping $keep"`,
    "while :; do",
    `  name="$node-$(date -u +%Y%m%dT%H%M%SZ)${SNAPSHOT_EXTENSION}"`,
    `  partial="$dir/${PARTIAL_SNAPSHOT_PREFIX}$name"`,
    '  if out=$(consul snapshot save "$partial" 2>&1) && mv -f "$partial" "$dir/$name"; then',
    "    pruned=0",
    `    for old in $(ls -1 "$dir" | grep -E ${quote(pattern)} | sort -r | tail -n +$((keep + 1))); do`,
    '      rm -f "$dir/$old" && pruned=$((pruned + 1))',
    "    done",
    "    echo \"snapshot $name saved ($(wc -c < \"$dir/$name\" | tr -d ' ') bytes; $(printf '%s' \"$out\" | tr '\\n' ' ')); pruned $pruned\"",
    `    pause=${loop.intervalSeconds}`,
    "  else",
    '    rm -f "$partial"',
    `    echo "snapshot $name failed: $(printf '%s' "$out" | tr '\\n' ' '); trying again in ${retry}s" >&2`,
    `    pause=${retry}`,
    "  fi",
    // In the background, so that the trap runs as soon as the signal comes.
    '  sleep "$pause" &',
    "  wait $!",
    "done",
  ].join("\n");
}

/** Checks `scheduledSnapshots.intervalSeconds`; `key` names it in the message. */
export function checkScheduledSnapshotsInterval(seconds: number, key: string): Problem[] {
  return Number.isInteger(seconds) && seconds >= MIN_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS
    ? []
    : [
        error(
          key,
          `must be whole seconds, at least ${MIN_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS}, not ${String(seconds)}; the default is ${DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS} (hourly).`,
        ),
      ];
}

/** Checks `scheduledSnapshots.keep`; `key` names it in the message. */
export function checkScheduledSnapshotsKeep(keep: number, key: string): Problem[] {
  return Number.isInteger(keep) && keep >= 1
    ? []
    : [
        error(
          key,
          `must be a whole number of at least 1 (snapshots kept on each host), not ${String(keep)}; the default is ${DEFAULT_SCHEDULED_SNAPSHOTS_KEEP}.`,
        ),
      ];
}
