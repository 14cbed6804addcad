// The Docker Engine API over HTTP, for the benchmark's plain script: the same calls the docker
// CLI makes (create, upload, start, remove), without starting a CLI process per call and without
// putting secrets on a command line.
import * as http from "http";

/** One answer of the Engine API. */
export interface EngineResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** Where an Engine API listens, from a `DOCKER_HOST`-style URI. */
type EngineEndpoint =
  { readonly socketPath: string } | { readonly host: string; readonly port: number };

function endpointOf(dockerHost: string): EngineEndpoint {
  const uri = new URL(dockerHost);
  if (uri.protocol === "unix:") return { socketPath: uri.pathname };
  if (uri.protocol === "tcp:") return { host: uri.hostname, port: Number(uri.port || 2375) };
  throw new Error(
    `bench:up talks to the Docker Engine API directly and cannot reach "${dockerHost}"; ` +
      "give E2E_NODE1_DOCKER_HOST as unix:///path/to/docker.sock or tcp://host:port.",
  );
}

/** The Engine API version every call names: Docker 20.10's, which every later engine serves. */
const API_VERSION = "v1.41";

/** A thin client of one Docker engine. */
export class DockerEngine {
  private readonly endpoint: EngineEndpoint;

  constructor(readonly dockerHost: string) {
    this.endpoint = endpointOf(dockerHost);
  }

  /** One request; `body` is sent as JSON unless it is a Buffer (then as a tar archive). */
  request(method: string, path: string, body?: unknown): Promise<EngineResponse> {
    const payload =
      body === undefined
        ? undefined
        : Buffer.isBuffer(body)
          ? body
          : Buffer.from(JSON.stringify(body), "utf8");
    const headers: http.OutgoingHttpHeaders = payload
      ? {
          "Content-Type": Buffer.isBuffer(body) ? "application/x-tar" : "application/json",
          "Content-Length": payload.length,
        }
      : {};
    return new Promise((resolve, reject) => {
      const request = http.request(
        { ...this.endpoint, method, path: `/${API_VERSION}${path}`, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }),
          );
        },
      );
      request.on("error", reject);
      request.end(payload);
    });
  }

  /** A request that must succeed (2xx); its body parsed as JSON when there is one. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    if (response.status < 200 || response.status > 299) {
      throw new Error(
        `${method} ${path} on ${this.dockerHost}: ${response.status} ${response.body.toString("utf8").trim()}`,
      );
    }
    const text = response.body.toString("utf8");
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /** Names of every container on the engine, running or not. */
  async containerNames(): Promise<string[]> {
    const list = await this.call<{ Names: string[] }[]>("GET", "/containers/json?all=1");
    return list.flatMap((c) => c.Names.map((n) => n.replace(/^\//, "")));
  }

  /** Names of every volume on the engine. */
  async volumeNames(): Promise<string[]> {
    const list = await this.call<{ Volumes: { Name: string }[] | null }>("GET", "/volumes");
    return (list.Volumes ?? []).map((v) => v.Name);
  }

  /** Removes a container (killed, not stopped) if it exists. */
  async removeContainer(name: string): Promise<void> {
    const response = await this.request(
      "DELETE",
      `/containers/${encodeURIComponent(name)}?force=1&v=1`,
    );
    if (response.status !== 404 && (response.status < 200 || response.status > 299)) {
      throw new Error(`removing ${name}: ${response.status} ${response.body.toString("utf8")}`);
    }
  }

  /** Removes a volume if it exists. */
  async removeVolume(name: string): Promise<void> {
    const response = await this.request("DELETE", `/volumes/${encodeURIComponent(name)}`);
    if (response.status !== 404 && (response.status < 200 || response.status > 299)) {
      throw new Error(`removing volume ${name}: ${response.status} ${response.body.toString()}`);
    }
  }

  /** A container's log lines with Docker's timestamps (RFC 3339, nanoseconds). */
  async logLines(name: string): Promise<string[]> {
    const response = await this.request(
      "GET",
      `/containers/${encodeURIComponent(name)}/logs?stdout=1&stderr=1&timestamps=1`,
    );
    if (response.status !== 200) return [];
    return demultiplex(response.body).split("\n").filter(Boolean);
  }
}

/**
 * The text of a log stream of a container without a TTY: frames of an 8-byte header (stream,
 * 3 zero bytes, big-endian length) and the payload.
 */
function demultiplex(stream: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= stream.length) {
    const length = stream.readUInt32BE(at + 4);
    parts.push(stream.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return Buffer.concat(parts).toString("utf8");
}

/** A tar archive (ustar) of regular files, as `PUT /containers/{id}/archive?path=/` takes it. */
export function tarOf(files: readonly { path: string; content: string; mode: number }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const name = file.path.replace(/^\//, "");
    if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
    const content = Buffer.from(file.content, "utf8");
    const header = Buffer.alloc(512);
    const octal = (value: number, width: number): string =>
      value.toString(8).padStart(width - 1, "0") + "\0";
    header.write(name, 0, "utf8");
    header.write(octal(file.mode, 8), 100);
    header.write(octal(0, 8), 108); // uid root
    header.write(octal(0, 8), 116); // gid root
    header.write(octal(content.length, 12), 124);
    header.write(octal(Math.floor(Date.now() / 1000), 12), 136);
    header.write("        ", 148); // checksum counted as spaces
    header.write("0", 156); // regular file
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
