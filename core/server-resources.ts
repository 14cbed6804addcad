// Memory and CPU limits of the Consul server containers, per agent kind (the global server, the
// internal datacenter's server), with the defaults and the reason for them.
import { Problem, error } from "./problems";

/**
 * The `globalResources` / `internalResources` setting: a Consul server container's limits. An
 * interface with declared fields, so that the component package describes them to other languages.
 */
export interface ServerResources {
  /**
   * Memory limit in MB; the container gets no swap beyond it (Docker's `--memory` and
   * `--memory-swap`). At the limit the kernel kills Consul and Docker restarts it. 0: no limit.
   * @default 512 for the global server, 256 for the internal one
   */
  readonly memoryMb?: number;
  /**
   * CPU limit in cores, fractions allowed (Docker's `--cpus`, CFS quota). 0: no limit.
   * @default 1
   */
  readonly cpus?: number;
}

/**
 * The global (dc1) server's defaults. Memory: a dc1 server of this project's size (a few hosts,
 * their services, a small key/value store) uses well under 100 MB; Consul holds its whole state
 * in memory and needs about twice it again while it writes or restores a snapshot, so 512 MB
 * leaves room for several times today's state and still stops a runaway server from taking a
 * host whose service (Elasticsearch by default) needs 2 GB. CPU: one core. A server needs more
 * than one core only in bursts (start, snapshot restore); above one core, Consul's guidance is
 * dedicated machines, not shares of a host; below it, CFS throttling pauses the process (up to
 * the rest of each 100 ms period), which eats into Raft's 1 s heartbeat timeout at
 * raft_multiplier 1. On the 2-core test machine, which runs many hosts' containers, one core
 * keeps any one agent from starving the others.
 */
export const DEFAULT_GLOBAL_RESOURCES = {
  memoryMb: 512,
  cpus: 1,
} as const satisfies Required<ServerResources>;

/**
 * The internal datacenter server's defaults: the same reasoning, with half the memory; it holds
 * only this host's own services and its datacenter's replicated ACLs.
 */
export const DEFAULT_INTERNAL_RESOURCES = {
  memoryMb: 256,
  cpus: 1,
} as const satisfies Required<ServerResources>;

/** The problems of a resources setting, each naming `key.<field>`. */
export function checkServerResources(key: string, value: ServerResources): Problem[] {
  const problems: Problem[] = [];
  const memory = value.memoryMb;
  if (memory !== undefined && !(Number.isInteger(memory) && (memory === 0 || memory >= 6))) {
    problems.push(
      error(
        `${key}.memoryMb`,
        `${memory} is not a memory limit; give whole megabytes, at least 6 (Docker's minimum), or 0 for none.`,
      ),
    );
  }
  const cpus = value.cpus;
  if (cpus !== undefined && !(Number.isFinite(cpus) && (cpus === 0 || cpus >= 0.01))) {
    problems.push(
      error(
        `${key}.cpus`,
        `${cpus} is not a CPU limit; give cores, at least 0.01 (e.g. 0.5 or 2), or 0 for none.`,
      ),
    );
  }
  return problems;
}

/** A container's limits as the docker provider takes them: memory in MB, CPUs as a decimal string. */
export interface ContainerLimits {
  /** `memory` and `memorySwap` (the same: no swap beyond it); absent for no limit. */
  readonly memoryMb?: number;
  /** `cpus`, e.g. `"1"` or `"0.5"`; absent for no limit. */
  readonly cpus?: string;
}

/**
 * A CPU count as the docker provider reads it back from Docker (`1.0`, `0.5`): written the same
 * way, so that a second preview finds nothing to change (`"1"` would be replaced by `"1.0"` at
 * every run).
 */
export function cpusText(cpus: number): string {
  return Number.isInteger(cpus) ? cpus.toFixed(1) : String(cpus);
}

/** The limits of a server container: the given fields over the kind's defaults, 0 meaning none. */
export function containerLimits(
  given: ServerResources | undefined,
  defaults: Required<ServerResources>,
): ContainerLimits {
  const memoryMb = given?.memoryMb ?? defaults.memoryMb;
  const cpus = given?.cpus ?? defaults.cpus;
  return {
    ...(memoryMb > 0 ? { memoryMb } : {}),
    ...(cpus > 0 ? { cpus: cpusText(cpus) } : {}),
  };
}
