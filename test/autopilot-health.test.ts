import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  AutopilotHealthAnswer,
  autopilotVerdict,
  describeVerdict,
  goDurationMs,
  parseAutopilotHealth,
  raftCaughtUp,
} from "../operations/autopilot-health";

// A real answer of Consul 1.14.11 with three healthy servers (node1 the leader), taken on the test
// hosts; the unhealthy cases below are this answer with fields changed as Consul changes them.
const HEALTHY_TEXT = fs.readFileSync(
  path.join(__dirname, "fixtures", "consul-1.14-failures", "autopilot-healthy-3.json"),
  "utf8",
);

function changed(
  name: string,
  change: Partial<AutopilotHealthAnswer["Servers"][number]>,
  cluster: Partial<Omit<AutopilotHealthAnswer, "Servers">> = {},
): AutopilotHealthAnswer {
  const answer = parseAutopilotHealth(HEALTHY_TEXT);
  return {
    ...answer,
    ...cluster,
    Servers: answer.Servers.map((s) => (s.Name === name ? { ...s, ...change } : s)),
  };
}

describe("autopilot health verdict", () => {
  it("passes a real healthy answer: node a healthy voter, 3 voters, tolerance 1", () => {
    const verdict = autopilotVerdict(parseAutopilotHealth(HEALTHY_TEXT), {
      nodeName: "node2",
      minVoters: 3,
    });
    assert.deepStrictEqual(verdict, {
      ok: true,
      nodeHealthyVoter: true,
      allHealthy: true,
      failureTolerance: 1,
      voters: 3,
      servers: 3,
      leader: "node1",
      problems: [],
    });
    assert.strictEqual(
      describeVerdict(verdict),
      "healthy: 3 voter(s) of 3 server(s), leader node1, failure tolerance 1",
    );
  });

  it("fails while this node is not a voter yet, saying so", () => {
    const verdict = autopilotVerdict(changed("node3", { Voter: false }, { FailureTolerance: 0 }), {
      nodeName: "node3",
    });
    assert.strictEqual(verdict.ok, false);
    assert.strictEqual(verdict.nodeHealthyVoter, false);
    assert.deepStrictEqual(verdict.problems, ["node3 is not a voter yet."]);
  });

  it("fails when this node is missing from the Raft configuration", () => {
    const verdict = autopilotVerdict(parseAutopilotHealth(HEALTHY_TEXT), { nodeName: "node4" });
    assert.strictEqual(verdict.ok, false);
    assert.match(
      verdict.problems[0],
      /node4 is not in the Raft configuration \(servers: node1, node2, node3\)/,
    );
  });

  it("fails when another server is unhealthy, naming it and its serf status", () => {
    const verdict = autopilotVerdict(
      changed(
        "node3",
        { Healthy: false, SerfStatus: "failed" },
        { Healthy: false, FailureTolerance: 0 },
      ),
      { nodeName: "node1", minFailureTolerance: 1 },
    );
    assert.strictEqual(verdict.ok, false);
    assert.strictEqual(verdict.nodeHealthyVoter, true);
    assert.strictEqual(verdict.allHealthy, false);
    assert.deepStrictEqual(verdict.problems, [
      "node3 is unhealthy (serf status failed).",
      "failure tolerance 0, expected at least 1.",
    ]);
    assert.match(describeVerdict(verdict), /^not healthy: node3 is unhealthy/);
  });

  it("fails on autopilot's own unhealthy flag and on too few voters", () => {
    const verdict = autopilotVerdict(changed("node1", {}, { Healthy: false }), { minVoters: 5 });
    assert.deepStrictEqual(verdict.problems, [
      "autopilot reports the datacenter unhealthy.",
      "3 voter(s), expected at least 5.",
    ]);
  });

  it("refuses an answer that is not autopilot's, quoting it", () => {
    assert.throws(() => parseAutopilotHealth("ACL not found"), /not JSON: ACL not found/);
    assert.throws(() => parseAutopilotHealth('{"Healthy":true}'), /expected \{Healthy/);
  });
});

describe("Go durations as Consul prints them", () => {
  it("reads the forms autopilot's LastContact takes", () => {
    assert.strictEqual(goDurationMs("0s"), 0);
    assert.strictEqual(goDurationMs("22.67737ms"), 22.67737);
    assert.strictEqual(goDurationMs("440.5µs"), 0.4405);
    assert.strictEqual(goDurationMs("1.5s"), 1500);
    assert.strictEqual(goDurationMs("1m2.5s"), 62_500);
    assert.strictEqual(goDurationMs("-1ms"), -1);
  });

  it("refuses what is not a duration", () => {
    for (const text of ["", "ms", "12", "1.5 s", "1x", "s1"]) {
      assert.strictEqual(goDurationMs(text), undefined, text);
    }
  });
});

describe("Raft caught up, told apart from Serf's view", () => {
  const limits = { lastContactThresholdMs: 200, maxTrailingLogs: 250 };

  it("holds for every server of a real healthy answer, the leader included", () => {
    const answer = parseAutopilotHealth(HEALTHY_TEXT);
    for (const s of answer.Servers) assert.strictEqual(raftCaughtUp(answer, s.Name, limits), true);
  });

  it("holds for a server Serf still lists failed that Raft has back (seen after a partition)", () => {
    const answer = changed("node2", { SerfStatus: "failed", Healthy: false }, { Healthy: false });
    assert.strictEqual(raftCaughtUp(answer, "node2", limits), true);
    assert.strictEqual(autopilotVerdict(answer, { nodeName: "node2" }).nodeHealthyVoter, false);
  });

  it("fails while its last entry is of an older term than the leader's", () => {
    assert.strictEqual(raftCaughtUp(changed("node2", { LastTerm: 1 }), "node2", limits), false);
  });

  it("fails while it trails the leader by more than MaxTrailingLogs, and holds at exactly that", () => {
    const leaderIndex = parseAutopilotHealth(HEALTHY_TEXT).Servers.find(
      (s) => s.Leader,
    )!.LastIndex!;
    const behind = (n: number) => changed("node2", { LastIndex: leaderIndex - n });
    assert.strictEqual(raftCaughtUp(behind(251), "node2", limits), false);
    assert.strictEqual(raftCaughtUp(behind(250), "node2", limits), true);
  });

  it("fails while its last contact with the leader is at or over the threshold, or unreadable", () => {
    for (const LastContact of ["200ms", "1.32s", "", "-1ms"]) {
      assert.strictEqual(
        raftCaughtUp(changed("node2", { LastContact }), "node2", limits),
        false,
        LastContact,
      );
    }
    assert.strictEqual(
      raftCaughtUp(changed("node2", { LastContact: "199ms" }), "node2", limits),
      true,
    );
  });

  it("fails for a non-voter, an unknown node, and an answer without a leader", () => {
    assert.strictEqual(raftCaughtUp(changed("node2", { Voter: false }), "node2", limits), false);
    assert.strictEqual(raftCaughtUp(parseAutopilotHealth(HEALTHY_TEXT), "node9", limits), false);
    assert.strictEqual(raftCaughtUp(changed("node1", { Leader: false }), "node2", limits), false);
  });
});
