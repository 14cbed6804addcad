// What this stack's Docker engine says of itself, asked at preview so that an engine the project
// cannot run on (Docker Desktop, a rootless engine) is refused before any resource, with a reason
// (checkDockerEngine).
import * as childProcess from "child_process";
import { DockerEngineInfo } from "../components";
import { isLocalDockerHost } from "./host-address";

/** How long the engine may take to answer before the check is skipped. */
export const ENGINE_INFO_TIMEOUT_MS = 1500;

/** What asking the engine gave: its answer, or why it was not asked or did not answer. */
export interface EngineAnswer {
  /** The engine's `/info` answer. */
  readonly info?: DockerEngineInfo;
  /** Why there is no answer, for a notice; `undefined` when the engine is not asked (remote). */
  readonly skipped?: string;
}

/**
 * The `/info` answer of the engine at `dockerHost`, through the docker CLI
 * (`docker info --format '{{json .}}'`, `DOCKER_HOST` set to `dockerHost`, `DOCKER_CONTEXT`
 * removed). Only a local engine (`unix://`) is asked, where Docker Desktop runs and the answer
 * takes milliseconds; a remote one (`ssh://`, `tcp://`) is not, since the CLI would reach it
 * without the stack's `dockerSshOpts` or TLS settings. Never throws: without a docker CLI, or
 * when the engine does not answer within {@link ENGINE_INFO_TIMEOUT_MS}, `skipped` says why (the
 * docker provider then reports an unreachable engine itself).
 */
export function askDockerEngine(dockerHost: string): EngineAnswer {
  if (!isLocalDockerHost(dockerHost)) return {};
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: dockerHost };
  delete env.DOCKER_CONTEXT;
  const notChecked =
    "whether it is Docker Desktop or a rootless engine, which are not supported, is not checked";
  let text: string;
  try {
    text = childProcess.execFileSync("docker", ["info", "--format", "{{json .}}"], {
      env,
      encoding: "utf8",
      timeout: ENGINE_INFO_TIMEOUT_MS,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const failure = e as { code?: string; stderr?: string | Buffer };
    const why =
      failure.code === "ENOENT"
        ? "there is no docker CLI on the PATH to ask it"
        : failure.code === "ETIMEDOUT"
          ? `it did not answer \`docker info\` within ${ENGINE_INFO_TIMEOUT_MS / 1000} s`
          : `\`docker info\` failed: ${
              String(failure.stderr ?? "")
                .trim()
                .split("\n")[0] || String(e)
            }`;
    return { skipped: `Docker engine ${dockerHost}: ${why}; ${notChecked}.` };
  }
  try {
    return { info: JSON.parse(text) as DockerEngineInfo };
  } catch {
    return {
      skipped: `Docker engine ${dockerHost}: \`docker info\` gave no JSON; ${notChecked}.`,
    };
  }
}
