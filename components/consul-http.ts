// Requests to a Consul agent's HTTP API from the machine running Pulumi (the snapshot hook, the roll
// and restore scripts), with node's own http/https: the cluster's CA verifies the agent, the token
// travels in a header and is never part of a message.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { pipeline } from "node:stream/promises";

/** Where and how to reach one agent's API. */
export interface ConsulEndpoint {
  /** `https://host:port` (verified with {@link caCertificate}) or `http://host:port`. */
  readonly url: string;
  /**
   * CA certificate (PEM) that signed the agent's certificate, for `https://`. Default: none.
   * @default none
   */
  readonly caCertificate?: string;
  /**
   * ACL token, sent as `X-Consul-Token`. Default: none (anonymous).
   * @default none
   */
  readonly token?: string;
}

/** One request: method, path with query, and optionally a body to send or a file to fill. */
export interface ConsulRequest {
  /** `GET`, `PUT`, … */
  readonly method: string;
  /** Path and query, e.g. `/v1/snapshot?stale`. */
  readonly path: string;
  /**
   * A file whose content is the request body. Default: no body.
   * @default no body
   */
  readonly bodyFile?: string;
  /**
   * Write a 200 answer's body into this file (streamed) instead of returning it. Default: returned.
   * @default returned
   */
  readonly intoFile?: string;
  /**
   * Give up after this many milliseconds without progress. Default 30000.
   * @default 30000
   */
  readonly timeoutMs?: number;
}

/** An answer: status and (unless it went into a file) the body as text. */
export interface ConsulResponse {
  readonly status: number;
  /** The body, or `""` when a 200 answer was written to {@link ConsulRequest.intoFile}. */
  readonly body: string;
  /** The `X-Consul-Index` header, when present. */
  readonly index?: string;
}

/** Sends `request` to `endpoint`. Rejects on a network or TLS error, with the URL in the message. */
export function consulRequest(
  endpoint: ConsulEndpoint,
  request: ConsulRequest,
): Promise<ConsulResponse> {
  const url = new URL(request.path, endpoint.url);
  const secure = url.protocol === "https:";
  const headers: Record<string, string> = {};
  if (endpoint.token) headers["X-Consul-Token"] = endpoint.token;
  if (request.bodyFile) headers["Content-Length"] = String(fs.statSync(request.bodyFile).size);
  const options: https.RequestOptions = {
    method: request.method,
    headers,
    timeout: request.timeoutMs ?? 30_000,
    ...(secure ? { ca: endpoint.caCertificate } : {}),
  };
  return new Promise<ConsulResponse>((resolve, reject) => {
    const fail = (e: Error) =>
      reject(new Error(`${request.method} ${url.origin}${url.pathname}: ${e.message}`));
    const req = (secure ? https : http).request(url, options, (res) => {
      const status = res.statusCode ?? 0;
      const index = res.headers["x-consul-index"];
      const done = (body: string) =>
        resolve({ status, body, index: typeof index === "string" ? index : undefined });
      if (status === 200 && request.intoFile) {
        pipeline(res, fs.createWriteStream(request.intoFile, { mode: 0o600 })).then(
          () => done(""),
          fail,
        );
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", fail);
    if (request.bodyFile) {
      pipeline(fs.createReadStream(request.bodyFile), req).catch(fail);
    } else {
      req.end();
    }
  });
}
