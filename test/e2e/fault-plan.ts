// The faults the fault-sequence step draws, one at a time: which kind, which server, how long it
// lasts and how long the cluster runs undisturbed before it. Pure and seeded, so a run that fails
// can be drawn again (`E2E_FAULT_SEED`); unit-tested in test/fault-plan.test.ts.

/** The kinds of fault a fleet meets, each undone (healed) before the next one. */
export type FaultKind =
  /** `kill -9` of a server's agent: its restart policy starts it again at once. */
  | "kill"
  /** A server's host cut off the LAN for a while. */
  | "partition"
  /** The leader's host cut off the LAN for 15 s. */
  | "leader-partition"
  /** A server's container paused (`docker pause`) for a while, then unpaused. */
  | "pause"
  /** A host's Docker engine stopped (SIGTERM, as a shutdown) and started again. */
  | "engine-restart";

/** Every kind, in the order a plan's first round is shuffled from. */
export const FAULT_KINDS: readonly FaultKind[] = [
  "kill",
  "partition",
  "leader-partition",
  "pause",
  "engine-restart",
];

/** One fault of a plan. */
export interface PlannedFault {
  readonly kind: FaultKind;
  /** The server's host (0-based), or `"leader"` for the one leading when the fault starts. */
  readonly target: number | "leader";
  /** How long the fault lasts before it is healed (ms); 0 for a kill and an engine restart. */
  readonly holdMs: number;
  /** How long the cluster runs undisturbed before the fault starts (ms). */
  readonly quietMs: number;
}

/** The ranges a plan draws from (ms). */
export interface FaultPlanOptions {
  /** How many servers (hosts) there are. */
  readonly servers: number;
  /** How long the faults may take in all, quiet time included (ms). */
  readonly totalMs: number;
  /** Quiet time before each fault: [min, max]. Default [12 s, 40 s]. @default [12000, 40000] */
  readonly quietMs?: readonly [number, number];
  /**
   * A rough allowance for a fault's own duration and the wait for the server to be back, used
   * only to decide how many faults fit in {@link totalMs}. Default 15 s.
   * @default 15000
   */
  readonly overheadMs?: number;
}

/** A small seeded generator (mulberry32): the same seed draws the same plan. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws a plan: its first faults are every kind once, in a shuffled order (so that a short run
 * still meets each kind), then kinds at random; a partition lasts 5-20 s, a pause 5-10 s, the
 * leader's partition 15 s; quiet time between faults is drawn from {@link FaultPlanOptions.quietMs}.
 * After that first round, faults are added while their expected end stays within
 * {@link FaultPlanOptions.totalMs}.
 */
export function drawFaultPlan(options: FaultPlanOptions, random: () => number): PlannedFault[] {
  const [quietMin, quietMax] = options.quietMs ?? [12_000, 40_000];
  const overhead = options.overheadMs ?? 15_000;
  const between = (min: number, max: number): number => Math.round(min + random() * (max - min));
  const first = [...FAULT_KINDS];
  for (let i = first.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [first[i], first[j]] = [first[j], first[i]];
  }
  const plan: PlannedFault[] = [];
  let elapsed = 0;
  for (let n = 0; ; n++) {
    const kind =
      n < first.length ? first[n] : FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)];
    const holdMs =
      kind === "partition"
        ? between(5000, 20_000)
        : kind === "pause"
          ? between(5000, 10_000)
          : kind === "leader-partition"
            ? 15_000
            : 0;
    const fault: PlannedFault = {
      kind,
      target: kind === "leader-partition" ? "leader" : Math.floor(random() * options.servers),
      holdMs,
      quietMs: between(quietMin, quietMax),
    };
    const end = elapsed + fault.quietMs + fault.holdMs + overhead;
    if (end > options.totalMs && n >= first.length) return plan;
    plan.push(fault);
    elapsed = end;
  }
}
