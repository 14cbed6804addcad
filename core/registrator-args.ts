import { DEFAULT_GLOBAL_PORTS } from "./agent-ports";
import { Problem, error } from "./problems";
import { checkIpv4, checkJoinAddress } from "./validators";

/**
 * Registrator image (gliderlabs). `v7` is the last release tag; it has neither `-explicit` nor the
 * `consul-tls://` scheme, which were added on master after it.
 */
export const DEFAULT_REGISTRATOR_IMAGE = "gliderlabs/registrator:v7";

/** How registrator deregisters a service when its container exits (`-deregister`). */
export const DeregisterMode = { Always: "always", OnSuccess: "on-success" } as const;
/** One of {@link DeregisterMode}'s values. */
export type DeregisterMode = (typeof DeregisterMode)[keyof typeof DeregisterMode];

/**
 * registrator's flags that every registrator of a host shares (a `ConsulHost` sets `-ip` and
 * `-internal` per registrator itself), typed. Each field maps to one command-line flag; an unset
 * field emits no flag, so registrator's own default applies.
 */
export interface RegistratorCommonFlags {
  /**
   * `-explicit`: register only containers that set `SERVICE_NAME` (or `SERVICE_<port>_NAME`).
   * Not in the `v7` image. Default `false`.
   * @default false
   */
  readonly explicit?: boolean;
  /**
   * `-resync`: seconds between full resynchronisations of all services; `0` is off. Default in a
   * `Registrator`: `DEFAULT_REGISTRATOR_OPTIONS` (core/defaults.ts) (unset on a bare command: registrator's `0`).
   * @default 60
   */
  readonly resyncSeconds?: number;
  /**
   * `-cleanup`: remove services this registrator registered (same hostname) whose container is
   * gone. Default in a `Registrator`: `DEFAULT_REGISTRATOR_OPTIONS` (core/defaults.ts) (unset on a bare command:
   * off).
   * @default true
   */
  readonly cleanup?: boolean;
  /**
   * `-deregister`: deregister a stopped container's services always, or only when it exited with
   * status 0. Default: registrator's `always`.
   * @default registrator's `always`
   */
  readonly deregister?: DeregisterMode;
  /**
   * `-ttl`: seconds a registered service lives without a refresh. Set together with
   * `ttlRefreshSeconds`, and greater than it. Default: unset (no expiry).
   * @default unset
   */
  readonly ttlSeconds?: number;
  /**
   * `-ttl-refresh`: seconds between TTL refreshes. Set together with `ttlSeconds`, and smaller
   * than it. Default: unset (no refresh).
   * @default unset
   */
  readonly ttlRefreshSeconds?: number;
  /**
   * `-tags`: tags added to every registered service, written comma-separated; no tag may be empty
   * or contain a comma. Default: unset (no extra tags); an empty list is the same as unset.
   * @default unset
   */
  readonly tags?: string[];
  /**
   * `-retry-attempts`: how often to retry reaching Consul at start-up; `-1` retries forever.
   * Default in a `Registrator`: `DEFAULT_REGISTRATOR_OPTIONS` (core/defaults.ts) (unset on a bare command:
   * registrator's `0`, no retry).
   * @default -1
   */
  readonly retryAttempts?: number;
  /**
   * `-retry-interval`: milliseconds between those retries; greater than 0. Default in a
   * `Registrator`: `DEFAULT_REGISTRATOR_OPTIONS` (core/defaults.ts) (registrator's own default too).
   * @default 2000
   */
  readonly retryIntervalMs?: number;
  /**
   * Talk to Consul over HTTPS (`consul-tls://` instead of `consul://`). Not in the `v7` image.
   * Default `false`.
   * @default false
   */
  readonly tls?: boolean;
}

/** registrator's flags, typed: the common ones and where a registration's address comes from. */
export interface RegistratorFlags extends RegistratorCommonFlags {
  /**
   * `-ip`: the address registered for ports published on the host (normally the host's address,
   * reachable from the other hosts). Default: unset (registrator uses the port binding's address).
   * @default unset
   */
  readonly hostIp?: string;
  /**
   * `-internal`: register the container's own address and exposed port instead of the host
   * address and published port. Contradicts `hostIp`. Default `false`.
   * @default false
   */
  readonly internal?: boolean;
}

