// A client that uses the cluster while a step changes it: it writes unique KV keys through every
// dc1 server and reads each back (`?consistent`) through another, samples which leader every server
// knows twice a second, and at the end says how long the cluster went without an acknowledged
// write, when no server knew a leader, and whether every acknowledged write is still there.
// Requests go only to the servers' addresses it is given (the test hosts). The summary's
// arithmetic is pure and unit-tested (test/workload.test.ts).
import { randomBytes } from "crypto";
import { ConsulAccess, consulRequest } from "../../testbed/probes";

/** A write the cluster acknowledged (`PUT /v1/kv/<key>` answered 200 `true`). */
export interface AckedWrite {
  /** The KV key (unique for the workload). */
  readonly key: string;
  /** The value written (unique). */
  readonly value: string;
  /** The server (`host:port`) that acknowledged it. */
  readonly server: string;
  /** When the acknowledgement arrived (epoch ms). */
  readonly at: number;
}

/** One leader sample: what each server answered on `/v1/status/leader`. */
export interface LeaderSample {
  /** When the sample was taken (epoch ms). */
  readonly at: number;
  /**
   * Per server, in the order given: the leader it knows (`ip:port`), `""` when it knows none,
   * `null` when it did not answer within the sample's timeout.
   */
  readonly leaders: readonly (string | null)[];
}

/** A consistent read that did not return what was acknowledged just before. */
export interface ReadMismatch {
  /** The key read. */
  readonly key: string;
  /** The server (`host:port`) read from. */
  readonly server: string;
  /** What was acknowledged for the key. */
  readonly expected: string;
  /** What the read returned; `null`: 404, no such key. */
  readonly got: string | null;
}

/** Everything a run of the workload recorded. */
export interface WorkloadRecord {
  /** When the workload started (epoch ms). */
  readonly startedAt: number;
  /** When it was stopped (epoch ms). */
  readonly stoppedAt: number;
  /** Every acknowledged write. */
  readonly writes: readonly AckedWrite[];
  /** Every leader sample. */
  readonly samples: readonly LeaderSample[];
  /** The sampled servers' API addresses, in the order of each sample's `leaders`. */
  readonly servers: readonly string[];
  /** Writes not acknowledged (error status, refused, timed out), by `server host: reason`. */
  readonly failedWrites: ReadonlyMap<string, number>;
  /** Consistent reads that failed (error status, refused, timed out). */
  readonly failedReads: number;
  /** Consistent reads that answered, but not with the acknowledged value. */
  readonly readMismatches: readonly ReadMismatch[];
}

/** The longest time without an acknowledged write, and when. */
export interface WriteGap {
  /** Its length in ms. */
  readonly ms: number;
  /** Its start: an acknowledgement, or the workload's start (epoch ms). */
  readonly from: number;
  /** Its end: an acknowledgement, or the workload's stop (epoch ms). */
  readonly to: number;
}

/** What the workload found, for the steps to assert and log. */
export interface WorkloadSummary {
  /** How long the workload ran (ms). */
  readonly durationMs: number;
  /** How many writes were acknowledged. */
  readonly acked: number;
  /** Every acknowledged write. */
  readonly writes: readonly AckedWrite[];
  /** The longest time without an acknowledged write (start and stop count as bounds). */
  readonly longestGap: WriteGap;
  /** How many leader samples were taken. */
  readonly sampleCount: number;
  /** The samples in which dc1 had no leader (see {@link leaderlessSamples}). */
  readonly leaderless: readonly LeaderSample[];
  /** Acknowledged writes missing from the final read-back, or holding another value. */
  readonly lost: readonly AckedWrite[];
  /** Writes not acknowledged, by reason. */
  readonly failedWrites: ReadonlyMap<string, number>;
  /** Consistent reads that failed. */
  readonly failedReads: number;
  /** Consistent reads that answered with something other than what was acknowledged. */
  readonly readMismatches: readonly ReadMismatch[];
}

/**
 * The longest stretch without an acknowledged write between `startedAt` and `stoppedAt`: the
 * workload's start and stop bound the first and last stretch, so a cluster that never
 * acknowledges again shows a gap until the stop.
 */
