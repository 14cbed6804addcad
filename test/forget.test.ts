import * as assert from "assert";
import { forgetPlan } from "../operations/forget-plan";
import { parseForgetArgs } from "../operations/operator-args";
import { AutopilotHealthAnswer, AutopilotServer } from "../operations/autopilot-health";

function server(name: string, serf: string, voter = true, id = `id-${name}`): AutopilotServer {
  return {
    ID: id,
    Name: name,
    Address: "x:8300",
    SerfStatus: serf,
    Leader: false,
    Healthy: serf === "alive",
    Voter: voter,
  };
}

function answer(...servers: AutopilotServer[]): AutopilotHealthAnswer {
  return { Healthy: servers.every((s) => s.Healthy), FailureTolerance: 0, Servers: servers };
}

describe("npm run forget (a host lost for good)", () => {
  it("parses --node and --via, and names what is missing or repeated", () => {
    assert.deepStrictEqual(parseForgetArgs(["--node", "node3"]), {
      args: { node: "node3", via: undefined },
    });
    assert.deepStrictEqual(parseForgetArgs(["--node=node3", "--via", "node2,node1"]), {
      args: { node: "node3", via: ["node2", "node1"] },
    });
    const missing = parseForgetArgs([]);
    assert.ok("problems" in missing);
    assert.match(missing.problems.join("\n"), /--node is required.*--node node3/);
    const twice = parseForgetArgs(["--node", "a", "--node", "b", "--via", "node1,node1"]);
    assert.ok("problems" in twice);
    assert.match(twice.problems.join("\n"), /--node is given 2 times/);
    assert.match(twice.problems.join("\n"), /--via names node1 more than once/);
  });

  it("removes a failed server by its Raft ID, counting the voters that remain", () => {
    const plan = forgetPlan(
      answer(server("node1", "alive"), server("node2", "alive"), server("node3", "failed")),
      "node3",
    );
    assert.deepStrictEqual(plan, { kind: "remove", id: "id-node3", voters: 2 });
  });

  it("refuses a server that is alive, saying to destroy its stack instead", () => {
    const plan = forgetPlan(answer(server("node1", "alive"), server("node3", "alive")), "node3");
    assert.strictEqual(plan.kind, "alive");
    assert.match("reason" in plan ? plan.reason : "", /destroying its stack.*--run-program/);
  });

  it("does nothing for a node that is not in the Raft configuration", () => {
    assert.deepStrictEqual(forgetPlan(answer(server("node1", "alive")), "node9"), {
      kind: "absent",
    });
  });
});