/** registrator's flags and the registry it registers into: everything its command is built from. */
export interface RegistratorOptions extends RegistratorFlags {
  /** `host:port` of the Consul agent's HTTP API, e.g. `127.0.0.1:<its http port>`. Required. */
  readonly consulAddress: string;
}

/** Where the container expects the Docker socket: registrator's default `DOCKER_HOST`. */
export const REGISTRATOR_DOCKER_SOCKET = "/tmp/docker.sock";

/** The image tag, without registry, repository or digest (`gliderlabs/registrator:v7` → `v7`). */
function imageTag(image: string): string | undefined {
  const withoutDigest = image.split("@")[0] ?? "";
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  return colon < 0 ? undefined : lastPart.slice(colon + 1);
}

/** Whether the image is registrator's `v7` release, which lacks `-explicit` and `consul-tls`. */
export function isRegistratorV7(image: string): boolean {
  return imageTag(image) === "v7";
}

function checkWholeNumber(
  key: string,
  value: number | undefined,
  min: number,
  what: string,
): Problem[] {
  return value === undefined || (Number.isInteger(value) && value >= min)
    ? []
    : [error(key, `${value} is not valid; give ${what}.`)];
}

/**
 * An error unless `value` is `host:port` of a Consul HTTP API: an IPv4 address or DNS name, and a
 * port from 1 to 65535 (required: registrator would otherwise fall back to its own default).
 */
export function checkConsulAddress(key: string, value: string): Problem[] {
  return /:[0-9]+$/.test(value) && checkJoinAddress(key, value).length === 0
    ? []
    : [
        error(
          key,
          `"${value}" is not a Consul HTTP address; give host:port of the agent's HTTP API, e.g. 127.0.0.1:${DEFAULT_GLOBAL_PORTS.http}.`,
        ),
      ];
}

/**
 * Every problem with the options other than `consulAddress` (see {@link checkRegistratorOptions}),
 * for callers that only learn the address later.
 */
