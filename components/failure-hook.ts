// The hook that explains a server container that did not become healthy: it reads the agent's log
// and asks it for its leader and peers (docker CLI against the host's engine), and logs one message,
// cause first (see core/failure-diagnosis), as an error of `pulumi up`.
import { execFile } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { AgentAnswer, FailureObservation, explainFailure } from "../core/failure-diagnosis";

/** What the hook needs to know of the container, resolved when the program runs. */
export interface FailureTarget {
  /** Docker engine URI (`unix://…`, `tcp://…`, `ssh://…`), as the docker provider's `host`. */
  readonly dockerHost: string;
  /** The container's name. */
  readonly containerName: string;
  /** The agent's plain-HTTP port on loopback. */
  readonly httpPort: number;
}

/** Arguments of {@link explainFailureHook}. */
export interface FailureHookArgs {
  /** The hook's name, unique within the program (e.g. `<component>-explain-failure`). */
  readonly name: string;
  /** The container to explain, an Output. */
  readonly target: pulumi.Input<FailureTarget>;
  /**
   * Log lines read (`docker logs --tail`). Default 40.
   * @default 40
   */
  readonly logLines?: number;
}

/** Runs the docker CLI; resolves with its output, or with why it failed. */
function docker(host: string, args: readonly string[]): Promise<AgentAnswer> {
  return new Promise((resolve) => {
    execFile(
      "docker",
      ["-H", host, ...args],
      { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
          resolve({
            error: missing
              ? "the docker CLI is not installed on this machine"
              : (stderr.trim() || error.message).split("\n")[0],
          });
        } else {
          // `docker logs` writes the agent's stdout and stderr to ours: both are the log.
          resolve({ text: stdout + stderr });
        }
      },
    );
  });
}

/** What the docker CLI shows of `target`: last log lines, leader and peers as the agent sees them. */
export async function observeFailedServer(
  target: FailureTarget,
  logLines = 40,
): Promise<FailureObservation> {
  const logArgs = ["logs", "--tail", String(logLines), target.containerName];
  const ask = (what: string) =>
    docker(target.dockerHost, [
      "exec",
      target.containerName,
      "curl",
      "-sS",
      "--max-time",
      "3",
      `http://127.0.0.1:${target.httpPort}/v1/status/${what}`,
    ]);
  const [log, leader, peers] = await Promise.all([
    docker(target.dockerHost, logArgs),
    ask("leader"),
    ask("peers"),
  ]);
  return {
    container: target.containerName,
    logCommand: `docker -H ${target.dockerHost} ${logArgs.join(" ")}`,
    log: "text" in log ? { lines: log.text.replace(/\n$/, "").split("\n") } : log,
    leader,
    peers,
  };
}

/**
 * A named `onError` hook for a server container: when its creation fails (typically "container
 * failed to be in healthy state"), it logs {@link explainFailure}'s message as an error of the
 * update, and does not retry. Other failed operations are left to the engine's own message.
 */
export function explainFailureHook(args: FailureHookArgs): pulumi.ErrorHook {
  let target: FailureTarget | undefined;
  pulumi.output(args.target).apply((t) => {
    target = t;
  });
  return new pulumi.ErrorHook(args.name, async (hook) => {
    if (hook.failedOperation !== "create" || target === undefined) return false;
    const observation = await observeFailedServer(target, args.logLines ?? 40);
    await pulumi.log.error(explainFailure(observation));
    return false;
  });
}
