// npm run roll -- --set consulImage=hashicorp/consul:<tag> [--set k=v ...] [--stacks node1,node2,node3]
//   [--health-timeout 180] [--client-batch 1]
// Rolls a change across the project's deployed stacks (the Pulumi project in the current directory;
// a destroyed stack, without resources, is skipped), one at a time: set the config, `pulumi up`
// (output prefixed with `[<stack>]`), then wait until autopilot, asked through that stack's global
// server, reports this server a healthy voter and every server healthy; a client host (config
// `role: client`) is no voter: it waits only until its own agent is alive in dc1 and the servers
// it reaches are healthy. Servers go first, one at a time; then the client hosts,
// `--client-batch` at a time (default 1). Stops with exit code 1 at the first stack that fails or
// is not healthy in time, so the others keep the servers they had. The cluster must be healthy
// before the first stack is touched.
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { useStateBackend } from "./state-backend";
import { prefixedLines } from "./prefixed-lines";
import { AutopilotVerdict, describeVerdict } from "./autopilot-health";
import { deployedStacks, leaderLast, parseRollArgs, rollGroups } from "./operator-args";
import {
  StackApi,
  askHealth,
  stackApi,
  waitForClientHealth,
  waitForHealth,
} from "./cluster-health";

function fail(message: string): never {
  console.error(`roll: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const parsed = parseRollArgs(process.argv.slice(2));
  if ("problems" in parsed) fail(parsed.problems.join("\n      "));
  const { changes, healthTimeoutSeconds, clientBatch } = parsed.args;
  // The deploy:* scripts' backend unless PULUMI_BACKEND_URL names another.
  useStateBackend(process.cwd());
  const workspace = await LocalWorkspace.create({ workDir: process.cwd() });
  const listing = await workspace.listStacks();
  const existing = listing.map((s) => s.name).sort();
  const { deployed, skipped } = deployedStacks(listing);
  if (parsed.args.stacks === undefined && skipped.length > 0) {
    console.log(
      `roll: not rolling ${skipped.join(", ")}: destroyed (no resources); --stacks names it to deploy it again.`,
    );
  }
  const given = parsed.args.stacks ?? deployed;
  const unknown = given.filter((n) => !existing.includes(n));
  if (unknown.length > 0) {
    fail(
      `no stack ${unknown.join(", ")} in this project (stacks: ${existing.join(", ") || "none"}).`,
    );
  }
  if (given.length === 0) fail("the project has no stacks to roll.");
  const apis = new Map<string, StackApi>();
  const clients = new Set<string>();
  for (const name of given) {
    const stack = await Stack.select(name, workspace);
    apis.set(name, stackApi(name, await stack.outputs()));
    const role = (await stack.getAllConfig())["distributed-consul:role"]?.value;
    if (role === "client") clients.add(name);
  }
  // The cluster must tolerate losing the first server before it is replaced.
  const before = await askHealth(apis.get(given[0]) as StackApi, {});
  console.log(`roll: before: ${describeVerdict(before)}`);
  if (!before.ok) fail(`the cluster is not healthy before the roll; nothing was changed.`);
  // The leader's host goes last among the servers: one leader election per roll. The client
  // hosts follow, in batches.
  const groups = rollGroups(
    leaderLast(given, (name) => apis.get(name)?.nodeName, before.leader),
    (name) => clients.has(name),
    clientBatch,
  );
  const names = groups.flat();
  const describe = changes.map((c) => `${c.key}=${c.value}`).join(", ") || "no config change";
  console.log(
    `roll: ${describe} across ${groups.map((g) => g.join("+")).join(", ")}, one group at a time (the leader's host last among the servers, then the client hosts).`,
  );

  /** Rolls one stack; resolves to what went wrong, or `undefined` when it is healthy. */
  const rollOne = async (name: string): Promise<string | undefined> => {
    const stack = await Stack.select(name, workspace);
    const started = Date.now();
    if (changes.length > 0) {
      await stack.setAllConfig(
        Object.fromEntries(changes.map((c) => [c.key, { value: c.value }])),
        true,
      );
    }
    console.log(`[${name}] up`);
    const out = prefixedLines(name);
    try {
      await stack.up({ onOutput: (chunk) => out.write(chunk) });
    } catch (e) {
      out.flush();
      return `up failed; ${(e as Error).message.split("\n").slice(-12).join("\n")}`;
    }
    out.flush();
    const api = stackApi(name, await stack.outputs());
    const onWait = (v: AutopilotVerdict, s: number) =>
      console.log(`[${name}] waiting (${Math.round(s)} s): ${describeVerdict(v)}`);
    const verdict = clients.has(name)
      ? await waitForClientHealth(api, healthTimeoutSeconds, onWait)
      : await waitForHealth(api, { nodeName: api.nodeName }, healthTimeoutSeconds, onWait);
    const took = ((Date.now() - started) / 1000).toFixed(0);
    if (!verdict.ok) return `${describeVerdict(verdict)} after ${healthTimeoutSeconds} s`;
    console.log(`[${name}] done in ${took} s: ${describeVerdict(verdict)}`);
    return undefined;
  };

  let done = 0;
  for (const group of groups) {
    const outcomes = await Promise.all(group.map(rollOne));
    done += group.length;
    const failedAt = group.findIndex((_, k) => outcomes[k] !== undefined);
    if (failedAt >= 0) {
      const rest = names.slice(done).join(", ") || "none";
      const [why, ...detail] = (outcomes[failedAt] ?? "").split("; ");
      fail(
        why === "up failed"
          ? `[${group[failedAt]}] up failed; stacks after it were not touched (${rest}). ${detail.join("; ")}`
          : `[${group[failedAt]}] ${outcomes[failedAt]}; stopped here, stacks after it were not touched (${rest}).`,
      );
    }
  }
  console.log(`roll: every stack rolled: ${names.join(", ")}.`);
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
