/**
 * The container healthcheck of a Consul server: healthy only once the agent knows a Raft leader
 * and, for a server of a secondary datacenter, once the datacenters it depends on answer over
 * the WAN. `/v1/status/leader` answers `""` while there is none and `"<ip>:<port>"` once there is
 * one; with `?dc=<name>` the server forwards the question over WAN RPC. It needs no ACL token.
 * `curl` is part of the official image.
 *
 * It is also what `pulumi up` waits on (the docker provider's `wait` polls the container's health
 * every second), so it must notice a ready agent within about a second; and it runs for the
 * container's whole life, where a probe every second would cost each server about 75 ms of CPU a
 * second (measured on Docker 20.10: mostly `runc exec`). Docker 20.10 (API 1.41) has no
 * `start_interval` (the docker provider's client refuses it below API 1.44), so the probe adapts
 * itself: Docker runs it every {@link PROBE_INTERVAL_SECONDS} s, and while the previous probe
 * found the agent healthy (a mark file in the container) it first waits
 * {@link HealthcheckTiming.holdSeconds} s. So it probes every second until the agent is healthy,
 * and about every 15 s after (a third of the CPU of the former 5 s interval); a failure removes the mark, so the probe is back to every second at
 * once. {@link HEALTHY_MARK_FILE} is cleared at every container start (see `agent-start`).
 */
export interface LeaderHealthcheck {
  /** Docker `HEALTHCHECK` test, `CMD-SHELL` form. */
  readonly tests: string[];
  /** Time between checks (from the end of one to the start of the next). */
  readonly interval: string;
  /** Time one check may take: the hold included. */
  readonly timeout: string;
  /** Failures in a row before the container counts as unhealthy. */
  readonly retries: number;
  /** Grace period after start during which failures do not count. */
  readonly startPeriod: string;
}

/** Seconds Docker waits between two probes: how soon a starting agent's health is noticed. */
export const PROBE_INTERVAL_SECONDS = 1;

/** Where a probe notes that it found the agent healthy; in the container, cleared at each start. */
export const HEALTHY_MARK_FILE = "/tmp/consul-healthy";

/** Seconds one request of the probe may take (`curl --max-time`). */
const REQUEST_SECONDS = 2;

/** How the probe paces itself once the agent is healthy (see {@link LeaderHealthcheck}). */
export interface HealthcheckTiming {
  /**
   * Seconds a probe waits before asking, when the previous probe found the agent healthy.
   * Default 14 (a probe about every 15 s while healthy).
   * @default 14
   */
  readonly holdSeconds?: number;
  /**
   * The mark file of the previous probe's success. Default {@link HEALTHY_MARK_FILE}.
   * @default /tmp/consul-healthy
   */
  readonly markFile?: string;
}

/**
 * Failures in a row before unhealthy: about 20 s without a leader, once a failure has brought the
 * probe back to every second (before: 5 probes 5 s apart).
 */
const RETRIES = 20;

/** The environment variable that carries the token the healthcheck asks autopilot with. */
export const HEALTH_TOKEN_ENV = "DISTRIBUTED_CONSUL_HEALTH_TOKEN";

/**
 * Autopilot's view of one server, asked by the healthcheck of a server of a datacenter with
 * several servers: the server counts as healthy only once autopilot lists it (by node name) as
 * healthy and as a voter, so `pulumi up` of its host returns only when the cluster has it back
 * as a full member (a new server is a non-voter until it has been stable for autopilot's
 * `server_stabilization_time`, 10 s by default).
 */
export interface AutopilotMembership {
  /** The server's node name, as autopilot lists it. */
  readonly nodeName: string;
}

/**
 * The shell test that autopilot (`/v1/operator/autopilot/health`, `operator:read`) lists
 * `nodeName` as healthy and voting, asked with the token in {@link HEALTH_TOKEN_ENV} (anonymous
 * when it is unset). Each server is one flat JSON object; objects are split at `{` so that each
 * field is matched within the right server.
 */
export function autopilotVoterTest(httpPort: number, nodeName: string): string {
  const name = JSON.stringify(nodeName);
  return (
    `curl -fsS --max-time ${REQUEST_SECONDS} --header "X-Consul-Token: \${${HEALTH_TOKEN_ENV}:-}" ` +
    `'http://127.0.0.1:${httpPort}/v1/operator/autopilot/health' | tr '{' '\n' | ` +
    `grep -F '"Name":${name},' | grep -F '"Healthy":true' | grep -qF '"Voter":true'`
  );
}

/**
 * The leader healthcheck for an agent whose HTTP API listens on loopback at `httpPort`.
 * With `autopilot` (default none), autopilot must also list the server as a healthy voter (see
 * {@link AutopilotMembership}). `remoteDatacenters` (default none) must each know a leader too, asked through this agent: a
 * secondary datacenter with ACLs resolves every token in the primary, so until the primary
 * answers over the WAN it refuses even the management token (`ACL not found` /
 * `primary-dc-down`), and whatever `pulumi up` creates through it next would fail.
 */
export function leaderHealthcheck(
  httpPort: number,
  remoteDatacenters: readonly string[] = [],
  timing: HealthcheckTiming = {},
  autopilot?: AutopilotMembership,
): LeaderHealthcheck {
  const hold = timing.holdSeconds ?? 14;
  const mark = timing.markFile ?? HEALTHY_MARK_FILE;
  const leaderKnown = (query: string): string =>
    `curl -fsS --max-time ${REQUEST_SECONDS} 'http://127.0.0.1:${httpPort}/v1/status/leader${query}' | grep -q '"[^"]'`;
  const queries = ["", ...remoteDatacenters.map((dc) => `?dc=${dc}`)];
  const check = [
    ...queries.map(leaderKnown),
    ...(autopilot ? [autopilotVoterTest(httpPort, autopilot.nodeName)] : []),
  ].join(" && ");
  return {
    tests: [
      "CMD-SHELL",
      `if [ -e '${mark}' ]; then sleep ${hold}; fi; ` +
        `if ${check}; then touch '${mark}'; else rm -f '${mark}'; exit 1; fi`,
    ],
    interval: `${PROBE_INTERVAL_SECONDS}s`,
    // The hold and every request, with room to spare: a probe is never cut short by Docker.
    timeout: `${hold + REQUEST_SECONDS * (queries.length + (autopilot ? 1 : 0)) + 3}s`,
    retries: RETRIES,
    startPeriod: "10s",
  };
}