export function longestGap(
  startedAt: number,
  stoppedAt: number,
  ackTimes: readonly number[],
): WriteGap {
  const times = [startedAt, ...[...ackTimes].sort((a, b) => a - b), stoppedAt];
  let gap: WriteGap = { ms: 0, from: startedAt, to: startedAt };
  for (let i = 1; i < times.length; i++) {
    const ms = times[i] - times[i - 1];
    if (ms > gap.ms) gap = { ms, from: times[i - 1], to: times[i] };
  }
  return gap;
}

/**
 * The samples in which dc1 had no leader: no server named one that, sampled too, named itself.
 * A follower keeps naming a dead leader until its own election timeout, so a leader counts only
 * when its own server answered the same sample naming itself; one outside `servers` (no server
 * sampled at its address) counts on the others' word. `servers` are the sampled API addresses
 * (`host:port`), in the order of each sample's `leaders`.
 */
export function leaderlessSamples(
  samples: readonly LeaderSample[],
  servers: readonly string[],
): LeaderSample[] {
  const hostOf = (address: string): string => address.slice(0, address.lastIndexOf(":"));
  const led = (sample: LeaderSample): boolean =>
    sample.leaders.some((leader) => {
      if (leader === null || leader === "") return false;
      const own = servers.findIndex((server) => hostOf(server) === hostOf(leader));
      return own < 0 || sample.leaders[own] === leader;
    });
  return samples.filter((sample) => !led(sample));
}

/** The acknowledged writes that `readBack` (key → value) lacks or holds with another value. */
export function lostWrites(
  writes: readonly AckedWrite[],
  readBack: ReadonlyMap<string, string>,
): AckedWrite[] {
  return writes.filter((w) => readBack.get(w.key) !== w.value);
}

/** The summary of a record, given the final read-back of the workload's keys. */
export function summarize(
  record: WorkloadRecord,
  readBack: ReadonlyMap<string, string>,
): WorkloadSummary {
  return {
    durationMs: record.stoppedAt - record.startedAt,
    acked: record.writes.length,
    writes: record.writes,
    longestGap: longestGap(
      record.startedAt,
      record.stoppedAt,
      record.writes.map((w) => w.at),
    ),
    sampleCount: record.samples.length,
    leaderless: leaderlessSamples(record.samples, record.servers),
    lost: lostWrites(record.writes, readBack),
    failedWrites: record.failedWrites,
    failedReads: record.failedReads,
    readMismatches: record.readMismatches,
  };
}

