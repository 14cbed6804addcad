// The hook that runs before one of the global datacenter's server containers is deleted (a
// replacement, a roll, or `pulumi destroy --run-program`), on the machine running Pulumi: it saves
// a Raft snapshot of the datacenter, then asks the server to leave its cluster. Only a removal
// Pulumi makes is planned: a server whose engine or host restarts does not leave (see
// core/server-settings).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConsulEndpoint, consulRequest } from "./consul-http";
import { snapshotFolder, snapshotPath, snapshotsToPrune } from "../core/snapshot-files";

/** What the hook needs to know of the datacenter, resolved when the program runs. */
export interface SnapshotSource {
  /** The datacenter (folder of its snapshots). */
  readonly datacenter: string;
  /** The node whose server is about to be deleted (file name). */
  readonly nodeName: string;
  /** API URLs to ask, in order: this server first, then the datacenter's other servers. */
  readonly apiUrls: readonly string[];
  /** CA certificate (PEM) of the cluster, for `https://` URLs. Default: none (plain HTTP).
   * @default none */
  readonly caCertificate?: string;
  /** A token allowed to take snapshots (`management`); a secret. Default: none (ACLs off).
   * @default none */
  readonly token?: string;
}

/** Arguments of {@link snapshotBeforeDelete}: one server container whose deletion saves a snapshot. */
export interface SnapshotHookArgs {
  /** The Docker container's name (how the hook finds these settings when it runs). */
  readonly containerName: pulumi.Input<string>;
  /** What to ask, an Output (the token inside stays a secret in state). */
  readonly source: pulumi.Input<SnapshotSource>;
  /**
   * Folder of the snapshots, absolute or relative to the program's working directory (the Pulumi
   * project). Default `snapshots`.
   * @default snapshots
   */
  readonly dir: string;
  /**
   * Snapshots kept per node; older ones of this node are deleted after each save. Default 5.
   * @default 5
   */
  readonly keep: number;
  /**
   * Seconds one server may take to answer before the next one is asked. Default 60.
   * @default 60
   */
  readonly timeoutSeconds?: number;
}

/**
 * Arguments of {@link beforeServerDelete}: what happens before one server container is deleted.
 */
export interface ServerDeleteHookArgs {
  /** The Docker container's name (how the hook finds these settings when it runs). */
  readonly containerName: pulumi.Input<string>;
  /**
   * Save a snapshot first. Default: none.
   * @default none
   */
  readonly snapshot?: Omit<SnapshotHookArgs, "containerName">;
  /**
   * This server's own API, asked to leave its cluster (`PUT /v1/agent/leave`, `agent:write`:
   * the management token) once the snapshot is saved, so that the others' Raft configuration
   * shrinks before it goes. An Output (the token inside stays a secret). Default: no leave.
   * @default no leave
   */
  readonly leave?: pulumi.Input<ConsulEndpoint>;
}

/**
 * The name of the one snapshot hook a program registers. It is fixed, not derived from a
 * component's name: Pulumi records a resource's hook names in the state and refuses to delete the
 * resource unless the program registers a hook of that name, so a name that followed a renamed
 * (or removed) component would make its old container undeletable.
 */
export const SNAPSHOT_HOOK_NAME = "distributed-consul-snapshot-before-delete";

/** Where a snapshot was saved, or why none could be. */
export type SnapshotOutcome =
  | { readonly saved: string; readonly from: string; readonly pruned: readonly string[] }
  | { readonly failures: readonly string[] };

/**
 * Saves `GET /v1/snapshot?stale` of the first server of `source` that answers into
 * `<dir>/<datacenter>/<node>-<UTC time>.snap` (written to a temporary name, then renamed), then
 * deletes this node's snapshots beyond the newest `keep`. Never throws: a datacenter that cannot
 * answer must not block the change that may be its repair.
 */
