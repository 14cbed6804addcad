// Where Raft snapshots are kept on the machine running Pulumi, and which of them count: file names
// by datacenter, node and UTC time; the newest of a datacenter; the old ones of a node to prune.
import * as path from "node:path";
import { Problem, error } from "./problems";

/** Default folder for snapshots, relative to the Pulumi project (the program's working directory). */
export const DEFAULT_SNAPSHOTS_DIR = "snapshots";

/** Default number of snapshots kept per node; older ones are deleted after each save. */
export const DEFAULT_SNAPSHOTS_KEEP = 5;

/** The `snapshots` config object: Raft snapshots saved before a dc1 server is replaced or destroyed. */
export interface SnapshotStackSettings {
  /** Save them at all. Default: {@link DEFAULT_SNAPSHOT_SETTINGS}. */
  readonly enabled: boolean;
  /** Folder on the machine running Pulumi, relative to the project. Default: {@link DEFAULT_SNAPSHOT_SETTINGS}. */
  readonly dir: string;
  /** Snapshots kept per node. Default: {@link DEFAULT_SNAPSHOT_SETTINGS}. */
  readonly keep: number;
}

/** The `snapshots` defaults. */
export const DEFAULT_SNAPSHOT_SETTINGS: SnapshotStackSettings = {
  enabled: true,
  dir: DEFAULT_SNAPSHOTS_DIR,
  keep: DEFAULT_SNAPSHOTS_KEEP,
};

/** The extension of a snapshot file (what `consul snapshot save` writes: a gzipped tar). */
export const SNAPSHOT_EXTENSION = ".snap";

/** `<node>-<yyyymmddThhmmssZ>.snap`; node names may contain dashes, the time never does. */
const FILE_NAME = /^(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.snap$/;

/** One snapshot file, as its name describes it. */
export interface SnapshotFile {
  /** The file name, without folder (`node1-20261202T101500Z.snap`). */
  readonly name: string;
  /** The node whose server the hook ran for. */
  readonly node: string;
  /** When it was taken (UTC, to the second). */
  readonly takenAt: Date;
}

/** `yyyymmddThhmmssZ` of `date` in UTC. */
export function snapshotTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The file name of a snapshot taken for `node` at `date`. */
export function snapshotFileName(node: string, date: Date): string {
  return `${node}-${snapshotTimestamp(date)}${SNAPSHOT_EXTENSION}`;
}

/** The folder of a datacenter's snapshots: `<dir>/<datacenter>`. */
export function snapshotFolder(dir: string, datacenter: string): string {
  return path.join(dir, datacenter);
}

/** The path of a snapshot: `<dir>/<datacenter>/<node>-<yyyymmddThhmmssZ>.snap`. */
export function snapshotPath(dir: string, datacenter: string, node: string, date: Date): string {
  return path.join(snapshotFolder(dir, datacenter), snapshotFileName(node, date));
}

/** A snapshot file name read back; `undefined` for anything else in the folder. */
export function parseSnapshotFileName(name: string): SnapshotFile | undefined {
  const m = FILE_NAME.exec(name);
  if (!m) return undefined;
  const [, node, y, mo, d, h, mi, s] = m;
  const takenAt = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  // Reject names whose digits are not a real time (month 13, second 61): Date would roll them over.
  if (snapshotTimestamp(takenAt) !== `${y}${mo}${d}T${h}${mi}${s}Z`) return undefined;
  return { name, node, takenAt };
}

/** The snapshot files among `names` (a folder's listing), newest first; ties by name. */
export function snapshotFiles(names: readonly string[]): SnapshotFile[] {
  return names
    .map(parseSnapshotFileName)
    .filter((f): f is SnapshotFile => f !== undefined)
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || b.name.localeCompare(a.name));
}

/**
 * The newest snapshot among `names` (a datacenter folder's listing), whichever node took it;
 * `undefined` when there is none. Every server of a datacenter holds the same Raft state, so the
 * newest is the most recent state, whichever server it came from.
 */
export function newestSnapshot(names: readonly string[]): SnapshotFile | undefined {
  return snapshotFiles(names)[0];
}

/** The names of `node`'s snapshots among `names` beyond the newest `keep`: the ones to delete. */
export function snapshotsToPrune(names: readonly string[], node: string, keep: number): string[] {
  return snapshotFiles(names)
    .filter((f) => f.node === node)
    .slice(keep)
    .map((f) => f.name);
}

/** Checks `snapshots.keep` (a whole number, at least 1); `key` names it in the message. */
export function checkSnapshotsKeep(keep: number, key: string): Problem[] {
  return Number.isInteger(keep) && keep >= 1
    ? []
    : [
        error(
          key,
          `must be a whole number of at least 1 (snapshots kept per node), not ${String(keep)}; the default is ${DEFAULT_SNAPSHOTS_KEEP}.`,
        ),
      ];
}

/** Checks `snapshots.dir` (not empty); `key` names it in the message. */
export function checkSnapshotsDir(dir: string, key: string): Problem[] {
  return dir.trim() === ""
    ? [
        error(
          key,
          `must name a folder (absolute, or relative to the Pulumi project); the default is "${DEFAULT_SNAPSHOTS_DIR}".`,
        ),
      ]
    : [];
}
