// Faults the three-host suite injects, as root on this machine, into the test hosts that
// `../shared/e2e/hosts.sh` makes (a network namespace with its own dockerd per host): a crashed
// agent, a host cut off the LAN, a host whose engine stops for good, and that engine started again.
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import { promisify } from "util";
import { FaultHost } from "../../testbed/environment";
import { docker } from "../../testbed/probes";

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Kills the `consul` process inside a container with SIGKILL: a crash, which the restart policy undoes. */
export async function killAgent(host: FaultHost, container: string): Promise<void> {
  await docker(host, "exec", container, "sh", "-c", "kill -9 $(pidof consul)");
}

/** Cuts the host off the LAN (`ip link set <link> down`): to the others it is gone. */
export async function cutLink(host: FaultHost): Promise<void> {
  await run("ip", ["link", "set", host.link, "down"]);
}

/** Puts the host back on the LAN (`ip link set <link> up`). */
export async function healLink(host: FaultHost): Promise<void> {
  await run("ip", ["link", "set", host.link, "up"]);
}

/** Whether the host's link is up (as `ip link show` flags it). */
export async function linkIsUp(host: FaultHost): Promise<boolean> {
  const { stdout } = await run("ip", ["-o", "link", "show", host.link]);
  return /[<,]UP[,>]/.test(stdout);
}

/** The pid of the host's Docker engine when it runs, else `undefined`. */
export function enginePid(host: FaultHost): number | undefined {
  const text = fs.existsSync(host.enginePidFile) ? fs.readFileSync(host.enginePidFile, "utf8") : "";
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Stops the host's Docker engine as a shutdown would (SIGTERM; it stops its containers first) and
 * resolves when the engine has exited. Throws when no engine runs, or it is still there after
 * `timeoutMs`.
 */
export async function stopEngine(host: FaultHost, timeoutMs = 60_000): Promise<void> {
  const pid = enginePid(host);
  if (pid === undefined) throw new Error(`${host.stack}: no engine runs (${host.enginePidFile})`);
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(250);
  }
  throw new Error(`${host.stack}: engine ${pid} still runs ${timeoutMs / 1000} s after SIGTERM`);
}

/**
 * Starts the host's Docker engine again exactly as `../shared/e2e/hosts.sh up` does for one host:
 * in the host's network namespace, with its own mount and UTS namespaces (hostname, /etc/hosts,
 * and /var/run/docker.sock bound to the engine's own socket), vfs storage under
 * `/var/lib/dc-<netns>`; output appended to `/var/log/dc-<netns>.log`. Resolves when the engine
 * answers and its socket is bound inside its mount namespace (registrator needs it); its
 * containers with a restart policy then start by themselves.
 */
export async function startEngine(host: FaultHost, timeoutMs = 60_000): Promise<void> {
  if (enginePid(host) !== undefined) throw new Error(`${host.stack}: its engine already runs`);
  const socket = /^unix:\/\/(\/.+)$/.exec(host.dockerHost)?.[1];
  if (!socket) {
    throw new Error(
      `${host.stack}: only an engine of this machine (unix://) can be started again, not ${host.dockerHost}`,
    );
  }
  const n = host.netns;
  const hostsFile = `/run/dc-${n}/hosts`;
  if (!fs.existsSync(hostsFile)) throw new Error(`${hostsFile} is missing: run hosts.sh up`);
  fs.rmSync(socket, { force: true });
  if (!fs.existsSync("/run/docker.sock")) fs.writeFileSync("/run/docker.sock", "");
  const log = fs.openSync(`/var/log/dc-${n}.log`, "a");
  const script =
    'n=$1; sock=$2; shift 2; echo "$n" > /proc/sys/kernel/hostname; ' +
    "mount --bind /run/dc-$n/hosts /etc/hosts; " +
    '( for _ in $(seq 240); do [ -S "$sock" ] && exec mount --bind "$sock" /run/docker.sock; sleep 0.25; done ) & ' +
    'exec dockerd "$@"';
  const child = spawn(
    "setsid",
    [
      "nsenter",
      `--net=/run/netns/${n}`,
      "unshare",
      "--mount",
      "--uts",
      "--propagation",
      "private",
      "sh",
      "-c",
      script,
      "sh",
      n,
      socket,
      "--storage-driver=vfs",
      "--data-root",
      `/var/lib/dc-${n}`,
      "--exec-root",
      `/run/dc-${n}/exec`,
      "--pidfile",
      host.enginePidFile,
      "-H",
      host.dockerHost,
    ],
    { detached: true, stdio: ["ignore", log, log] },
  );
  child.unref();
  fs.closeSync(log);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = enginePid(host);
    const answers = await docker(host, "info", "--format", "{{.ServerVersion}}").then(
      () => true,
      () => false,
    );
    const mounts = pid ? fs.readFileSync(`/proc/${pid}/mountinfo`, "utf8") : "";
    if (answers && mounts.includes(" /run/docker.sock ")) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `${host.stack}: the engine did not come back within ${timeoutMs / 1000} s ` +
          `(answers: ${answers}, socket bound: ${mounts.includes(" /run/docker.sock ")}); see /var/log/dc-${n}.log`,
      );
    }
    await sleep(500);
  }
}

/** Freezes a container's processes (`docker pause`): to the others its agent stops answering. */
export async function pauseContainer(host: FaultHost, container: string): Promise<void> {
  await docker(host, "pause", container);
}

/** Lets a paused container run again (`docker unpause`). */
export async function unpauseContainer(host: FaultHost, container: string): Promise<void> {
  await docker(host, "unpause", container);
}
