import * as assert from "assert";
import { FAULT_KINDS, drawFaultPlan, seededRandom } from "./e2e/fault-plan";

describe("the fault-sequence step's plan (pure, seeded)", () => {
  const options = { servers: 3, totalMs: 5 * 60_000 };

  it("draws the same plan from the same seed, and another from another seed", () => {
    const a = drawFaultPlan(options, seededRandom(42));
    assert.deepStrictEqual(drawFaultPlan(options, seededRandom(42)), a);
    assert.notDeepStrictEqual(drawFaultPlan(options, seededRandom(43)), a);
  });

  it("meets every kind once first, whatever the seed and however short the run, with quiet times and holds in range", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const plan = drawFaultPlan(
        { ...options, totalMs: seed % 2 ? options.totalMs : 1 },
        seededRandom(seed),
      );
      assert.deepStrictEqual(
        plan
          .slice(0, FAULT_KINDS.length)
          .map((f) => f.kind)
          .sort(),
        [...FAULT_KINDS].sort(),
        `seed ${seed}`,
      );
      for (const f of plan) {
        assert.ok(f.quietMs >= 12_000 && f.quietMs <= 40_000, `seed ${seed}: quiet ${f.quietMs}`);
        const [min, max] =
          f.kind === "partition"
            ? [5000, 20_000]
            : f.kind === "pause"
              ? [5000, 10_000]
              : f.kind === "leader-partition"
                ? [15_000, 15_000]
                : [0, 0];
        assert.ok(f.holdMs >= min && f.holdMs <= max, `seed ${seed}: ${f.kind} ${f.holdMs}`);
        assert.ok(
          f.kind === "leader-partition"
            ? f.target === "leader"
            : typeof f.target === "number" && f.target >= 0 && f.target < 3,
          `seed ${seed}: ${f.kind} target ${String(f.target)}`,
        );
      }
    }
  });

  it("fits the faults into the time given, and a longer run draws more of them", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const plan = drawFaultPlan(options, seededRandom(seed));
      const planned = plan.reduce((t, f) => t + f.quietMs + f.holdMs + 15_000, 0);
      // Every kind comes once even when that round alone takes longer.
      assert.ok(
        planned <= options.totalMs || plan.length === FAULT_KINDS.length,
        `seed ${seed}: ${planned} ms planned`,
      );
      const longer = drawFaultPlan({ ...options, totalMs: 10 * 60_000 }, seededRandom(seed));
      assert.ok(longer.length > plan.length, `seed ${seed}: ${longer.length} vs ${plan.length}`);
    }
  });
});
