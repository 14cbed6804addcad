// The Docker engine a stack deploys to comes from its own config: what the environment says
// (DOCKER_HOST) is checked against it, never taken silently.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  DockerEngineInfo,
  LOCAL_DOCKER_HOST,
  checkDockerEngine,
  checkDockerHostEnv,
} from "../core/docker-host";
import { describeProblem } from "../core/problems";

/** A recorded `/info` answer of an engine (test/fixtures). */
function recordedInfo(file: string): DockerEngineInfo {
  const text = fs.readFileSync(path.join(__dirname, "fixtures", file), "utf8");
  return JSON.parse(text) as DockerEngineInfo;
}

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

describe("the Docker engine, by what its /info answer says", () => {
  it("refuses Docker Desktop, naming dockerHost, why, and what to use instead", () => {
    const problems = checkDockerEngine(recordedInfo("docker-desktop-info.json"), LOCAL_DOCKER_HOST);
    assert.deepStrictEqual(problems.map(describeProblem), [
      'distributed-consul:dockerHost: unix:///var/run/docker.sock is Docker Desktop (engine 27.4.0 "docker-desktop", operating system "Docker Desktop"), which is not supported: its engine runs in a VM, so the containers\' host networking binds inside that VM, where this host\'s address cannot be bound and other hosts cannot reach the agents. Use a Linux Docker host (a Linux machine or VM running Docker Engine) and point distributed-consul:dockerHost at it, e.g. `pulumi config set distributed-consul:dockerHost ssh://user@linux-vm`, with distributed-consul:hostAddress set to that host\'s address.',
    ]);
    assert.strictEqual(problems[0].severity, "error");
  });

  it("recognises Docker Desktop by its engine name alone too", () => {
    const problems = checkDockerEngine(
      { Name: "docker-desktop", OSType: "linux" },
      LOCAL_DOCKER_HOST,
    );
    assert.match(problems[0]?.message ?? "", /is Docker Desktop/);
  });

  it("accepts a Linux Docker Engine", () => {
    assert.deepStrictEqual(
      checkDockerEngine(recordedInfo("linux-engine-info.json"), "ssh://docker@192.168.99.100"),
      [],
    );
  });

  // Recorded answers of `docker info --format '{{json .}}'` (test/fixtures), in the shape Docker
  // documents for the engine's /info: rootless-docker-info.json is a Docker Engine 27.4 run by
  // dockerd-rootless.sh (its security options carry "name=rootless", as `docker info` lists
  // "rootless" under Security Options); rootless-podman-info.json is Podman 5's Docker-compatible
  // API run as a user (`podman system service`), whose /info fills Docker's fields and adds
  // "name=rootless" to SecurityOptions (containers/podman pkg/api/handlers/compat/info.go).
  it("refuses rootless Docker: its host networking is RootlessKit's namespace", () => {
    const rootless = "unix:///run/user/1000/docker.sock";
    const problems = checkDockerEngine(recordedInfo("rootless-docker-info.json"), rootless);
    assert.deepStrictEqual(problems.map(describeProblem), [
      "distributed-consul:dockerHost: unix:///run/user/1000/docker.sock is a rootless Docker engine (engine 27.4.0; its security options list \"name=rootless\"), which is not supported: it runs inside RootlessKit's network namespace, and the containers' host networking with it, where this host's address cannot be bound and other hosts cannot reach the agents. Run Docker Engine as root (its system service, socket unix:///var/run/docker.sock), or point distributed-consul:dockerHost at a rootful engine on another host, e.g. `pulumi config set distributed-consul:dockerHost ssh://user@linux-host`, with distributed-consul:hostAddress set to that host's address.",
    ]);
    assert.strictEqual(problems[0].severity, "error");
  });

  it("refuses rootless Podman: no port 53 and no Docker bridge for the containers' DNS", () => {
    const podman = "unix:///run/user/1000/podman/podman.sock";
    const problems = checkDockerEngine(recordedInfo("rootless-podman-info.json"), podman);
    assert.deepStrictEqual(problems.map(describeProblem), [
      'distributed-consul:dockerHost: unix:///run/user/1000/podman/podman.sock is rootless Podman (Podman 5.2.5; its security options list "name=rootless"), which is not supported: containers it starts as an unprivileged user cannot bind ports below 1024, where the internal agent serves DNS to containers (port 53), and it makes no Docker bridge on the host (distributed-consul:dockerBridgeAddress) for that DNS to listen on. Run Podman as root (`sudo systemctl enable --now podman.socket`) and set distributed-consul:dockerHost to its socket, unix:///run/podman/podman.sock, or point distributed-consul:dockerHost at a rootful engine on another host, e.g. `pulumi config set distributed-consul:dockerHost ssh://user@linux-host`, with distributed-consul:hostAddress set to that host\'s address.',
    ]);
  });

  it("accepts the same engines run as root", () => {
    for (const file of ["rootless-docker-info.json", "rootless-podman-info.json"]) {
      const info = recordedInfo(file);
      const rootful = {
        ...info,
        SecurityOptions: (info.SecurityOptions ?? []).filter((o) => o !== "name=rootless"),
      };
      assert.deepStrictEqual(checkDockerEngine(rootful, LOCAL_DOCKER_HOST), [], file);
    }
    // The option is recognised among others of one entry too, never by a substring.
    assert.strictEqual(
      checkDockerEngine({ SecurityOptions: ["name=seccomp,name=rootless"] }, LOCAL_DOCKER_HOST)
        .length,
      1,
    );
    assert.deepStrictEqual(
      checkDockerEngine({ SecurityOptions: ["name=notrootless"] }, LOCAL_DOCKER_HOST),
      [],
    );
  });

  it("refuses an engine running Windows containers", () => {
    const windows = {
      ...recordedInfo("linux-engine-info.json"),
      OSType: "windows",
      OperatingSystem: "Windows Server 2022 Datacenter",
    };
    assert.match(
      describeProblem(checkDockerEngine(windows, "tcp://win:2376")[0]),
      /^distributed-consul:dockerHost: tcp:\/\/win:2376 runs windows containers \(engine 27\.4\.0\); .* Use a Linux Docker host/,
    );
  });
});
