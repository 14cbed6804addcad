// How the real suite observes the deployment: Consul's API from this machine (HTTPS verified with
// the deployment's CA, or plain HTTP where a deployment has no TLS), Consul's server RPC port,
// and Docker on the test hosts (inspect, exec, logs, and a throwaway container that resolves
// names through the host's Consul DNS). Every request goes to a test host's address.
import { execFile } from "child_process";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as tls from "tls";
import { promisify } from "util";
import { TestEnvironment, TestHost } from "./environment";

const run = promisify(execFile);
const REQUEST_TIMEOUT_MS = 5000;

/** Runs the docker CLI against a test host; resolves to its trimmed standard output. */
export async function docker(host: TestHost, ...args: string[]): Promise<string> {
  const { stdout } = await run("docker", ["-H", host.dockerHost, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/**
 * What a container wrote (standard output and error, one line per entry) since `sinceMs` (epoch
 * milliseconds, whole seconds as the Docker API takes them).
 */
export async function dockerLogs(
  host: TestHost,
  container: string,
  sinceMs: number,
): Promise<string[]> {
  const { stdout, stderr } = await run(
    "docker",
    // To the millisecond: whole seconds would take in lines of up to a second before `sinceMs`.
    ["-H", host.dockerHost, "logs", "--since", (sinceMs / 1000).toFixed(3), container],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return `${stdout}\n${stderr}`.split("\n").filter((line) => line.trim() !== "");
}

/** How a probe reaches a Consul agent's API. */
export interface ConsulAccess {
  /**
   * The CA certificate (PEM) that verifies the agent's certificate: the API is called over HTTPS.
   * Without it, plain HTTP (a deployment without TLS).
   */
  readonly ca?: string;
  /** ACL token, sent as `X-Consul-Token`; none: an anonymous request. */
  readonly token?: string;
}

/** Status and body of one API answer. */
export interface ConsulResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * One request to a Consul API path (`/v1/...`) at `host:port`, over HTTPS when `access.ca` is
 * given (the agent's certificate verified against it, for the host address it is called at).
 * Rejects only when there is no answer (refused, TLS failure, or none within `timeoutMs`).
 */
export function consulRequest(
  address: string,
  method: string,
  apiPath: string,
  access: ConsulAccess,
  body?: string,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<ConsulResponse> {
  const { hostname, port } = new URL(`http://${address}`);
  const options: https.RequestOptions = {
    host: hostname,
    port,
    method,
    path: apiPath,
    headers: access.token ? { "X-Consul-Token": access.token } : {},
    signal: AbortSignal.timeout(timeoutMs),
  };
  return new Promise((resolve, reject) => {
    const onResponse = (response: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    };
    const request = access.ca
      ? https.request({ ...options, ca: access.ca }, onResponse)
      : http.request(options, onResponse);
    request.on("error", reject);
    request.end(body);
  });
}

async function consulJson<T>(
  address: string,
  method: string,
  apiPath: string,
  access: ConsulAccess,
  body?: string,
): Promise<T> {
  const response = await consulRequest(address, method, apiPath, access, body);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${method} ${address}${apiPath}: ${response.status} ${response.body}`);
  }
  return JSON.parse(response.body) as T;
}

/** GET of a Consul API path at `host:port`; the parsed JSON body (throws unless 2xx). */
export function consulGet<T>(address: string, apiPath: string, access: ConsulAccess): Promise<T> {
  return consulJson<T>(address, "GET", apiPath, access);
}

/** PUT of a Consul API path with a text body; the parsed JSON answer (throws unless 2xx). */
export function consulPut<T>(
  address: string,
  apiPath: string,
  body: string,
  access: ConsulAccess,
): Promise<T> {
  return consulJson<T>(address, "PUT", apiPath, access, body);
}

/**
 * What a TCP connection to `host:port` meets: `"open"` when something accepts it, else the error
 * code (`ECONNREFUSED` when nothing listens there, `ETIMEDOUT` when nothing answers).
 */
export function tcpConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      socket.destroy();
      resolve("ETIMEDOUT");
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/**
 * Consul's first RPC byte that says "TLS follows" (`pool.RPCTLS` = 3; 4 is RPCMultiplexV2, which a
 * server with verify_incoming refuses as a non-TLS connection before any handshake).
 */
const RPC_TLS = 0x03;
/** The RPC byte, inside TLS, for a msgpack-RPC session with the server (pool.RPCConsul). */
const RPC_CONSUL = 0x00;

/** A msgpack string (fixstr: shorter than 32 bytes is all this needs). */
function msgpackString(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > 31) throw new Error(`msgpackString: "${value}" is too long`);
  return Buffer.concat([Buffer.from([0xa0 | bytes.length]), bytes]);
}

/**
 * The bytes of a `Status.Ping` call in Consul's msgpack-RPC: the request header (a map
 * `{ServiceMethod, Seq}`, as net/rpc's Request encodes) and the empty argument (an empty map).
 */
function statusPingRequest(): Buffer {
  return Buffer.concat([
    Buffer.from([0x82]),
    msgpackString("ServiceMethod"),
    msgpackString("Status.Ping"),
    msgpackString("Seq"),
    Buffer.from([0x00]),
    Buffer.from([0x80]),
  ]);
}

/** What became of an RPC call over TLS to a Consul server (see {@link rpcPing}). */
export type RpcOutcome =
  | { readonly answered: true; readonly protocol: string | null }
  | { readonly answered: false; readonly error: string; readonly handshake: boolean };

/**
 * Calls `Status.Ping` on a Consul server's RPC port as another agent would: TCP to `host:port`,
 * the RPC TLS byte, a TLS handshake that verifies the server's certificate against `ca` for
 * `servername` (e.g. `server.dc1.consul`), presenting `clientCertificate` when given, and then a
 * msgpack-RPC call. `answered` only when the server's reply to the call arrives, with no error;
 * otherwise the error (or close) that ended it, and whether the client saw the handshake complete
 * (with TLS 1.3 a client learns that its certificate was refused only at its first read).
 */
export function rpcPing(
  host: string,
  port: number,
  opts: {
    readonly ca: string;
    readonly servername: string;
    readonly clientCertificate?: {
      readonly certificatePem: string;
      readonly privateKeyPem: string;
    };
  },
): Promise<RpcOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let handshake = false;
    let received = Buffer.alloc(0);
    const finish = (outcome: RpcOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      raw.destroy();
      resolve(outcome);
    };
    const fail = (error: string): void => finish({ answered: false, error, handshake });
    const timer = setTimeout(() => fail("no answer within the timeout"), REQUEST_TIMEOUT_MS);
    const raw = net.connect({ host, port });
    raw.once("error", (e) => fail(`TCP: ${e.message}`));
    raw.once("connect", () => {
      raw.write(Buffer.from([RPC_TLS]));
      const secure = tls.connect({
        socket: raw,
        servername: opts.servername,
        ca: opts.ca,
        cert: opts.clientCertificate?.certificatePem,
        key: opts.clientCertificate?.privateKeyPem,
      });
      secure.once("secureConnect", () => {
        handshake = true;
        secure.write(Buffer.concat([Buffer.from([RPC_CONSUL]), statusPingRequest()]));
      });
      secure.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        // The reply header {ServiceMethod, Seq, Error} with an empty Error: the call went through.
        const text = received.toString("latin1");
        if (text.includes("Status.Ping") && text.includes("\xa5Error\xa0")) {
          finish({ answered: true, protocol: secure.getProtocol() });
        } else if (text.includes("\xa5Error")) {
          fail(`RPC error in reply: ${JSON.stringify(text)}`);
        }
      });
      secure.once("error", (e: NodeJS.ErrnoException) =>
        fail(`TLS: ${e.code ?? ""} ${e.message}`.trim()),
      );
      secure.once("close", () => fail("closed by the server without an answer"));
    });
  });
}

/**
 * The IPv4 addresses a name resolves to from a fresh container on `host` whose only resolver is
 * the host's Consul DNS on the bridge address (as the service containers are configured); `[]`
 * when it does not resolve.
 */
export async function resolveFromContainer(
  env: Pick<TestEnvironment, "bridgeAddress">,
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

/** One container as `docker inspect` shows it (the fields the suite reads). */
export interface ContainerInspect {
  readonly Name: string;
  readonly Config: { readonly Env: readonly string[] | null };
}

/** `docker inspect` of every container on `host` (running or not): parsed, and the raw JSON of each. */
export async function inspectAll(
  host: TestHost,
): Promise<{ name: string; inspect: ContainerInspect; json: string }[]> {
  const ids = (await docker(host, "ps", "-aq")).split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const all = JSON.parse(await docker(host, "inspect", ...ids)) as ContainerInspect[];
  return all.map((inspect) => ({
    name: inspect.Name.replace(/^\//, ""),
    inspect,
    json: JSON.stringify(inspect),
  }));
}

/** The value of `NAME=` in a container's environment, or `undefined`. */
export function envOf(inspect: ContainerInspect, name: string): string | undefined {
  const entry = (inspect.Config.Env ?? []).find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

/**
 * The lines of a PEM document's base64 body (without the BEGIN/END lines): what identifies a key
 * wherever it is copied, whatever line breaks or escaping surround it.
 */
export function pemBodyLines(pem: string): string[] {
  return pem
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("-----"));
}

/** One line of `consul members`. */
export interface CliMember {
  readonly name: string;
  readonly address: string;
  readonly status: string;
  readonly datacenter: string;
}

/**
 * `consul members` run on this machine against an agent's HTTPS API (`host:port`), the agent's
 * certificate verified with the CA file, as an operator runs it: the token, when given, only in
 * the environment (`CONSUL_HTTP_TOKEN`), never in the arguments; none of the caller's `CONSUL_*`
 * variables leak in.
 */
export async function consulMembers(
  address: string,
  caFile: string,
  token?: string,
): Promise<CliMember[]> {
  const cliEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("CONSUL_")),
  );
  const { stdout } = await run(
    "consul",
    ["members", `-http-addr=https://${address}`, `-ca-file=${caFile}`],
    {
      env: token ? { ...cliEnv, CONSUL_HTTP_TOKEN: token } : cliEnv,
      timeout: REQUEST_TIMEOUT_MS * 2,
    },
  );
  // Node  Address  Status  Type  Build  Protocol  DC  Partition  Segment
  return stdout
    .split("\n")
    .slice(1)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [name, memberAddress, status, , , , datacenter] = line.trim().split(/\s+/);
      return { name, address: memberAddress, status, datacenter };
    });
}
