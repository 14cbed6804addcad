// The Docker engine a stack deploys to comes from its own config: what the environment says
// (DOCKER_HOST) is checked against it, never taken silently.
import * as assert from "assert";
import { LOCAL_DOCKER_HOST, checkDockerHostEnv } from "../core/docker-host";
import { describeProblem } from "../core/problems";

const ROOTLESS = "unix:///run/user/1000/docker.sock";

describe("DOCKER_HOST in the environment", () => {
  it("stops preview when it names another engine and dockerHost is not set, saying how to pin it or unset it", () => {
    const found = checkDockerHostEnv(ROOTLESS, LOCAL_DOCKER_HOST);
    assert.deepStrictEqual(found.problems.map(describeProblem), [
      `distributed-consul:dockerHost: is not set, but DOCKER_HOST is "${ROOTLESS}" in the environment. A stack's Docker engine comes from its own config, never from the shell (another engine would replace every container), so this stack would deploy to unix:///var/run/docker.sock. To deploy to that engine, pin it in the stack's config: \`pulumi config set distributed-consul:dockerHost "$DOCKER_HOST"\`; to deploy to unix:///var/run/docker.sock, unset the variable: \`unset DOCKER_HOST\`.`,
    ]);
    assert.strictEqual(found.problems[0].severity, "error");
    assert.strictEqual(found.notice, undefined);
  });

  it("lets the stack's own dockerHost win, with a notice when DOCKER_HOST names another engine", () => {
    const found = checkDockerHostEnv(ROOTLESS, "ssh://docker@192.168.99.101");
    assert.deepStrictEqual(found.problems, []);
    assert.strictEqual(
      found.notice,
      `distributed-consul:dockerHost is ssh://docker@192.168.99.101: this stack deploys there; DOCKER_HOST ("${ROOTLESS}", in the environment) is not used.`,
    );
  });

  it("says nothing when DOCKER_HOST is unset, empty or the same engine as dockerHost", () => {
    for (const [env, configured] of [
      [undefined, LOCAL_DOCKER_HOST],
      ["", LOCAL_DOCKER_HOST],
      [LOCAL_DOCKER_HOST, LOCAL_DOCKER_HOST],
      [ROOTLESS, ROOTLESS],
    ] as const) {
      assert.deepStrictEqual(checkDockerHostEnv(env, configured), { problems: [] }, String(env));
    }
  });
});
