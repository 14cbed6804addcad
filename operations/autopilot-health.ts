// What `/v1/operator/autopilot/health` says about a datacenter's servers, as a verdict an operator
// (or a script that must stop) can act on: is this node a healthy voter, are all servers healthy,
// how many failures the datacenter tolerates, and what is wrong, in words.

/** One server as autopilot reports it (the fields the verdict reads). */
export interface AutopilotServer {
  /** Raft server ID (the node ID). */
  readonly ID?: string;
  /** Node name. */
  readonly Name: string;
  /** `host:port` of its server RPC. */
  readonly Address: string;
  /** Serf status: `alive`, `failed`, `left`, `none`. */
  readonly SerfStatus: string;
  /** Whether this server is the leader. */
  readonly Leader: boolean;
  /** Whether autopilot counts it healthy (alive, in contact with the leader, caught up). */
  readonly Healthy: boolean;
  /** Whether it votes in Raft (a new server is a non-voter until it has been stable a while). */
  readonly Voter: boolean;
  /** Time since its last contact with the leader, as Go prints a duration (`16.3ms`). */
  readonly LastContact?: string;
  /** The Raft term of its last log entry. */
  readonly LastTerm?: number;
  /** The index of its last log entry. */
  readonly LastIndex?: number;
  /** Consul version. */
  readonly Version?: string;
}

/** The answer of `/v1/operator/autopilot/health`. */
export interface AutopilotHealthAnswer {
  /** Whether autopilot counts the whole datacenter healthy. */
  readonly Healthy: boolean;
  /** How many servers may fail without losing quorum. */
  readonly FailureTolerance: number;
  /** Every server in the Raft configuration. */
  readonly Servers: readonly AutopilotServer[];
}

/** What the roll, the restore and the real suite need to know from one health answer. */
export interface AutopilotVerdict {
  /** Everything asked for holds: see {@link problems}. */
  readonly ok: boolean;
  /** This node is in the Raft configuration as a healthy voter (`undefined`: no node asked for). */
  readonly nodeHealthyVoter?: boolean;
  /** Every server autopilot lists is healthy, and autopilot says the datacenter is. */
  readonly allHealthy: boolean;
  /** How many servers may fail without losing quorum. */
  readonly failureTolerance: number;
  /** Number of voters. */
  readonly voters: number;
  /** Number of servers in the Raft configuration. */
  readonly servers: number;
  /** The leader's node name, if autopilot names one. */
  readonly leader?: string;
  /** What is wrong, one sentence each; empty when {@link ok}. */
  readonly problems: readonly string[];
}

/** What the verdict requires beyond every server being healthy. */
export interface AutopilotExpectation {
  /**
   * This node must be listed as a healthy voter. Default: no node required.
   * @default none
   */
  readonly nodeName?: string;
  /**
   * At least this many voters. Default: no minimum.
   * @default none
   */
  readonly minVoters?: number;
  /**
   * At least this failure tolerance. Default 0.
   * @default 0
   */
  readonly minFailureTolerance?: number;
}

/** Parses an answer of `/v1/operator/autopilot/health`; throws saying what is missing otherwise. */
export function parseAutopilotHealth(text: string): AutopilotHealthAnswer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`autopilot health: not JSON: ${text.slice(0, 200)}`);
  }
  const answer = value as Partial<AutopilotHealthAnswer> | null;
  if (
    answer === null ||
    typeof answer !== "object" ||
    typeof answer.Healthy !== "boolean" ||
    typeof answer.FailureTolerance !== "number" ||
    !Array.isArray(answer.Servers) ||
    !answer.Servers.every(
      (s: Partial<AutopilotServer>) =>
        typeof s?.Name === "string" &&
        typeof s.Healthy === "boolean" &&
        typeof s.Voter === "boolean",
    )
  ) {
    throw new Error(
      `autopilot health: expected {Healthy, FailureTolerance, Servers: [{Name, Healthy, Voter}]}, got: ${text.slice(0, 200)}`,
    );
  }
  return answer as AutopilotHealthAnswer;
}

