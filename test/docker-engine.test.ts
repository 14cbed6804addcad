// The program asks a local Docker engine what it is (program/docker-engine.ts), and never fails
// because the engine could not be asked.
import * as assert from "assert";
import { askDockerEngine } from "../program/docker-engine";
import { recordedEngineInfo, simulateDockerCli } from "./harness";

/** `askDockerEngine(dockerHost)` with the docker CLI answering `answer`. */
function ask(dockerHost: string, answer: string | Error | undefined) {
  const docker = simulateDockerCli(answer);
  const before = process.env.DOCKER_CONTEXT;
  process.env.DOCKER_CONTEXT = "elsewhere";
  try {
    return { answer: askDockerEngine(dockerHost), asked: docker.asked };
  } finally {
    docker.restore();
    if (before === undefined) delete process.env.DOCKER_CONTEXT;
    else process.env.DOCKER_CONTEXT = before;
  }
}

const LOCAL = "unix:///var/run/docker.sock";
const NOT_CHECKED =
  "whether it is Docker Desktop or a rootless engine, which are not supported, is not checked.";

describe("asking the stack's Docker engine what it is", () => {
  it("asks a local engine through DOCKER_HOST = dockerHost, without DOCKER_CONTEXT, and reads its answer", () => {
    const { answer, asked } = ask(LOCAL, recordedEngineInfo("docker-desktop-info.json"));
    assert.deepStrictEqual(asked, [`${LOCAL} info --format {{json .}}`]);
    assert.strictEqual(answer.info?.OperatingSystem, "Docker Desktop");
    assert.strictEqual(answer.skipped, undefined);
  });

  it("does not ask a remote engine (ssh://, tcp://)", () => {
    for (const host of ["ssh://docker@192.168.99.101", "tcp://192.168.99.101:2376"]) {
      const { answer, asked } = ask(host, recordedEngineInfo("linux-engine-info.json"));
      assert.deepStrictEqual([answer, asked], [{}, []], host);
    }
  });

  it("says why when it cannot ask: no docker CLI, an engine that is down or too slow, no JSON", () => {
    const down = Object.assign(new Error("Command failed: docker info"), {
      status: 1,
      stderr:
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
    });
    const slow = Object.assign(new Error("spawnSync docker ETIMEDOUT"), { code: "ETIMEDOUT" });
    assert.deepStrictEqual(
      [undefined, down, slow, "not json"].map((a) => ask(LOCAL, a).answer),
      [
        `there is no docker CLI on the PATH to ask it; ${NOT_CHECKED}`,
        `\`docker info\` failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?; ${NOT_CHECKED}`,
        `it did not answer \`docker info\` within 1.5 s; ${NOT_CHECKED}`,
        `\`docker info\` gave no JSON; ${NOT_CHECKED}`,
      ].map((why) => ({ skipped: `Docker engine ${LOCAL}: ${why}` })),
    );
  });
});
