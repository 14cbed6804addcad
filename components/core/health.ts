/**
 * The container healthcheck of a Consul server: healthy only once the agent knows a Raft leader
 * and, for a server of a secondary datacenter, once the datacenters it depends on answer over
 * the WAN. `/v1/status/leader` answers `""` while there is none and `"<ip>:<port>"` once there is
 * one; with `?dc=<name>` the server forwards the question over WAN RPC. It needs no ACL token.
 * `curl` is part of the official image.
 */
export interface LeaderHealthcheck {
  /** Docker `HEALTHCHECK` test, `CMD-SHELL` form. */
  readonly tests: string[];
  /** Time between checks. */
  readonly interval: string;
  /** Time one check may take. */
  readonly timeout: string;
  /** Failures in a row before the container counts as unhealthy. */
  readonly retries: number;
  /** Grace period after start during which failures do not count. */
  readonly startPeriod: string;
}

/**
 * The leader healthcheck for an agent whose HTTP API listens on loopback at `httpPort`.
 * `remoteDatacenters` (default none) must each know a leader too, asked through this agent: a
 * secondary datacenter with ACLs resolves every token in the primary, so until the primary
 * answers over the WAN it refuses even the management token (`ACL not found` /
 * `primary-dc-down`), and whatever `pulumi up` creates through it next would fail.
 */
export function leaderHealthcheck(
  httpPort: number,
  remoteDatacenters: readonly string[] = [],
): LeaderHealthcheck {
  const leaderKnown = (query: string): string =>
    `curl -fsS 'http://127.0.0.1:${httpPort}/v1/status/leader${query}' | grep -q '"[^"]'`;
  return {
    tests: [
      "CMD-SHELL",
      [leaderKnown(""), ...remoteDatacenters.map((dc) => leaderKnown(`?dc=${dc}`))].join(" && "),
    ],
    interval: "5s",
    timeout: "3s",
    retries: 5,
    startPeriod: "10s",
  };
}
