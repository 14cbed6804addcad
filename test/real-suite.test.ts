import * as assert from "assert";
import { hostAs, planLanes } from "../testbed/real-suite";

function hosts(n: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (let i = 1; i <= n; i++) {
    env[`E2E_NODE${i}_DOCKER_HOST`] = `unix:///run/dc-node${i}/docker.sock`;
    env[`E2E_NODE${i}_IP`] = `192.168.99.${99 + i}`;
  }
  return env;
}

describe("the real suite's lanes (npm run test:e2e)", () => {
  it("with nine hosts, runs the two-host lane at once on node8 and node9, as its node1 and node2", () => {
    const { lanes, parallel } = planLanes(hosts(9));
    assert.strictEqual(parallel, true);
    const [dayTwo, twoHosts] = lanes;
    assert.deepStrictEqual(dayTwo.files, ["test/e2e/day-two.e2e.ts"]);
    assert.strictEqual(dayTwo.env.E2E_NODE1_IP, "192.168.99.100");
    assert.strictEqual(twoHosts.env.E2E_NODE1_IP, "192.168.99.107");
    assert.strictEqual(twoHosts.env.E2E_NODE1_DOCKER_HOST, "unix:///run/dc-node8/docker.sock");
    assert.strictEqual(twoHosts.env.E2E_NODE1_NETNS, "node8");
    assert.strictEqual(twoHosts.env.E2E_NODE2_IP, "192.168.99.108");
    assert.strictEqual(twoHosts.env.E2E_NODE2_LINK, "v-node9");
    // The lanes share no host: the two-host lane's addresses are none of the day-two lane's.
    const dayTwoIps = Array.from({ length: 7 }, (_, i) => dayTwo.env[`E2E_NODE${i + 1}_IP`]);
    for (const n of [1, 2]) assert.ok(!dayTwoIps.includes(twoHosts.env[`E2E_NODE${n}_IP`]));
  });

  it("without node8 and node9, runs the lanes one after the other on the usual hosts", () => {
    const { lanes, parallel } = planLanes(hosts(7));
    assert.strictEqual(parallel, false);
    assert.strictEqual(lanes[1].env.E2E_NODE1_IP, "192.168.99.100");
  });

  it("keeps a host's own link, pid file and namespace when they are given", () => {
    const moved = hostAs({ ...hosts(9), E2E_NODE8_LINK: "eth8", E2E_NODE8_NETNS: "ns8" }, 8, 1);
    assert.strictEqual(moved.E2E_NODE1_LINK, "eth8");
    assert.strictEqual(moved.E2E_NODE1_NETNS, "ns8");
    assert.strictEqual(moved.E2E_NODE1_ENGINE_PID, "/run/dc-node8/docker.pid");
  });
});