/** The verdict on `answer` against `expect`. */
export function autopilotVerdict(
  answer: AutopilotHealthAnswer,
  expect: AutopilotExpectation = {},
): AutopilotVerdict {
  const problems: string[] = [];
  const voters = answer.Servers.filter((s) => s.Voter).length;
  let nodeHealthyVoter: boolean | undefined;
  if (expect.nodeName !== undefined) {
    const me = answer.Servers.find((s) => s.Name === expect.nodeName);
    nodeHealthyVoter = me !== undefined && me.Healthy && me.Voter;
    if (me === undefined) {
      problems.push(
        `${expect.nodeName} is not in the Raft configuration (servers: ${names(answer.Servers) || "none"}).`,
      );
    } else if (!nodeHealthyVoter) {
      problems.push(`${expect.nodeName} is ${serverState(me)}.`);
    }
  }
  const unhealthy = answer.Servers.filter(
    (s) => !s.Healthy && (expect.nodeName === undefined || s.Name !== expect.nodeName),
  );
  for (const s of unhealthy) problems.push(`${s.Name} is ${serverState(s)}.`);
  const allHealthy = answer.Healthy && answer.Servers.every((s) => s.Healthy);
  if (!answer.Healthy && problems.length === 0) {
    problems.push("autopilot reports the datacenter unhealthy.");
  }
  if (expect.minVoters !== undefined && voters < expect.minVoters) {
    problems.push(`${voters} voter(s), expected at least ${expect.minVoters}.`);
  }
  const minTolerance = expect.minFailureTolerance ?? 0;
  if (answer.FailureTolerance < minTolerance) {
    problems.push(
      `failure tolerance ${answer.FailureTolerance}, expected at least ${minTolerance}.`,
    );
  }
  return {
    ok: problems.length === 0,
    nodeHealthyVoter,
    allHealthy,
    failureTolerance: answer.FailureTolerance,
    voters,
    servers: answer.Servers.length,
    leader: answer.Servers.find((s) => s.Leader)?.Name,
    problems,
  };
}

/** One line for a progress log: `healthy: 3 voters, leader node1, failure tolerance 1`, or what is wrong. */
export function describeVerdict(verdict: AutopilotVerdict): string {
  const facts = `${verdict.voters} voter(s) of ${verdict.servers} server(s), leader ${verdict.leader ?? "none"}, failure tolerance ${verdict.failureTolerance}`;
  return verdict.ok ? `healthy: ${facts}` : `not healthy: ${verdict.problems.join(" ")} (${facts})`;
}

function names(servers: readonly AutopilotServer[]): string {
  return servers.map((s) => s.Name).join(", ");
}

function serverState(s: AutopilotServer): string {
  const parts: string[] = [];
  if (!s.Healthy) {
    parts.push(
      s.SerfStatus !== "alive"
        ? `unhealthy (serf status ${s.SerfStatus})`
        : `unhealthy (alive, last contact with the leader ${s.LastContact ?? "unknown"})`,
    );
  }
  if (!s.Voter) parts.push("not a voter yet");
  return parts.join(" and ") || "healthy";
}

/**
 * Milliseconds of a duration as Go prints one (`0s`, `440.573µs`, `16.3ms`, `1.32s`, `1m2.5s`);
 * `undefined` when it is not one.
 */
export function goDurationMs(text: string): number | undefined {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    μs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/y;
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.replace(/^[-+]/, "");
  if (body === "") return undefined;
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < body.length) {
    const match = part.exec(body);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]];
  }
  return sign * total;
}

/** Autopilot's limits for a server to count as caught up (`/v1/operator/autopilot/configuration`). */
export interface CatchUpLimits {
  /** `LastContactThreshold` in milliseconds (Consul's default 200). */
  readonly lastContactThresholdMs: number;
  /** `MaxTrailingLogs` (Consul's default 250). */
  readonly maxTrailingLogs: number;
}

/**
 * Whether Raft has this server back as a working voter, by autopilot's own measures minus Serf's:
 * a voter whose last log entry is of the leader's term, at most `maxTrailingLogs` behind the
 * leader's, and whose last contact with the leader is under the threshold (the leader itself
 * counts). Autopilot's `Healthy` also requires Serf to list the server alive, which after a
 * partition can come up to about 30 s later (memberlist's push-pull, Serf's reconnect interval);
 * this tells the two apart. `false` when the node or the leader is not in the answer.
 */
export function raftCaughtUp(
  answer: AutopilotHealthAnswer,
  nodeName: string,
  limits: CatchUpLimits,
): boolean {
  const me = answer.Servers.find((s) => s.Name === nodeName);
  const leader = answer.Servers.find((s) => s.Leader);
  if (me === undefined || leader === undefined || !me.Voter) return false;
  if (me === leader) return true;
  const contact = goDurationMs(me.LastContact ?? "");
  return (
    me.LastTerm !== undefined &&
    me.LastTerm === leader.LastTerm &&
    me.LastIndex !== undefined &&
    leader.LastIndex !== undefined &&
    me.LastIndex + limits.maxTrailingLogs >= leader.LastIndex &&
    contact !== undefined &&
    contact >= 0 &&
    contact < limits.lastContactThresholdMs
  );
}
