import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  HEALTH_TOKEN_ENV,
  HEALTHY_MARK_FILE,
  PROBE_INTERVAL_SECONDS,
  leaderHealthcheck,
} from "../core/health";
import { agentStartScript } from "../core/agent-start";

const LEADER = '"192.168.99.100:8300"\n';

/** Seconds of a Go duration as Docker takes it (`1s`, `19s`). */
const secondsOf = (duration: string): number => {
  const match = /^(\d+)s$/.exec(duration);
  assert.ok(match, `not whole seconds: ${duration}`);
  return Number(match[1]);
};

describe("leader healthcheck", () => {
  let dir: string;
  let mark: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "health-"));
    mark = path.join(dir, "healthy");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs the check in a real shell, with `curl` replaced by a function that prints what Consul
   * would answer for each URL: `answers` maps a URL suffix to a body, others fail as `curl -f`
   * does on an error. Resolves to whether it passed and how long it took.
   */
  function probe(check: string, answers: Record<string, string>): { passed: boolean; ms: number } {
    const cases = Object.entries(answers)
      .map(([suffix, body]) => `*'${suffix}') printf '%s' '${body}' ;;`)
      .join(" ");
    const fakeCurl = `curl() { for url; do :; done; case "$url" in ${cases} *) return 22 ;; esac; }`;
    const start = Date.now();
    const result = spawnSync("sh", ["-c", `${fakeCurl}\n${check}`], { timeout: 10_000 });
    return { passed: result.status === 0, ms: Date.now() - start };
  }
  const passes = (check: string, answers: Record<string, string>): boolean => {
    fs.rmSync(mark, { force: true });
    return probe(check, answers).passed;
  };

  it("asks the local agent's HTTP port for the Raft leader, each request bounded", () => {
    const check = leaderHealthcheck(18500);
    assert.strictEqual(check.tests[0], "CMD-SHELL");
    assert.match(
      check.tests[1],
      / curl -fsS --max-time 2 'http:\/\/127\.0\.0\.1:18500\/v1\/status\/leader' \| /,
    );
  });

  it("passes on a leader address and fails on Consul's no-leader answer", () => {
    const check = leaderHealthcheck(8500, [], { markFile: mark }).tests[1];
    assert.strictEqual(passes(check, { "/v1/status/leader": LEADER }), true);
    assert.strictEqual(passes(check, { "/v1/status/leader": '""\n' }), false);
    assert.strictEqual(passes(check, { "/v1/status/leader": "" }), false);
    assert.strictEqual(passes(check, {}), false);
  });

  /** Autopilot's answer (`/v1/operator/autopilot/health`, Consul 1.14) for servers as given. */
  const autopilotHealth = (servers: { name: string; healthy: boolean; voter: boolean }[]): string =>
    JSON.stringify({
      Healthy: servers.every((s) => s.healthy),
      FailureTolerance: 0,
      Servers: servers.map((s, i) => ({
        ID: `id-${i}`,
        Name: s.name,
        Address: `192.168.99.${100 + i}:8300`,
        SerfStatus: "alive",
        Version: "1.14.11",
        Leader: i === 0,
        LastContact: "0s",
        LastTerm: 2,
        LastIndex: 40,
        Healthy: s.healthy,
        Voter: s.voter,
        StableSince: "2026-12-02T04:00:00Z",
      })),
    });

  it("for a server of several, also needs autopilot to list it as a healthy voter", () => {
    const check = leaderHealthcheck(8500, [], { markFile: mark }, { nodeName: "node1" }).tests[1];
    const leader = { "/v1/status/leader": LEADER };
    const withAutopilot = (servers: { name: string; healthy: boolean; voter: boolean }[]) =>
      passes(check, { ...leader, "/v1/operator/autopilot/health": autopilotHealth(servers) });
    const other = { name: "node2", healthy: true, voter: true };
    assert.strictEqual(withAutopilot([{ name: "node1", healthy: true, voter: true }, other]), true);
    // A new server is a non-voter until it has been stable for a while.
    assert.strictEqual(
      withAutopilot([{ name: "node1", healthy: true, voter: false }, other]),
      false,
    );
    assert.strictEqual(
      withAutopilot([{ name: "node1", healthy: false, voter: true }, other]),
      false,
    );
    // Another server's state is not this one's, even when its name starts the same.
    assert.strictEqual(
      withAutopilot([
        { name: "node10", healthy: true, voter: true },
        { name: "node1", healthy: true, voter: false },
      ]),
      false,
    );
    assert.strictEqual(withAutopilot([other]), false);
    // No autopilot answer (no leader, or the token may not read it): not healthy.
    assert.strictEqual(passes(check, leader), false);
  });

  it("asks autopilot with the token in its environment variable, never a token in the test", () => {
    const check = leaderHealthcheck(8500, [], {}, { nodeName: "node1" }).tests[1];
    assert.ok(check.includes(`"X-Consul-Token: \${${HEALTH_TOKEN_ENV}:-}"`), check);
    assert.ok(check.includes("'http://127.0.0.1:8500/v1/operator/autopilot/health'"), check);
    assert.ok(!leaderHealthcheck(8500).tests[1].includes("autopilot"));
  });

  it("for a secondary datacenter, also needs the primary's leader over the WAN", () => {
    const check = leaderHealthcheck(18500, ["dc1"], { markFile: mark }).tests[1];
    const local = { ":18500/v1/status/leader": LEADER };
    assert.strictEqual(passes(check, { ...local, "leader?dc=dc1": LEADER }), true);
    // Consul's answer while the primary is unreachable: an error (no path to datacenter).
    assert.strictEqual(passes(check, local), false);
    assert.strictEqual(passes(check, { ...local, "leader?dc=dc1": '""' }), false);
    assert.strictEqual(passes(check, { "leader?dc=dc1": LEADER }), false);
  });

  it("is probed every second, so a starting agent is seen healthy within about a second", () => {
    const check = leaderHealthcheck(8500);
    assert.strictEqual(check.interval, "1s");
    assert.strictEqual(PROBE_INTERVAL_SECONDS, 1);
    // Failures while the agent starts are not counted for 10 s, then about 20 s of them in a row
    // make it unhealthy.
    assert.strictEqual(check.startPeriod, "10s");
    assert.ok(check.retries * PROBE_INTERVAL_SECONDS >= 20, String(check.retries));
  });

  it("answers at once until the agent is healthy, then holds each probe, and at once again after a failure", () => {
    const check = leaderHealthcheck(8500, [], { markFile: mark, holdSeconds: 1 }).tests[1];
    const up = { "/v1/status/leader": LEADER };
    const noLeader = { "/v1/status/leader": '""' };
    const quick = (ms: number) => ms < 900;

    const starting = probe(check, noLeader);
    assert.deepStrictEqual([starting.passed, quick(starting.ms)], [false, true]);
    const first = probe(check, up);
    assert.deepStrictEqual([first.passed, quick(first.ms)], [true, true], "first success");
    assert.ok(fs.existsSync(mark), "a success leaves its mark");
    const steady = probe(check, up);
    assert.strictEqual(steady.passed, true);
    assert.ok(steady.ms >= 1000, `a probe of a healthy agent holds first (${steady.ms} ms)`);
    const lost = probe(check, noLeader);
    assert.strictEqual(lost.passed, false);
    assert.ok(!fs.existsSync(mark), "a failure removes the mark");
    const back = probe(check, up);
    assert.deepStrictEqual([back.passed, quick(back.ms)], [true, true], "after a failure");
  });

  it("by default holds 14 s (a probe about every 15 s while healthy), and Docker never cuts a probe short", () => {
    for (const remote of [[], ["dc1"], ["dc1", "dc2"]]) {
      const check = leaderHealthcheck(8500, remote);
      assert.match(check.tests[1], /then sleep 14; fi; /);
      assert.ok(check.tests[1].includes(`'${HEALTHY_MARK_FILE}'`));
      // The hold plus every request's --max-time fits in the timeout.
      const requests = 1 + remote.length;
      assert.ok(secondsOf(check.timeout) > 14 + 2 * requests, check.timeout);
    }
  });

  it("is cleared by every start of a server's container, so a restarted agent is probed every second again", () => {
    for (const tlsKey of [false, true]) {
      const lines = agentStartScript({ tlsKey }).split("\n");
      assert.strictEqual(lines[1], `rm -f '${HEALTHY_MARK_FILE}'`);
      assert.strictEqual(lines.at(-1), "exec docker-entrypoint.sh agent");
    }
  });
});