export async function saveSnapshot(
  source: SnapshotSource,
  dir: string,
  keep: number,
  timeoutMs: number,
  now: Date = new Date(),
): Promise<SnapshotOutcome> {
  const folder = snapshotFolder(dir, source.datacenter);
  const target = snapshotPath(dir, source.datacenter, source.nodeName, now);
  const failures: string[] = [];
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (e) {
    return { failures: [`cannot create ${folder}: ${(e as Error).message}`] };
  }
  for (const url of source.apiUrls) {
    const temporary = `${target}.tmp-${process.pid}`;
    const endpoint: ConsulEndpoint = {
      url,
      caCertificate: source.caCertificate,
      token: source.token,
    };
    try {
      const answer = await consulRequest(endpoint, {
        method: "GET",
        path: "/v1/snapshot?stale",
        intoFile: temporary,
        timeoutMs,
      });
      if (answer.status !== 200) {
        failures.push(`${url} answered ${answer.status}: ${answer.body.trim().slice(0, 200)}`);
        continue;
      }
      if (fs.statSync(temporary).size === 0) {
        failures.push(`${url} answered an empty snapshot`);
        fs.rmSync(temporary, { force: true });
        continue;
      }
      fs.renameSync(temporary, target);
      const pruned = snapshotsToPrune(fs.readdirSync(folder), source.nodeName, keep);
      for (const name of pruned) fs.rmSync(path.join(folder, name), { force: true });
      return { saved: target, from: url, pruned };
    } catch (e) {
      failures.push((e as Error).message);
      fs.rmSync(temporary, { force: true });
    }
  }
  if (source.apiUrls.length === 0) failures.push("no server API address is known");
  return { failures };
}

/** What the hook knows of a declared server container, once the program has resolved it. */
interface SnapshotTarget {
  readonly source: SnapshotSource;
  readonly dir: string;
  readonly keep: number;
  readonly timeoutMs: number;
}

/** What the hook does for one declared server container. */
interface DeleteTarget {
  readonly snapshot?: SnapshotTarget;
  readonly leave?: ConsulEndpoint;
}

/** Declared server containers of this process, by Docker container name. */
const targets = new Map<string, DeleteTarget>();

/** How long a leave may take: a leaving leader hands over and waits to be removed from Raft. */
const LEAVE_TIMEOUT_MS = 60_000;

/** Whether a leave was acknowledged, or why not. */
export type LeaveOutcome = { readonly left: true } | { readonly failure: string };

/**
 * Asks the agent at `endpoint` to leave its cluster gracefully and stop (`PUT /v1/agent/leave`).
 * Its container then exits 0, which its `on-failure` restart policy does not restart. Never
 * throws: a server that cannot be asked to leave is still deleted, and stays a failed voter
 * until it is forgotten (see docs/day-two.md).
 */
export async function leaveCluster(endpoint: ConsulEndpoint): Promise<LeaveOutcome> {
  try {
    const answer = await consulRequest(endpoint, {
      method: "PUT",
      path: "/v1/agent/leave",
      timeoutMs: LEAVE_TIMEOUT_MS,
    });
    if (answer.status === 200) return { left: true };
    return {
      failure: `${endpoint.url} answered ${answer.status}: ${answer.body.trim().slice(0, 200)}`,
    };
  } catch (e) {
    return { failure: (e as Error).message };
  }
}
/** The hook of each program run (its root stack resource), made on first use. */
const hooks = new WeakMap<object, pulumi.ResourceHook>();

/**
 * The `beforeDelete` hook for a server container of the global datacenter, with `args` recorded
 * for it: when Pulumi deletes the container (a replacement, or `pulumi destroy --run-program`) it
 * saves a snapshot (see {@link saveSnapshot}) and logs where, or warns that none could be taken and
 * why, and lets the delete go on either way. One hook ({@link SNAPSHOT_HOOK_NAME}) serves every
 * server of a program; it finds the container's settings by its Docker name. A container no longer
 * declared (its component removed from the program) is deleted with a warning instead. `source` is
 * resolved when the program runs; a relative `dir` is taken from the working directory then.
 */
export function snapshotBeforeDelete(args: SnapshotHookArgs): pulumi.ResourceHook {
  const { containerName, ...snapshot } = args;
  return beforeServerDelete({ containerName, snapshot });
}