/** One line for the test's log: the numbers a step asserts on, and where the longest gap was. */
export function describeSummary(summary: WorkloadSummary, origin: number): string {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const failed = [...summary.failedWrites]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${count}× ${reason}`)
    .join("; ");
  return (
    `${summary.acked} writes acknowledged in ${seconds(summary.durationMs)}; longest gap ` +
    `${seconds(summary.longestGap.ms)} (t=${seconds(summary.longestGap.from - origin)} to ` +
    `t=${seconds(summary.longestGap.to - origin)}); ${summary.leaderless.length} of ` +
    `${summary.sampleCount} leader samples leaderless; ${summary.lost.length} lost; ` +
    `${summary.readMismatches.length} consistent reads mismatched, ${summary.failedReads} failed` +
    (failed ? `; writes not acknowledged: ${failed}` : "")
  );
}

/** How a workload is run. */
export interface WorkloadOptions {
  /** The dc1 servers' API addresses (`host:port`, HTTPS when `access.ca` is set). */
  readonly servers: readonly string[];
  /** CA and token (a token that may write and read the KV prefix). */
  readonly access: ConsulAccess;
  /** KV prefix of every key written. @default `e2e/workload/<random>` */
  readonly prefix?: string;
  /** Pause after each write and read of one server's loop (ms). @default 100 */
  readonly pauseMs?: number;
  /** Interval between leader samples (ms). @default 500 */
  readonly sampleIntervalMs?: number;
  /** Timeout of one leader request (ms). @default 1000 */
  readonly sampleTimeoutMs?: number;
  /** Timeout of one KV request (ms). @default 5000 */
  readonly requestTimeoutMs?: number;
  /** How long {@link Workload.stop} tries the servers for the final read-back (ms). @default 60000 */
  readonly readBackTimeoutMs?: number;
}

/**
 * A running workload: one loop per server, each writing a new key through its server and reading
 * it back (`?consistent`) through the other servers in turn (not waited for: a read through a
 * server that is cut off must not hold up the writes), and a leader sampler. Start it with
 * {@link Workload.start}, end it with {@link Workload.stop}.
 */
export class Workload {
  private readonly writes: AckedWrite[] = [];
  private readonly samples: LeaderSample[] = [];
  private readonly failedWrites = new Map<string, number>();
  private failedReads = 0;
  private readonly readMismatches: ReadMismatch[] = [];
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly pendingSamples = new Set<Promise<void>>();
  private readonly pendingReads = new Set<Promise<void>>();
  private readonly sampler: NodeJS.Timeout;
  /** When the workload started (epoch ms): the origin of the times {@link describeSummary} gives. */
  readonly startedAt = Date.now();
  /** The KV prefix of every key written. */
  readonly prefix: string;

  private constructor(private readonly options: WorkloadOptions) {
    this.prefix = options.prefix ?? `e2e/workload/${randomBytes(4).toString("hex")}`;
    const interval = options.sampleIntervalMs ?? 500;
    this.sampler = setInterval(() => {
      const sample = this.sample().finally(() => this.pendingSamples.delete(sample));
      this.pendingSamples.add(sample);
    }, interval);
    options.servers.forEach((_, i) => this.loops.push(this.loop(i)));
  }

  /** Starts writing, reading and sampling at once. */
  static start(options: WorkloadOptions): Workload {
    if (options.servers.length === 0) throw new Error("Workload: no server given");
    return new Workload(options);
  }

  /** Acknowledged writes so far. */
  get ackedSoFar(): number {
    return this.writes.length;
  }

  /**
   * Stops the loops and the sampler (waiting for requests in flight), reads every key under the
   * prefix back (`?recurse&consistent`, from the first server that answers) and summarizes.
   */
  async stop(): Promise<WorkloadSummary> {
    this.running = false;
    clearInterval(this.sampler);
    await Promise.all([...this.loops, ...this.pendingSamples]);
    await Promise.all([...this.pendingReads]);
    const stoppedAt = Date.now();
    const readBack = await this.readBack();
    return summarize(
      {
        startedAt: this.startedAt,
        stoppedAt,
        writes: this.writes,
        samples: this.samples,
        servers: this.options.servers,
        failedWrites: this.failedWrites,
        failedReads: this.failedReads,
        readMismatches: this.readMismatches,
      },
      readBack,
    );
  }

  private async loop(serverIndex: number): Promise<void> {
    const { servers, access } = this.options;
    const timeout = this.options.requestTimeoutMs ?? 5000;
    const server = servers[serverIndex];
    let seq = 0;
    let turn = 0;
    while (this.running) {
      const key = `${this.prefix}/${serverIndex}-${seq++}`;
      const value = `${Date.now()}-${randomBytes(6).toString("hex")}`;
      let acked = false;
      try {
        const put = await consulRequest(server, "PUT", `/v1/kv/${key}`, access, value, timeout);
        if (put.status === 200 && put.body.trim() === "true") {
          this.writes.push({ key, value, server, at: Date.now() });
          acked = true;
        } else {
          this.countFailedWrite(server, `${put.status} ${put.body.trim().slice(0, 60)}`);
        }
      } catch (e) {
        this.countFailedWrite(server, errorReason(e));
      }
      if (acked && servers.length > 1) {
        // Read through each other server in turn, without waiting: a read through a server that
        // is cut off hangs until its timeout, and must not hold up this server's writes (it did:
        // every loop stalled 5 s reading through a partitioned host).
        const reader =
          servers[(serverIndex + 1 + (turn++ % (servers.length - 1))) % servers.length];
        const read = this.readOnce(reader, key, value, timeout).finally(() =>
          this.pendingReads.delete(read),
        );
        this.pendingReads.add(read);
      }
      if (this.running) await sleep(this.options.pauseMs ?? 100);
    }
  }

  private async readOnce(
    server: string,
    key: string,
    expected: string,
    timeout: number,
  ): Promise<void> {
    try {
      const got = await consulRequest(
        server,
        "GET",
        `/v1/kv/${key}?consistent`,
        this.options.access,
        undefined,
        timeout,
      );
      if (got.status === 404) {
        this.readMismatches.push({ key, server, expected, got: null });
      } else if (got.status === 200) {
        const [entry] = JSON.parse(got.body) as { Value: string | null }[];
        const value = Buffer.from(entry?.Value ?? "", "base64").toString("utf8");
        if (value !== expected) this.readMismatches.push({ key, server, expected, got: value });
      } else {
        this.failedReads++;
      }
    } catch {
      this.failedReads++;
    }
  }

  private async sample(): Promise<void> {
    const at = Date.now();
    const timeout = this.options.sampleTimeoutMs ?? 1000;
    const leaders = await Promise.all(
      this.options.servers.map(async (server) => {
        try {
          const r = await consulRequest(
            server,
            "GET",
            "/v1/status/leader",
            this.options.access,
            undefined,
            timeout,
          );
          return r.status === 200 ? (JSON.parse(r.body) as string) : null;
        } catch {
          return null;
        }
      }),
    );
    this.samples.push({ at, leaders });
  }

  private async readBack(): Promise<Map<string, string>> {
    const deadline = Date.now() + (this.options.readBackTimeoutMs ?? 60_000);
    const errors: string[] = [];
    for (;;) {
      for (const server of this.options.servers) {
        try {
          const r = await consulRequest(
            server,
            "GET",
            `/v1/kv/${this.prefix}/?recurse&consistent`,
            this.options.access,
          );
          if (r.status === 404) return new Map();
          if (r.status === 200) {
            const entries = JSON.parse(r.body) as { Key: string; Value: string | null }[];
            return new Map(
              entries.map((e) => [e.Key, Buffer.from(e.Value ?? "", "base64").toString("utf8")]),
            );
          }
          errors.push(`${server}: ${r.status} ${r.body.trim()}`);
        } catch (e) {
          errors.push(`${server}: ${errorReason(e)}`);
        }
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `Workload: no server gave the keys under ${this.prefix} back: ${errors.slice(-3).join("; ")}`,
        );
      }
      await sleep(1000);
    }
  }

  /** Counts a write not acknowledged, by the server's host and the reason (`host: reason`). */
  private countFailedWrite(server: string, reason: string): void {
    const key = `${server.split(":")[0]}: ${reason}`;
    this.failedWrites.set(key, (this.failedWrites.get(key) ?? 0) + 1);
  }
}

/** A short reason for a request that got no answer: the error code, else its message. */
function errorReason(e: unknown): string {
  const error = e as NodeJS.ErrnoException;
  return error.code ?? error.name ?? String(e);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A stretch of consecutive leaderless samples: from the first to the last (epoch ms). */
export interface LeaderlessWindow {
  readonly from: number;
  readonly to: number;
  /** How many samples it holds. */
  readonly samples: number;
}

/**
 * Groups leaderless samples into windows: a sample within 1.5 intervals of the previous one
 * continues its window (samples are `intervalMs` apart; a missed tick does not split a window).
 */
export function leaderlessWindows(
  samples: readonly LeaderSample[],
  intervalMs: number,
): LeaderlessWindow[] {
  const windows: LeaderlessWindow[] = [];
  for (const sample of [...samples].sort((a, b) => a.at - b.at)) {
    const last = windows[windows.length - 1];
    if (last && sample.at - last.to <= intervalMs * 1.5) {
      windows[windows.length - 1] = { ...last, to: sample.at, samples: last.samples + 1 };
    } else {
      windows.push({ from: sample.at, to: sample.at, samples: 1 });
    }
  }
  return windows;
}
