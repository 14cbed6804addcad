// npm run bench:up (not a test; needs the real suite's environment, see testbed/environment.ts):
// how long `pulumi up` of the node1 stack takes on an empty host, from the call until it returns
// with everything healthy, next to the floor: the same containers, configuration, ACL objects and
// prepared query started by a plain script (bench/floor.ts) against the same engine and agents.
// Rounds alternate which goes first; between runs everything is destroyed. Then (unless
// --replace-rounds 0) node2 joins and node1's servers are replaced by a logLevel change, timed.
// Prints every run, both medians and their ratio, and the critical path of the median runs from
// the engine's resource events.
import * as fs from "fs";
import { parseArgs } from "util";
import { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { readTestEnvironment, TestEnvironment } from "../testbed/environment";
import { ScratchProject, hostStack, scratchProject } from "../testbed/project";
import { PathStep, ResourceLinks, criticalPath, providerUrn, shortName } from "./critical-path";
import { DockerEngine } from "./docker-engine";
import { FloorRecipe, StateResource, cleanFloor, recipeOf, revealed, runFloor } from "./floor";

/** One timed `pulumi up`. */
interface PulumiRun {
  readonly ms: number;
  /** From the call until the engine's first resource step (CLI and program start). */
  readonly startupMs: number;
  readonly path: PathStep[];
  /** Resource steps, by operation. */
  readonly changes: Record<string, number>;
  /** The resources that were not left the same, with their step operations. */
  readonly changed: string[];
  /** When each server's agent logged that it knows a leader, ms since the call. */
  readonly leaderSeen: Record<string, number>;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The run whose time is the median (the lower middle one for an even count). */
function medianRun<T extends { ms: number }>(runs: readonly T[]): T {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The state's resources (secrets shown: the Automation API exports with --show-secrets). */
async function stateOf(stack: Stack): Promise<StateResource[]> {
  const deployment = (await stack.exportStack()).deployment as { resources?: StateResource[] };
  return revealed(deployment.resources ?? []) as StateResource[];
}

function linksOf(resources: readonly StateResource[]): ResourceLinks[] {
  return resources.map((r) => ({
    urn: r.urn,
    custom: r.custom === true,
    parent: r.parent,
    dependencies: r.dependencies ?? [],
    provider: r.provider ? providerUrn(r.provider) : undefined,
  }));
}

/** When each Consul server on the engine first logged a known leader, in epoch ms. */
async function leaderTimes(
  engine: DockerEngine,
  containers: string[],
): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  for (const name of containers) {
    const line = (await engine.logLines(name)).find((l) =>
      /New leader elected|cluster leadership acquired/.test(l),
    );
    if (line) times[name] = Date.parse(line.split(" ")[0]);
  }
  return times;
}

/** `up` of a stack, timed, with the engine's resource events collected. */
async function timedUp(
  stack: Stack,
  project: ScratchProject,
  engine: DockerEngine,
): Promise<{ run: PulumiRun; outputs: OutputMap }> {
  const spans = new Map<
    string,
    {
      urn: string;
      ops: string[];
      opStarts: number[];
      start: number;
      lastStart: number;
      end?: number;
    }
  >();
  let firstStep: number | undefined;
  const start = Date.now();
  const onEvent = (event: EngineEvent): void => {
    const now = Date.now() - start;
    const pre = event.resourcePreEvent?.metadata;
    const done = event.resOutputsEvent?.metadata;
    if (pre && pre.type !== "pulumi:pulumi:Stack") {
      firstStep ??= now;
      const span = spans.get(pre.urn) ?? {
        urn: pre.urn,
        ops: [],
        opStarts: [],
        start: now,
        lastStart: now,
      };
      span.ops.push(pre.op);
      span.opStarts.push(now);
      // The "replace" marker step is not the work itself.
      if (pre.op !== "replace") span.lastStart = now;
      spans.set(pre.urn, span);
    }
    if (done && done.type !== "pulumi:pulumi:Stack") {
      const span = spans.get(done.urn);
      if (span) {
        span.end = now;
        // Each step's own duration, next to its operation (a replacement is several steps).
        const at = span.ops.lastIndexOf(done.op);
        if (at >= 0 && done.op !== "same") {
          span.ops[at] = `${done.op} ${((now - span.opStarts[at]) / 1000).toFixed(1)} s`;
        }
      }
    }
  };
  const result = await stack.up({ onEvent, onOutput: (text) => project.log(text) });
  const ms = Date.now() - start;
  if (result.summary.result !== "succeeded") throw new Error(`up of ${stack.name} did not succeed`);
  const resources = await stateOf(stack);
  const servers = resources
    .filter((r) => r.type === "docker:index/container:Container" && r.inputs?.wait === true)
    .map((r) => String(r.inputs?.name));
  const leaders = await leaderTimes(engine, servers);
  const leaderSeen: Record<string, number> = {};
  for (const [name, at] of Object.entries(leaders)) {
    // A replaced container's log starts anew, so this is the new agent's leader.
    if (at >= start) leaderSeen[name] = at - start;
  }
  const changes: Record<string, number> = {};
  for (const [op, count] of Object.entries(result.summary.resourceChanges ?? {})) {
    if (op !== "same") changes[op] = count ?? 0;
  }
  const changed = [...spans.values()]
    .filter((span) => span.ops.some((op) => !op.startsWith("same")))
    .map((span) => `${shortName(span.urn)} (${span.ops.join(", ")})`);
  return {
    run: {
      ms,
      changed,
      startupMs: firstStep ?? 0,
      path: criticalPath(spans, linksOf(resources)),
      changes,
      leaderSeen,
    },
    outputs: result.outputs,
  };
}

function printPath(title: string, run: PulumiRun): void {
  console.log(`\n${title} (${seconds(run.ms)}; CLI and program start ${seconds(run.startupMs)}):`);
  console.log("   start     end    took    gap  resource (ops)");
  for (const step of run.path) {
    console.log(
      [step.start, step.end, step.end - step.start, step.gap]
        .map((ms) => (ms / 1000).toFixed(1).padStart(6))
        .join("  ") + `  ${shortName(step.urn)} (${step.ops.join(", ")})`,
    );
  }
  const leaders = Object.entries(run.leaderSeen)
    .map(([name, at]) => `${name} ${seconds(at)}`)
    .join(", ");
  if (leaders) console.log(`   agents logged a leader at: ${leaders}`);
  console.log(`   up returned at ${seconds(run.ms)}`);
}

/** Fails unless the engine has no container and no volume: the benchmark starts from empty. */
async function assertEmpty(engine: DockerEngine, what: string): Promise<void> {
  const left = [...(await engine.containerNames()), ...(await engine.volumeNames())];
  if (left.length > 0) {
    throw new Error(
      `bench:up needs an empty host: ${engine.dockerHost} has ${left.join(", ")} (${what}). Remove them first.`,
    );
  }
}

interface Options {
  readonly rounds: number;
  readonly replaceRounds: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: { rounds: { type: "string" }, "replace-rounds": { type: "string" } },
  });
  const count = (value: string | undefined, fallback: number, name: string): number => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: "${value}" is not a count`);
    return n;
  };
  const rounds = count(values.rounds, 3, "rounds");
  if (rounds < 1) throw new Error("--rounds: at least 1");
  return { rounds, replaceRounds: count(values["replace-rounds"], rounds, "replace-rounds") };
}

async function main(): Promise<void> {
  const options = readOptions();
  const env: TestEnvironment = readTestEnvironment();
  const [host1, host2] = env.hosts;
  const engine1 = new DockerEngine(host1.dockerHost);
  const engine2 = new DockerEngine(host2.dockerHost);
  await assertEmpty(engine1, "before the benchmark");
  if (options.replaceRounds > 0) await assertEmpty(engine2, "before the benchmark");
  const project = scratchProject();
  const node1 = await hostStack(project, env, host1);
  let node2: Stack | undefined;
  let recipe: FloorRecipe | undefined;
  let ok = false;
  const pulumiRuns: PulumiRun[] = [];
  const floorRuns: { ms: number; milestones: Record<string, number> }[] = [];
  const replaceRuns: PulumiRun[] = [];
  console.log(
    `bench:up on ${host1.stack} = ${host1.dockerHost} (${host1.ip}), ${options.rounds} round(s), Node ${process.version}`,
  );
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const pulumiFirst = round % 2 === 1;
      for (const which of pulumiFirst ? ["pulumi", "floor"] : ["floor", "pulumi"]) {
        await assertEmpty(engine1, `before the ${which} run of round ${round}`);
        if (which === "pulumi") {
          const { run, outputs } = await timedUp(node1, project, engine1);
          pulumiRuns.push(run);
          console.log(`round ${round}: pulumi up ${seconds(run.ms)}`);
          if (!recipe) {
            const plain: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(outputs)) plain[k] = v.value;
            recipe = await recipeOf(await stateOf(node1), plain);
          }
          // The servers carry delete hooks: Pulumi refuses a destroy that does not run the program.
          await node1.destroy({ runProgram: true, onOutput: (text) => project.log(text) });
        } else {
          if (!recipe) throw new Error("the floor needs a Pulumi deployment to copy first");
          const run = await runFloor(engine1, recipe).finally(() => cleanFloor(engine1, recipe!));
          floorRuns.push(run);
          console.log(`round ${round}: floor     ${seconds(run.ms)}`);
        }
      }
    }

    if (options.replaceRounds > 0) {
      // node1 and node2 up, then node1's servers replaced (logLevel debug ↔ info), node2 running.
      await node1.up({ onOutput: (text) => project.log(text) });
      node2 = await hostStack(project, env, host2);
      await node2.up({ onOutput: (text) => project.log(text) });
      for (let round = 1; round <= options.replaceRounds; round++) {
        const level = round % 2 === 1 ? "debug" : "info";
        await node1.setConfig("distributed-consul:logLevel", { value: level });
        const { run } = await timedUp(node1, project, engine1);
        replaceRuns.push(run);
        console.log(`replacement ${round} (logLevel ${level}): pulumi up ${seconds(run.ms)}`);
      }
    }

    const p = median(pulumiRuns.map((r) => r.ms));
    const f = median(floorRuns.map((r) => r.ms));
    // "start": from the call until the engine's first resource step (CLI and program start).
    console.log("\nrun      | pulumi up (start) | floor  | ratio");
    pulumiRuns.forEach((r, i) => {
      const floorMs = floorRuns[i]?.ms ?? NaN;
      console.log(
        `round ${i + 1}  | ${seconds(r.ms).padStart(6)} (${seconds(r.startupMs).padStart(6)}) | ${seconds(floorMs).padStart(6)} | ${(r.ms / floorMs).toFixed(2)}`,
      );
    });
    const s = median(pulumiRuns.map((r) => r.startupMs));
    console.log(
      `median   | ${seconds(p).padStart(6)} (${seconds(s).padStart(6)}) | ${seconds(f).padStart(6)} |`,
    );
    console.log(`ratio pulumi/floor (medians): ${(p / f).toFixed(2)}`);
    if (replaceRuns.length > 0) {
      const r = median(replaceRuns.map((x) => x.ms));
      console.log(
        `replacement of node1's servers (node2 running): median ${seconds(r)} = ${(r / f).toFixed(2)} x floor; runs ${replaceRuns.map((x) => `${seconds(x.ms)} (start ${seconds(x.startupMs)})`).join(", ")}; steps ${JSON.stringify(medianRun(replaceRuns).changes)}`,
      );
    }
    const floor = medianRun(floorRuns);
    console.log(`\nfloor milestones (median run, ${seconds(floor.ms)}):`);
    for (const [what, at] of Object.entries(floor.milestones).sort((a, b) => a[1] - b[1])) {
      console.log(`  ${(at / 1000).toFixed(1).padStart(6)}  ${what}`);
    }
    printPath("critical path of the median pulumi up", medianRun(pulumiRuns));
    if (replaceRuns.length > 0) {
      const replacement = medianRun(replaceRuns);
      printPath("critical path of the median replacement", replacement);
      console.log(`   changed: ${replacement.changed.join("; ")}`);
    }
    ok = true;
  } finally {
    // Leave the hosts empty, whatever happened.
    if (node2)
      await node2
        .destroy({ runProgram: true, onOutput: (text) => project.log(text) })
        .catch(() => undefined);
    await node1
      .destroy({ runProgram: true, onOutput: (text) => project.log(text) })
      .catch(() => undefined);
    if (recipe) await cleanFloor(engine1, recipe).catch(() => undefined);
    if (ok) project.remove();
    else if (fs.existsSync(project.logFile)) {
      console.error(`Pulumi's output is kept in ${project.logFile}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
