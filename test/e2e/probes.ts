// How the real suite observes the deployment: Consul's HTTP API from this machine, and Docker on
// the test hosts (inspect, exec, and a throwaway container that resolves names through the host's
// Consul DNS). Every request goes to a test host's address.
import { execFile } from "child_process";
import { promisify } from "util";
import { TestEnvironment, TestHost } from "./environment";

const run = promisify(execFile);

/** Runs the docker CLI against a test host; resolves to its trimmed standard output. */
export async function docker(host: TestHost, ...args: string[]): Promise<string> {
  const { stdout } = await run("docker", ["-H", host.dockerHost, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/** GET of a Consul HTTP API path (`/v1/...`) at `host:port`; the parsed JSON body. */
export async function consulGet<T>(address: string, apiPath: string, token?: string): Promise<T> {
  const response = await fetch(`http://${address}${apiPath}`, {
    headers: token ? { "X-Consul-Token": token } : {},
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) {
    throw new Error(`GET ${address}${apiPath}: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as T;
}

/** PUT of a Consul HTTP API path with a text body; the parsed JSON answer. */
export async function consulPut<T>(address: string, apiPath: string, body: string): Promise<T> {
  const response = await fetch(`http://${address}${apiPath}`, {
    method: "PUT",
    body,
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) {
    throw new Error(`PUT ${address}${apiPath}: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as T;
}

/**
 * The IPv4 addresses a name resolves to from a fresh container on `host` whose only resolver is
 * the host's Consul DNS on the bridge address (as the service containers are configured); `[]`
 * when it does not resolve.
 */
export async function resolveFromContainer(
  env: TestEnvironment,
  host: TestHost,
  image: string,
  name: string,
): Promise<string[]> {
  try {
    const out = await docker(
      host,
      "run",
      "--rm",
      "--dns",
      env.bridgeAddress,
      "--entrypoint",
      "getent",
      image,
      "ahostsv4",
      name,
    );
    return [...new Set(out.split("\n").map((line) => line.split(/\s+/)[0]))]
      .filter((address) => address !== "")
      .sort();
  } catch (e) {
    // getent exits 2 when the name does not resolve.
    if ((e as { code?: number }).code === 2) return [];
    throw e;
  }
}

/**
 * Polls `probe` until `accept` holds for its result (or the time is up); resolves to the last
 * result, which the caller asserts on, so a timeout fails with what was last seen.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 60_000,
  intervalMs = 2_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      if (last === undefined) throw lastError;
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A Serf member as `/v1/agent/members` lists it. */
export interface Member {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  /** 1 is alive. */
  readonly Status: number;
  readonly Tags: Record<string, string>;
}

/** A `/v1/health/service/<name>` entry. */
export interface ServiceHealth {
  readonly Node: { readonly Node: string; readonly Address: string };
  readonly Service: { readonly ID: string; readonly Address: string; readonly Port: number };
  readonly Checks: readonly { readonly CheckID: string; readonly Status: string }[];
}
