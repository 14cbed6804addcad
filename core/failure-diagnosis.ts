// Why a Consul server did not become healthy, in the operator's terms: its log lines and its answers
// to `/v1/status/leader` and `/v1/status/peers` classified into one message, cause first.

/** A cause a failed server's log shows, most specific first (see {@link FAILURE_PATTERNS}). */
export type FailureCause =
  | "port-in-use"
  | "gossip-key-mismatch"
  | "gossip-encryption-off-here"
  | "gossip-encryption-off-there"
  | "tls"
  | "acl"
  | "join-unreachable";

/** A cause, the log line that shows it, and what to do. */
export interface FailureFinding {
  /** The cause. */
  readonly cause: FailureCause;
  /** The first log line that shows it, trimmed. */
  readonly evidence: string;
  /** The cause in the operator's words, with the fix. */
  readonly explanation: string;
}

const JOIN_UNREACHABLE =
  "cannot reach the servers it should join: check the join addresses (joinAddresses / the bootstrap stack's outputs), that those servers run, and that the firewall lets serf (TCP and UDP) and server RPC through";

interface FailurePattern {
  readonly cause: FailureCause;
  readonly pattern: RegExp;
  readonly explanation: string;
}

/**
 * The log patterns, in order of precedence: a port in use stops the agent outright; a gossip
 * mismatch stops every join before TLS or ACLs are ever tried; TLS before ACLs for the same reason;
 * an unreachable address last, since every other failure also fails joins.
 */
export const FAILURE_PATTERNS: readonly FailurePattern[] = [
  {
    cause: "port-in-use",
    pattern: /address already in use/,
    explanation:
      "a port this agent binds is already in use on the host (another Consul agent or another program); free the port or give this agent other ports (globalPorts / internalPorts)",
  },
  {
    cause: "gossip-key-mismatch",
    pattern: /No installed keys could decrypt/,
    explanation:
      "gossip encryption key mismatch: this agent's gossip key is not the one the cluster uses; give it the cluster's key (stack setting gossipKey, or unset it to read the bootstrap stack's)",
  },
  {
    cause: "gossip-encryption-off-here",
    pattern: /Remote state is encrypted and encryption is not configured/,
    explanation:
      "gossip encryption mismatch: the cluster encrypts gossip but this agent has no gossip key; give it the cluster's key",
  },
  {
    cause: "gossip-encryption-off-there",
    pattern: /Encryption is configured but remote state is not/,
    explanation:
      "gossip encryption mismatch: this agent encrypts gossip but the agent it joins does not; use the same gossip setting on every agent",
  },
  {
    cause: "tls",
    pattern: /x509|certificate signed by unknown authority|bad certificate|tls: /,
    explanation:
      "TLS failure between servers: this server's certificate or CA is not the cluster's; give every stack the cluster's CA (stack settings tlsCaCertificate and tlsCaKey, or the bootstrap stack's)",
  },
  {
    cause: "acl",
    pattern: /ACL not found|Permission denied/,
    explanation:
      "ACL refusal: a token this agent uses is unknown to the cluster or lacks a permission; check the management token (stack setting aclManagementToken) and that the cluster's ACL state was not replaced (e.g. by a snapshot restore)",
  },
  {
    cause: "join-unreachable",
    pattern:
      /Failed to join .*(i\/o timeout|no route to host|connection refused|network is unreachable)/,
    explanation: JOIN_UNREACHABLE,
  },
  {
    // Without the reason on the line (it may be on the next one): still a join that fails.
    cause: "join-unreachable",
    pattern: /\((LAN|WAN)\) couldn't join/,
    explanation: JOIN_UNREACHABLE,
  },
];

/** The first cause (by {@link FAILURE_PATTERNS}' precedence) any of `lines` shows. */
export function classifyLogLines(lines: readonly string[]): FailureFinding | undefined {
  for (const p of FAILURE_PATTERNS) {
    const line = lines.find((l) => p.pattern.test(l));
    if (line !== undefined) {
      return { cause: p.cause, evidence: line.trim(), explanation: p.explanation };
    }
  }
  return undefined;
}

/** An answer of the agent, or why there is none. */
export type AgentAnswer = { readonly text: string } | { readonly error: string };

/** What was observed of a server that did not become healthy. */
export interface FailureObservation {
  /** The container's name. */
  readonly container: string;
  /** The command that reads its log, for the operator to run again (`docker -H … logs …`). */
  readonly logCommand: string;
  /** Its last log lines, or why they could not be read. */
  readonly log: { readonly lines: readonly string[] } | { readonly error: string };
  /** Its answer to `/v1/status/leader` (`""` or `"ip:port"`), or why there is none. */
  readonly leader: AgentAnswer;
  /** Its answer to `/v1/status/peers` (a JSON list of `ip:port`), or why there is none. */
  readonly peers: AgentAnswer;
  /**
   * How many of the last log lines the message quotes. Default 20.
   * @default 20
   */
  readonly quoteLines?: number;
}

/** `leader: 192.168.99.100:8300` / `no leader known` / why it could not be asked. */
export function describeLeader(answer: AgentAnswer): string {
  if ("error" in answer) return `leader: unknown (could not ask the agent: ${answer.error})`;
  const text = answer.text.trim();
  let leader: unknown;
  try {
    leader = JSON.parse(text);
  } catch {
    return `leader: unknown (the agent answered ${JSON.stringify(text.slice(0, 100))})`;
  }
  return typeof leader === "string" && leader !== "" ? `leader: ${leader}` : "leader: none known";
}

/** `peers seen: 2 (a, b)` / `peers seen: 0` / why it could not be asked. */
export function describePeers(answer: AgentAnswer): string {
  if ("error" in answer) return `peers seen: unknown (could not ask the agent: ${answer.error})`;
  let peers: unknown;
  try {
    peers = JSON.parse(answer.text.trim());
  } catch {
    return `peers seen: unknown (the agent answered ${JSON.stringify(answer.text.trim().slice(0, 100))})`;
  }
  if (!Array.isArray(peers))
    return `peers seen: unknown (the agent answered ${answer.text.trim()})`;
  return peers.length === 0
    ? "peers seen: 0 (it is in no Raft configuration)"
    : `peers seen: ${peers.length} (${peers.join(", ")})`;
}

/**
 * The one message for a server that did not become healthy: the cause (or that the log shows none
 * of the known ones), whether it knows a leader, how many peers it sees, then its last log lines.
 */
export function explainFailure(observation: FailureObservation): string {
  const lines = "lines" in observation.log ? observation.log.lines : [];
  const finding = classifyLogLines(lines);
  const head = finding
    ? `${observation.container} did not become healthy: ${finding.explanation}. The log says: ${finding.evidence}`
    : `${observation.container} did not become healthy, and its log shows none of the known causes (gossip key, TLS, ACL, port in use, unreachable join address).`;
  const quote = observation.quoteLines ?? 20;
  const tail =
    "lines" in observation.log
      ? [
          `Last ${Math.min(quote, lines.length)} log lines (all: ${observation.logCommand}):`,
          ...lines.slice(-quote).map((l) => `  ${l}`),
        ]
      : [`Its log could not be read (${observation.log.error}); run: ${observation.logCommand}`];
  return [
    head,
    `${describeLeader(observation.leader)}; ${describePeers(observation.peers)}.`,
    ...tail,
  ].join("\n");
}
