// npm run test:e2e [-- mocha arguments, e.g. --grep "upgrade in place"]
// Runs the real suite as two lanes at once, on disjoint test hosts, so that it stays within its
// time budget as it grows: the day-two lane (test/e2e/day-two.e2e.ts: node1 to node3 as servers,
// node4 to node7 as client hosts) and the two-host lane (consumer, two-hosts and upgrade files,
// which use "node1" and "node2"), run on node8 and node9: their E2E_NODE1_* and E2E_NODE2_*
// variables are node8's and node9's. Without node8 and node9 (E2E_HOSTS below 9) the lanes run one
// after the other, on node1 and node2, and it says so. Each lane's output is prefixed with its
// name; the exit code is 1 when either lane failed, naming it.
import { spawn } from "node:child_process";

/** One mocha run: its name, its files and the environment it sees. */
interface Lane {
  readonly name: string;
  readonly files: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

const MOCHA_CONFIG = "test/e2e/mocharc.json";
const DAY_TWO = ["test/e2e/day-two.e2e.ts"];
const TWO_HOSTS = [
  "test/e2e/consumer.e2e.ts",
  "test/e2e/two-hosts.e2e.ts",
  "test/e2e/upgrade.e2e.ts",
];
/** The hosts the two-host lane runs on when they exist, standing in for its node1 and node2. */
const TWO_HOST_LANE_HOSTS: readonly [number, number] = [8, 9];

/** Host `from`'s variables under host `to`'s names (address, engine, link, pid file, namespace). */
export function hostAs(env: NodeJS.ProcessEnv, from: number, to: number): NodeJS.ProcessEnv {
  return {
    [`E2E_NODE${to}_DOCKER_HOST`]: env[`E2E_NODE${from}_DOCKER_HOST`],
    [`E2E_NODE${to}_IP`]: env[`E2E_NODE${from}_IP`],
    [`E2E_NODE${to}_LINK`]: env[`E2E_NODE${from}_LINK`] || `v-node${from}`,
    [`E2E_NODE${to}_ENGINE_PID`]:
      env[`E2E_NODE${from}_ENGINE_PID`] || `/run/dc-node${from}/docker.pid`,
    [`E2E_NODE${to}_NETNS`]: env[`E2E_NODE${from}_NETNS`] || `node${from}`,
  };
}

/** The lanes and whether they may run at once (both of the two-host lane's hosts are given). */
export function planLanes(env: NodeJS.ProcessEnv): { lanes: Lane[]; parallel: boolean } {
  const [a, b] = TWO_HOST_LANE_HOSTS;
  const parallel = [a, b].every((n) => env[`E2E_NODE${n}_DOCKER_HOST`] && env[`E2E_NODE${n}_IP`]);
  const twoHostEnv = parallel ? { ...env, ...hostAs(env, a, 1), ...hostAs(env, b, 2) } : env;
  return {
    lanes: [
      { name: "day-two", files: DAY_TWO, env },
      { name: "two-hosts", files: TWO_HOSTS, env: twoHostEnv },
    ],
    parallel,
  };
}

/** Runs one lane's mocha; resolves to its exit code. */
function run(lane: Lane, args: readonly string[]): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("npx", ["mocha", "--config", MOCHA_CONFIG, ...args, ...lane.files], {
      env: lane.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let pending = "";
    const write = (chunk: Buffer): void => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) console.log(`[${lane.name}] ${line}`);
    };
    child.stdout.on("data", write);
    child.stderr.on("data", write);
    child.on("close", (code) => {
      if (pending !== "") console.log(`[${lane.name}] ${pending}`);
      const minutes = ((Date.now() - started) / 60_000).toFixed(1);
      console.log(`[${lane.name}] exit ${code} after ${minutes} min`);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { lanes, parallel } = planLanes(process.env);
  const started = Date.now();
  let codes: number[];
  if (parallel) {
    const [a, b] = TWO_HOST_LANE_HOSTS;
    console.log(
      `real suite: the day-two lane on node1 to node7 and the two-host lane on node${a} and node${b}, at once`,
    );
    codes = await Promise.all(lanes.map((lane) => run(lane, args)));
  } else {
    console.log(
      `real suite: node${TWO_HOST_LANE_HOSTS.join(" and node")} are not given (E2E_HOSTS=9 ../shared/e2e/setup makes them), so the lanes run one after the other, which takes longer`,
    );
    codes = [];
    for (const lane of lanes) codes.push(await run(lane, args));
  }
  const failed = lanes.filter((_, i) => codes[i] !== 0).map((l) => l.name);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  if (failed.length > 0) {
    console.error(`real suite: failed in ${failed.join(" and ")} (${minutes} min)`);
    process.exit(1);
  }
  console.log(`real suite: both lanes passed in ${minutes} min`);
}

if (require.main === module) void main();
