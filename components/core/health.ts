/**
 * The container healthcheck of a Consul server: healthy only once the agent knows a Raft leader.
 * `/v1/status/leader` answers `""` while there is none and `"<ip>:<port>"` once there is one; it
 * needs no ACL token. `curl` is part of the official image.
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

/** The leader healthcheck for an agent whose HTTP API listens on loopback at `httpPort`. */
export function leaderHealthcheck(httpPort: number): LeaderHealthcheck {
  return {
    tests: [
      "CMD-SHELL",
      `curl -fsS http://127.0.0.1:${httpPort}/v1/status/leader | grep -q '"[^"]'`,
    ],
    interval: "5s",
    timeout: "3s",
    retries: 5,
    startPeriod: "10s",
  };
}
