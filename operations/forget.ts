// npm run forget -- --node node3 [--via node1,node2]
// Removes a lost host's global server from the cluster: autopilot never removes a dead server of
// the cluster as built (min_quorum is the server count, so that a server back from a restart or a
// partition is a voter at once), so a host lost for good is removed by the operator. Asked through
// the first given (or other) stack's global server that answers: autopilot's answer must list the
// node as not alive; then its Raft peer is removed (operator:write) and its gossip membership
// pruned (force-leave), and the remaining voters are printed. A host that is up is refused: its
// stack is destroyed instead (its server then leaves by itself).
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { consulRequest } from "../components";
import { useStateBackend } from "./state-backend";
import { parseAutopilotHealth } from "./autopilot-health";
import { StackApi, askHealth, stackApi } from "./cluster-health";
import { forgetPlan } from "./forget-plan";
import { parseForgetArgs } from "./operator-args";

function fail(message: string): never {
  console.error(`forget: ${message}`);
  process.exit(1);
}

const say = (message: string): void => console.log(`forget: ${message}`);

/** A request that must answer 200. */
async function call(api: StackApi, method: string, pathAndQuery: string): Promise<string> {
  const answer = await consulRequest(api.endpoint, {
    method,
    path: pathAndQuery,
    timeoutMs: 30_000,
  });
  if (answer.status !== 200) {
    throw new Error(
      `${method} ${pathAndQuery} answered ${answer.status}: ${answer.body.trim().slice(0, 300)}`,
    );
  }
  return answer.body;
}

async function main(): Promise<void> {
  const parsed = parseForgetArgs(process.argv.slice(2));
  if ("problems" in parsed) fail(parsed.problems.join("\n        "));
  const { node } = parsed.args;
  // The deploy:* scripts' backend unless PULUMI_BACKEND_URL names another.
  useStateBackend(process.cwd());
  const workspace = await LocalWorkspace.create({ workDir: process.cwd() });
  const existing = (await workspace.listStacks()).map((s) => s.name).sort();
  const via = parsed.args.via ?? existing.filter((s) => s !== node);
  const unknown = via.filter((n) => !existing.includes(n));
  if (unknown.length > 0) {
    fail(
      `no stack ${unknown.join(", ")} in this project (stacks: ${existing.join(", ") || "none"}).`,
    );
  }
  // The first stack whose server answers autopilot's health (which needs a leader).
  let api: StackApi | undefined;
  let body = "";
  const tried: string[] = [];
  for (const name of via) {
    try {
      const candidate = stackApi(name, await (await Stack.select(name, workspace)).outputs());
      if (candidate.nodeName === node) continue;
      const answer = await consulRequest(candidate.endpoint, {
        method: "GET",
        path: "/v1/operator/autopilot/health",
        timeoutMs: 10_000,
      });
      if (answer.status === 200 || answer.status === 429) {
        api = candidate;
        body = answer.body;
        break;
      }
      tried.push(`${name}: ${answer.status} ${answer.body.trim().slice(0, 120)}`);
    } catch (e) {
      tried.push(`${name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  if (api === undefined) {
    fail(
      `no server answered with a leader (${tried.join("; ") || "no stack to ask"}). Without a quorum, see docs/day-two.md ("Losing a majority").`,
    );
  }
  const plan = forgetPlan(parseAutopilotHealth(body), node);
  switch (plan.kind) {
    case "absent":
      say(
        `${node} is not in ${api.datacenter}'s Raft configuration (asked ${api.stack}); nothing to do.`,
      );
      return;
    case "alive":
      fail(plan.reason);
  }
  say(`removing ${node} (Raft ID ${plan.id}) from ${api.datacenter}, asked through ${api.stack}.`);
  await call(api, "DELETE", `/v1/operator/raft/peer?id=${encodeURIComponent(plan.id)}`);
  // Pruned from the gossip pool too, so that no server keeps trying to reach it.
  await call(api, "PUT", `/v1/agent/force-leave/${encodeURIComponent(node)}?prune=1`);
  // Autopilot's answer lags the Raft configuration by its update interval: ask until it agrees.
  let verdict = await askHealth(api, {});
  for (let i = 0; i < 20 && verdict.servers > plan.voters; i++) {
    await new Promise((r) => setTimeout(r, 500));
    verdict = await askHealth(api, {});
  }
  say(
    `${node} removed: ${api.datacenter} has ${verdict.voters} voter(s), failure tolerance ${verdict.failureTolerance}. If the host comes back, it rejoins as a new non-voter and is promoted after autopilot's stabilization time.`,
  );
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
