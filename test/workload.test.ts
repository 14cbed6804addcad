// The real suite's workload client decides what "no write lost", "never leaderless" and "the
// longest gap" mean; these pin that arithmetic on made-up records, without a cluster.
import * as assert from "assert";
import {
  leaderlessWindows,
  AckedWrite,
  LeaderSample,
  WorkloadRecord,
  describeSummary,
  leaderlessSamples,
  longestGap,
  lostWrites,
  summarize,
} from "./e2e/workload";

const write = (key: string, value: string, at: number): AckedWrite => ({
  key,
  value,
  server: "192.168.99.100:8501",
  at,
});

describe("workload: longestGap", () => {
  it("is the longest stretch between two acknowledgements", () => {
    assert.deepStrictEqual(longestGap(0, 10_000, [1000, 1500, 4700, 5000, 7000, 9000, 9800]), {
      ms: 3200,
      from: 1500,
      to: 4700,
    });
  });

  it("sorts acknowledgements that arrive from several loops out of order", () => {
    assert.deepStrictEqual(longestGap(0, 6000, [5000, 1000, 3000, 2000, 4000]), {
      ms: 1000,
      from: 0,
      to: 1000,
    });
  });

  it("counts the start as a bound: no write acknowledged at first is a gap from the start", () => {
    assert.deepStrictEqual(longestGap(1000, 9000, [5000, 5500, 8000]), {
      ms: 4000,
      from: 1000,
      to: 5000,
    });
  });

  it("counts the stop as a bound: a cluster that never acknowledges again shows a gap until the stop", () => {
    assert.deepStrictEqual(longestGap(0, 20_000, [500, 1000, 1500]), {
      ms: 18_500,
      from: 1500,
      to: 20_000,
    });
  });

  it("is the whole run when nothing was acknowledged", () => {
    assert.deepStrictEqual(longestGap(100, 7100, []), { ms: 7000, from: 100, to: 7100 });
  });
});

describe("workload: leaderlessSamples", () => {
  const servers = ["10.0.0.1:8501", "10.0.0.2:8501", "10.0.0.3:8501"];
  const sample = (at: number, leaders: (string | null)[]): LeaderSample => ({ at, leaders });

  it("keeps the samples in which no server names a leader", () => {
    const samples = [
      sample(0, ["10.0.0.1:8300", "10.0.0.1:8300", "10.0.0.1:8300"]),
      sample(500, ["", "", ""]),
      sample(1000, [null, "", null]),
      sample(1500, [null, null, null]),
      sample(2000, [null, "", "10.0.0.3:8300"]),
    ];
    assert.deepStrictEqual(
      leaderlessSamples(samples, servers).map((s) => s.at),
      [500, 1000, 1500],
    );
  });

  it("counts a leader only when its own server names itself: a dead leader still named by followers is none", () => {
    const samples = [
      // node1's agent was killed: it does not answer, the followers still name it.
      sample(0, [null, "10.0.0.1:8300", "10.0.0.1:8300"]),
      // node1, cut off, still believes it leads; the others have not elected yet.
      sample(500, ["10.0.0.1:8300", "", ""]),
      // node1 names node2, which knows no leader yet.
      sample(1000, ["10.0.0.2:8300", "", null]),
      // node2 leads, and says so.
      sample(1500, [null, "10.0.0.2:8300", "10.0.0.2:8300"]),
    ];
    assert.deepStrictEqual(
      leaderlessSamples(samples, servers).map((s) => s.at),
      [0, 1000],
    );
  });

  it("takes the others' word for a leader at an address that is not sampled", () => {
    assert.deepStrictEqual(
      leaderlessSamples([sample(0, ["10.0.0.9:8300", null, ""])], servers),
      [],
    );
  });
});

describe("workload: lostWrites", () => {
  it("finds acknowledged writes missing from the read-back or holding another value", () => {
    const writes = [write("k/0-0", "a", 1), write("k/0-1", "b", 2), write("k/1-0", "c", 3)];
    const readBack = new Map([
      ["k/0-0", "a"],
      ["k/1-0", "changed"],
      ["k/2-0", "an unacknowledged write that went through"],
    ]);
    assert.deepStrictEqual(
      lostWrites(writes, readBack).map((w) => w.key),
      ["k/0-1", "k/1-0"],
    );
  });

  it("finds none when everything acknowledged is read back", () => {
    const writes = [write("k/0-0", "a", 1)];
    assert.deepStrictEqual(lostWrites(writes, new Map([["k/0-0", "a"]])), []);
  });
});

describe("workload: summarize", () => {
  it("gives the numbers a step asserts on, and a line that names them", () => {
    const record: WorkloadRecord = {
      startedAt: 1000,
      stoppedAt: 11_000,
      writes: [write("k/0-0", "a", 2000), write("k/0-1", "b", 6500), write("k/0-2", "c", 7000)],
      samples: [
        { at: 1500, leaders: ["10.0.0.1:8300", "10.0.0.1:8300"] },
        { at: 4000, leaders: ["", null] },
      ],
      servers: ["10.0.0.1:8501", "10.0.0.2:8501"],
      failedWrites: new Map([
        ["500 No cluster leader", 3],
        ["ECONNREFUSED", 1],
      ]),
      failedReads: 2,
      readMismatches: [],
    };
    const summary = summarize(
      record,
      new Map([
        ["k/0-0", "a"],
        ["k/0-1", "b"],
      ]),
    );
    assert.strictEqual(summary.durationMs, 10_000);
    assert.strictEqual(summary.acked, 3);
    assert.deepStrictEqual(summary.longestGap, { ms: 4500, from: 2000, to: 6500 });
    assert.strictEqual(summary.sampleCount, 2);
    assert.deepStrictEqual(
      summary.leaderless.map((s) => s.at),
      [4000],
    );
    assert.deepStrictEqual(
      summary.lost.map((w) => w.key),
      ["k/0-2"],
    );
    assert.strictEqual(
      describeSummary(summary, 1000),
      "3 writes acknowledged in 10.0 s; longest gap 4.5 s (t=1.0 s to t=5.5 s); 1 of 2 leader " +
        "samples leaderless; 1 lost; 0 consistent reads mismatched, 2 failed; writes not " +
        "acknowledged: 3× 500 No cluster leader; 1× ECONNREFUSED",
    );
  });

  it("groups leaderless samples into windows of consecutive samples", () => {
    const at = (ms: number) => ({ at: ms, leaders: ["", "", ""] });
    assert.deepStrictEqual(leaderlessWindows([], 500), []);
    assert.deepStrictEqual(
      leaderlessWindows([at(1000), at(1500), at(2000), at(9000), at(9700)], 500),
      [
        { from: 1000, to: 2000, samples: 3 },
        { from: 9000, to: 9700, samples: 2 },
      ],
    );
    // Out of order in, in order out; a gap of more than 1.5 intervals splits.
    assert.deepStrictEqual(leaderlessWindows([at(2000), at(1000)], 500), [
      { from: 1000, to: 1000, samples: 1 },
      { from: 2000, to: 2000, samples: 1 },
    ]);
  });
});
