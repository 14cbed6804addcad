// What `npm run forget` does with a global server that autopilot lists: autopilot keeps a dead
// server of the cluster as built (min_quorum), so a host lost for good is removed by the operator.
import { AutopilotHealthAnswer } from "./autopilot-health";

/** What to do about one node, decided from autopilot's answer. */
export type ForgetPlan =
  /** It is not in the Raft configuration: nothing to do. */
  | { readonly kind: "absent" }
  /** It is alive: removing it would only make it come back; refuse, saying what to do instead. */
  | { readonly kind: "alive"; readonly reason: string }
  /** Remove it from Raft by ID, then from the gossip pool. */
  | { readonly kind: "remove"; readonly id: string; readonly voters: number };

/** Decides what `npm run forget` does about `node`, given autopilot's health answer. */
export function forgetPlan(answer: AutopilotHealthAnswer, node: string): ForgetPlan {
  const server = answer.Servers.find((s) => s.Name === node);
  if (server === undefined) return { kind: "absent" };
  if (server.SerfStatus === "alive") {
    return {
      kind: "alive",
      reason: `${node} is alive (serf: alive, ${server.Healthy ? "healthy" : "not healthy yet"}): a host that is up is removed by destroying its stack (pulumi destroy --run-program: its server leaves), not forgotten.`,
    };
  }
  if (server.ID === undefined || server.ID === "") {
    throw new Error(
      `autopilot lists ${node} without a Raft ID; remove it by hand (consul operator raft remove-peer).`,
    );
  }
  return {
    kind: "remove",
    id: server.ID,
    voters: answer.Servers.filter((s) => s.Voter && s.Name !== node).length,
  };
}