export function checkRegistratorFlags(
  options: RegistratorFlags,
  keyOf: (field: string) => string,
  image: string,
): Problem[] {
  const problems: Problem[] = [];
  const { hostIp, ttlSeconds: ttl, ttlRefreshSeconds: refresh } = options;
  if (hostIp !== undefined) problems.push(...checkIpv4(keyOf("hostIp"), hostIp));
  if (hostIp !== undefined && options.internal === true) {
    problems.push(
      error(
        keyOf("hostIp"),
        "hostIp contradicts internal: true (-internal registers container addresses and exposed ports, ignoring -ip); drop hostIp or set internal to false.",
      ),
    );
  }
  problems.push(
    ...checkWholeNumber(
      keyOf("resyncSeconds"),
      options.resyncSeconds,
      0,
      "whole seconds, 0 or more (0 = off)",
    ),
  );
  if (
    options.deregister !== undefined &&
    options.deregister !== "always" &&
    options.deregister !== "on-success"
  ) {
    problems.push(
      error(
        keyOf("deregister"),
        `"${String(options.deregister)}" is not a deregister mode; give "always" or "on-success".`,
      ),
    );
  }
  problems.push(...checkWholeNumber(keyOf("ttlSeconds"), ttl, 1, "whole seconds, 1 or more"));
  problems.push(
    ...checkWholeNumber(keyOf("ttlRefreshSeconds"), refresh, 1, "whole seconds, 1 or more"),
  );
  if (ttl !== undefined && refresh === undefined) {
    problems.push(
      error(
        keyOf("ttlSeconds"),
        "ttlSeconds needs ttlRefreshSeconds (registrator refuses -ttl without -ttl-refresh); set ttlRefreshSeconds below ttlSeconds, or drop ttlSeconds.",
      ),
    );
  }
  if (ttl === undefined && refresh !== undefined) {
    problems.push(
      error(
        keyOf("ttlRefreshSeconds"),
        "ttlRefreshSeconds needs ttlSeconds (registrator refuses -ttl-refresh without -ttl); set ttlSeconds above ttlRefreshSeconds, or drop ttlRefreshSeconds.",
      ),
    );
  }
  if (ttl !== undefined && refresh !== undefined && ttl <= refresh) {
    problems.push(
      error(
        keyOf("ttlSeconds"),
        `ttlSeconds (${ttl}) must be greater than ttlRefreshSeconds (${refresh}), or services expire between refreshes; raise ttlSeconds or lower ttlRefreshSeconds.`,
      ),
    );
  }
  (options.tags ?? []).forEach((tag, i) => {
    if (tag === "" || tag.includes(",")) {
      problems.push(
        error(
          keyOf(`tags[${i}]`),
          `"${tag}" is not a tag: tags are written comma-separated, so give a non-empty tag without a comma.`,
        ),
      );
    }
  });
  problems.push(
    ...checkWholeNumber(
      keyOf("retryAttempts"),
      options.retryAttempts,
      -1,
      "a whole number of attempts, 0 or more, or -1 to retry forever",
    ),
  );
  problems.push(
    ...checkWholeNumber(
      keyOf("retryIntervalMs"),
      options.retryIntervalMs,
      1,
      "whole milliseconds greater than 0 (registrator refuses -retry-interval <= 0)",
    ),
  );
  if (isRegistratorV7(image)) {
    const fix = `set the image to one built from registrator master (e.g. gliderlabs/registrator:master, pinned by digest) instead of ${image}`;
    if (options.explicit === true) {
      problems.push(
        error(
          keyOf("explicit"),
          `registrator v7 has no -explicit flag and would not start; ${fix}, or drop explicit.`,
        ),
      );
    }
    if (options.tls === true) {
      problems.push(
        error(keyOf("tls"), `registrator v7 has no consul-tls:// scheme; ${fix}, or drop tls.`),
      );
    }
  }
  return problems;
}

/**
 * Every problem with a registrator configuration for the given image, each tied to the key
 * `keyOf(field)` names and saying how to fix it. Registrator itself exits on the first; this
 * reports all of them before anything is deployed.
 */
export function checkRegistratorOptions(
  options: RegistratorOptions,
  keyOf: (field: string) => string,
  image: string,
): Problem[] {
  return [
    ...checkRegistratorFlags(options, keyOf, image),
    ...checkConsulAddress(keyOf("consulAddress"), options.consulAddress),
  ];
}

/** The registry URI registrator is given: `consul://host:port` or `consul-tls://host:port`. */
export function registryUri(options: Pick<RegistratorOptions, "consulAddress" | "tls">): string {
  return `${options.tls === true ? "consul-tls" : "consul"}://${options.consulAddress}`;
}

/**
 * registrator's argument list (the container command; the image's entrypoint is the binary).
 * Every option comes before the registry URI, which is last: registrator stops parsing flags at
 * the URI. Valued flags are written `-flag=value`; switches appear bare, only when `true`; unset
 * options emit nothing. The order is fixed. Assumes {@link checkRegistratorOptions} found no error.
 */
export function registratorCommand(options: RegistratorOptions): string[] {
  const args: string[] = [];
  const valued = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(`-${flag}=${value}`);
  };
  const onOff = (flag: string, value: boolean | undefined): void => {
    if (value === true) args.push(`-${flag}`);
  };
  valued("ip", options.hostIp);
  onOff("internal", options.internal);
  onOff("explicit", options.explicit);
  valued("resync", options.resyncSeconds);
  onOff("cleanup", options.cleanup);
  valued("deregister", options.deregister);
  valued("ttl", options.ttlSeconds);
  valued("ttl-refresh", options.ttlRefreshSeconds);
  valued("tags", options.tags && options.tags.length > 0 ? options.tags.join(",") : undefined);
  valued("retry-attempts", options.retryAttempts);
  valued("retry-interval", options.retryIntervalMs);
  return [...args, registryUri(options)];
}