/**
 * The `beforeDelete` hook for a server container of the global datacenter, with `args` recorded
 * for it: when Pulumi deletes the container it saves a snapshot (when asked, see
 * {@link snapshotBeforeDelete}), then asks the server to leave (when asked, see
 * {@link leaveCluster}), logging each outcome, and lets the delete go on either way. It is the
 * one hook of {@link SNAPSHOT_HOOK_NAME} (the name predates the leave; it stays, since the state
 * of deployed containers records it).
 */
export function beforeServerDelete(args: ServerDeleteHookArgs): pulumi.ResourceHook {
  const snapshot = args.snapshot;
  const dir = snapshot ? path.resolve(snapshot.dir) : "";
  const timeoutMs = (snapshot?.timeoutSeconds ?? 60) * 1000;
  pulumi.all([args.containerName, snapshot?.source, args.leave]).apply(([name, source, leave]) => {
    targets.set(name, {
      snapshot: snapshot && source ? { source, dir, keep: snapshot.keep, timeoutMs } : undefined,
      leave,
    });
  });
  const stack = pulumi.runtime.getStackResource();
  const existing = stack === undefined ? undefined : hooks.get(stack);
  if (existing) return existing;
  const hook = new pulumi.ResourceHook(SNAPSHOT_HOOK_NAME, runSnapshotHook);
  if (stack !== undefined) hooks.set(stack, hook);
  return hook;
}

/** The hook's callback: the deleted container's snapshot and leave, found by its Docker name. */
async function runSnapshotHook(hook: pulumi.ResourceHookArgs): Promise<void> {
  const name = containerNameOf(hook);
  const target = name === undefined ? undefined : targets.get(name);
  if (target === undefined) {
    await pulumi.log.warn(
      `No snapshot saved before deleting ${name ?? hook.name}, and the server is not asked to leave: this program no longer declares it, so its datacenter's API and token are unknown here. Save one by hand first if you need it (consul snapshot save, with the management token), and remove the server from Raft afterwards if it stays listed (npm run forget).`,
    );
    return;
  }
  if (target.snapshot) await takeSnapshot(name ?? hook.name, target.snapshot);
  if (target.leave && leavesOnItsOwn(hook)) {
    await pulumi.log.info(
      `${name} was deployed by an earlier release: it leaves its cluster on SIGTERM by itself, and is not asked to.`,
    );
  } else if (target.leave) {
    const outcome = await leaveCluster(target.leave);
    if ("left" in outcome) {
      await pulumi.log.info(`${name} left its cluster before its container is deleted.`);
    } else {
      await pulumi.log.warn(
        `${name} could not be asked to leave its cluster (going on; it stops without leaving and stays listed as a failed voter until it is back, or until npm run forget removes it): ${outcome.failure}`,
      );
    }
  }
}

/** Saves the snapshot of one target and logs where, or why none could be taken. */
async function takeSnapshot(name: string, target: SnapshotTarget): Promise<void> {
  const { source } = target;
  const outcome = await saveSnapshot(source, target.dir, target.keep, target.timeoutMs);
  if ("saved" in outcome) {
    await pulumi.log.info(
      `Snapshot of ${source.datacenter} saved to ${outcome.saved} (from ${outcome.from})` +
        (outcome.pruned.length > 0 ? `; pruned ${outcome.pruned.join(", ")}` : "") +
        ".",
    );
  } else {
    await pulumi.log.warn(
      `No snapshot of ${source.datacenter} saved before deleting ${name} (going on, so that a broken cluster can still be repaired): ${outcome.failures.join("; ")}`,
    );
  }
}

/**
 * Whether the deleted container is one an earlier release deployed: restarted `unless-stopped`
 * and configured to leave on SIGTERM. Asked to leave, its agent would exit and Docker would start
 * it again before Pulumi stops it; its own SIGTERM leave does the same job.
 */
function leavesOnItsOwn(hook: pulumi.ResourceHookArgs): boolean {
  const restart: unknown = hook.oldInputs?.["restart"];
  return typeof restart === "string" && restart !== "on-failure";
}

/** The Docker name of the container a hook runs for, from its old inputs or outputs. */
function containerNameOf(hook: pulumi.ResourceHookArgs): string | undefined {
  for (const props of [hook.oldInputs, hook.oldOutputs]) {
    const name: unknown = props?.["name"];
    if (typeof name === "string" && name !== "") return name;
  }
  return undefined;
}
