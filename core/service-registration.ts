/**
 * How a service container tells registrator what to register in Consul, and the prepared query
 * that finds it across datacenters. Pure data in, plain data out; no Pulumi.
 *
 * Registrator (gliderlabs, v7 and master alike, `bridge/util.go` `serviceMetaData`) reads
 * `SERVICE_<port>_<key>` labels and environment variables, where `<port>` is the container's
 * exposed port number only: the protocol is not part of the key, so a UDP port is keyed
 * `SERVICE_53_NAME` like a TCP one (registrator itself adds the `udp` tag and the `:udp` ID
 * suffix). A TCP and a UDP port with the same container port number therefore share one set of
 * labels.
 */
import { Protocol } from "./agent-ports";
import { Problem, error } from "./problems";
import { checkDatacenter, checkPort } from "./validators";

/** Consul check interval used when a {@link ServiceCheck} gives none (registrator's own default). */
export const DEFAULT_CHECK_INTERVAL = "10s";
/** Consul check timeout used when a {@link ServiceCheck} gives none. */
export const DEFAULT_CHECK_TIMEOUT = "5s";

/**
 * Kinds of health check: `http`, a GET on the service's registered address and port (healthy on
 * 2xx); `tcp`, a connect to it.
 */
export const CheckKind = { Http: "http", Tcp: "tcp" } as const;
/** One of {@link CheckKind}'s values. */
export type CheckKind = (typeof CheckKind)[keyof typeof CheckKind];

/** A Consul health check registrator attaches to one service port. */
export interface ServiceCheck {
  /** `http` or `tcp`. Required. */
  readonly kind: CheckKind;
  /** Request path of an `http` check, starting with `/`, e.g. `/_cluster/health`. Required for `http`, refused for `tcp`. */
  readonly path?: string;
  /**
   * Go duration between runs, e.g. `10s`. Default {@link DEFAULT_CHECK_INTERVAL}.
   * @default 10s
   */
  readonly interval?: string;
  /**
   * Go duration before a run counts as failed, e.g. `5s`. Default {@link DEFAULT_CHECK_TIMEOUT}.
   * @default 5s
   */
  readonly timeout?: string;
}

/** One port of a service container, published on the host and registered in Consul. */
export interface ServicePort {
  /** The port the process listens on inside the container. Required. */
  readonly internal: number;
  /**
   * The host port it is published on. Default: `internal` (published N:N, so the address
   * registered in Consul is the one the service itself knows).
   * @default internal
   */
  readonly external?: number;
  /**
   * Transport protocol. Default `tcp`.
   * @default tcp
   */
  readonly protocol?: Protocol;
  /** Consul service name, a DNS label (`<name>.service.consul`). Required. */
  readonly name: string;
  /**
   * Consul tags; none may be empty or contain a comma. Default: no tags.
   * @default no tags
   */
  readonly tags?: string[];
  /**
   * Health check; a UDP port cannot have one. Default: no check (always passing).
   * @default no check
   */
  readonly check?: ServiceCheck;
}

/** A Docker container label. */
export interface ContainerLabel {
  /** Label key. */
  readonly label: string;
  /** Label value. */
  readonly value: string;
}

/** The host port a {@link ServicePort} is published on (its `external`, else its `internal`). */
export function externalPort(port: ServicePort): number {
  return port.external ?? port.internal;
}

/** The protocol of a {@link ServicePort} (its `protocol`, else `tcp`). */
export function protocolOf(port: ServicePort): Protocol {
  return port.protocol ?? "tcp";
}

/** The registrator metadata of one port, unprefixed: `NAME`, `TAGS`, `CHECK_*`. */
function portMetadata(port: ServicePort): [string, string][] {
  const meta: [string, string][] = [["NAME", port.name]];
  if (port.tags && port.tags.length > 0) meta.push(["TAGS", port.tags.join(",")]);
  const check = port.check;
  if (check) {
    // An http check without a path is refused by checkServicePorts before any label is made.
    if (check.kind === "http") meta.push(["CHECK_HTTP", check.path ?? "/"]);
    else meta.push(["CHECK_TCP", "true"]);
    meta.push(["CHECK_INTERVAL", check.interval ?? DEFAULT_CHECK_INTERVAL]);
    meta.push(["CHECK_TIMEOUT", check.timeout ?? DEFAULT_CHECK_TIMEOUT]);
  }
  return meta;
}

/**
 * Registrator's per-port labels for every port: `SERVICE_<internal>_NAME`, `SERVICE_<internal>_TAGS`
 * (comma-joined, only with tags), `SERVICE_<internal>_CHECK_HTTP` (the path) or
 * `SERVICE_<internal>_CHECK_TCP=true`, `SERVICE_<internal>_CHECK_INTERVAL` and
 * `SERVICE_<internal>_CHECK_TIMEOUT` (only with a check). Keyed by the container port for UDP
 * ports too. Sorted by port, then key; a label two ports produce identically appears once (a
 * conflicting pair is reported by {@link checkServicePorts}).
 */
export function registratorLabels(ports: readonly ServicePort[]): ContainerLabel[] {
  const byKey = new Map<string, { port: number; key: string; value: string }>();
  for (const port of ports) {
    for (const [key, value] of portMetadata(port)) {
      const label = `SERVICE_${port.internal}_${key}`;
      if (!byKey.has(label)) byKey.set(label, { port: port.internal, key, value });
    }
  }
  return [...byKey.entries()]
    .sort(([, a], [, b]) => a.port - b.port || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(([label, { value }]) => ({ label, value }));
}

/** Whether `value` is a DNS label Consul serves as written: lowercase letters, digits, inner `-`. */
export function isDnsLabel(value: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value);
}

/**
 * Whether `value` is a positive Go duration (`time.ParseDuration`) with explicit units, e.g.
 * `10s`, `500ms`, `1m30s`.
 */
export function isPositiveGoDuration(value: string): boolean {
  return /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(value) && /[1-9]/.test(value);
}

function checkDuration(key: string, value: string | undefined): Problem[] {
  return value === undefined || isPositiveGoDuration(value)
    ? []
    : [
        error(
          key,
          `"${value}" is not a duration; give a positive Go duration such as 10s, 500ms or 1m.`,
        ),
      ];
}

function checkOnePort(port: ServicePort, field: (f: string) => string): Problem[] {
  const problems: Problem[] = [
    ...checkPort(field("internal"), port.internal),
    ...(port.external === undefined ? [] : checkPort(field("external"), port.external)),
  ];
  if (!isDnsLabel(port.name)) {
    problems.push(
      error(
        field("name"),
        `"${port.name}" is not a valid service name; use lowercase letters, digits and inner "-" only, at most 63 characters (it is the DNS label in <name>.service.consul).`,
      ),
    );
  }
  (port.tags ?? []).forEach((tag, t) => {
    if (tag === "" || tag.includes(",")) {
      problems.push(
        error(
          field(`tags[${t}]`),
          `"${tag}" is not a usable tag; tags must be non-empty and without "," (registrator splits its tag label on commas).`,
        ),
      );
    }
  });
  const check = port.check;
  if (check) {
    if (protocolOf(port) === "udp") {
      problems.push(
        error(
          field("check"),
          `a UDP port cannot have a ${check.kind} check (registrator runs it over TCP against the published port); drop the check or check a TCP port of the same service.`,
        ),
      );
    }
    if (check.kind === "http" && check.path === undefined) {
      problems.push(error(field("check.path"), 'is required for an HTTP check, e.g. "/health".'));
    } else if (check.kind === "http" && !(check.path ?? "").startsWith("/")) {
      problems.push(
        error(
          field("check.path"),
          `"${check.path}" is not an HTTP path; give a path starting with "/", e.g. /health.`,
        ),
      );
    } else if (check.kind === "tcp" && check.path !== undefined) {
      problems.push(
        error(field("check.path"), "is only for an HTTP check; drop it from the TCP check."),
      );
    } else if (check.kind !== "http" && check.kind !== "tcp") {
      problems.push(
        error(
          field("check.kind"),
          `"${String(check.kind)}" is not a check kind; give "http" or "tcp".`,
        ),
      );
    }
    problems.push(...checkDuration(field("check.interval"), check.interval));
    problems.push(...checkDuration(field("check.timeout"), check.timeout));
  }
  return problems;
}

/**
 * Problems with a TCP and a UDP port sharing container port number `port.internal`: registrator
 * applies the same `SERVICE_<port>_*` labels to both, so they must agree on name and tags, and the
 * TCP port's check also runs for the UDP service, over TCP on the UDP port's host port.
 */
function checkSharedContainerPort(
  first: ServicePort,
  firstIndex: number,
  port: ServicePort,
  index: number,
  keyOf: (field: string) => string,
): Problem[] {
  const why = `registrator keys SERVICE_${port.internal}_* labels by port number only, whatever the protocol`;
  const problems: Problem[] = [];
  if (first.name !== port.name || (first.tags ?? []).join(",") !== (port.tags ?? []).join(",")) {
    problems.push(
      error(
        keyOf(`ports[${index}]`),
        `container port ${port.internal} is also ports[${firstIndex}] with another name or tags; ${why}, so both must have the same name and tags.`,
      ),
    );
  }
  const tcp = protocolOf(first) === "tcp" ? first : port;
  if (tcp.check && externalPort(first) !== externalPort(port)) {
    problems.push(
      error(
        keyOf(`ports[${index}].external`),
        `container port ${port.internal} has a check (on its TCP port) and ${why}, so the UDP service gets the same check against its own host port; publish both on the same host port.`,
      ),
    );
  }
  return problems;
}

/**
 * Every problem with a service container's ports: no ports, a port outside 1..65535, a host
 * port+protocol published twice, a container port+protocol listed twice (registrator registers
 * only its first binding), a TCP and a UDP port sharing a container port number but not their
 * name and tags (or, with a check, not their host port), an invalid service name or tag, a malformed check duration, an HTTP check path not
 * starting with `/`, a check on a UDP port. `keyOf` names the offending field, e.g.
 * `keyOf("ports[1].name")`.
 */
export function checkServicePorts(
  ports: readonly ServicePort[],
  keyOf: (field: string) => string,
): Problem[] {
  if (ports.length === 0) {
    return [
      error(
        keyOf("ports"),
        "no ports: registrator registers only published ports; give at least one.",
      ),
    ];
  }
  const published = new Map<string, number>();
  const exposed = new Map<string, number>();
  const problems = ports.flatMap((port, i) => checkOnePort(port, (f) => keyOf(`ports[${i}].${f}`)));
  const byInternal = new Map<number, number>();
  ports.forEach((port, i) => {
    const protocol = protocolOf(port);
    const host = `${externalPort(port)}/${protocol}`;
    const first = published.get(host);
    if (first !== undefined) {
      problems.push(
        error(
          keyOf(`ports[${i}].external`),
          `host port ${host} is already published by ports[${first}]; a host port can be published once per protocol.`,
        ),
      );
    } else published.set(host, i);
    const container = `${port.internal}/${protocol}`;
    const firstExposed = exposed.get(container);
    if (firstExposed !== undefined) {
      problems.push(
        error(
          keyOf(`ports[${i}].internal`),
          `container port ${container} is already listed as ports[${firstExposed}]; registrator registers only the first host binding of a container port.`,
        ),
      );
      return;
    }
    exposed.set(container, i);
    const j = byInternal.get(port.internal);
    if (j === undefined) {
      byInternal.set(port.internal, i);
      return;
    }
    problems.push(...checkSharedContainerPort(ports[j], j, port, i, keyOf));
  });
  return problems;
}

/** Where a prepared query fails over when the local datacenter has no healthy instance. */
export interface PreparedQueryFailover {
  /**
   * Try this many other datacenters, nearest first by round-trip time. Default: not used.
   * @default not used
   */
  readonly nearestN?: number;
  /**
   * Try these datacenters, in this order (after the `nearestN` ones). Default: not used.
   * @default not used
   */
  readonly datacenters?: string[];
}

/** What a prepared query is made from. */
export interface PreparedQuerySpec {
  /** Query name, a DNS label: it answers `<name>.query.consul`. Required. */
  readonly name: string;
  /** The Consul service it looks up. Required. */
  readonly service: string;
  /** Failover; give `nearestN`, `datacenters` or both. Required. */
  readonly failover: PreparedQueryFailover;
}

/** The plain arguments of a `consul.PreparedQuery` (its property names). */
export interface PreparedQueryDefinition {
  /** Query name. */
  readonly name: string;
  /** Service looked up. */
  readonly service: string;
  /** Always `true`: only instances whose checks pass are returned. */
  readonly onlyPassing: true;
  /** Always `_agent`: results sorted by distance from the agent serving the request. */
  readonly near: "_agent";
  /** Failover, with only the fields that were given. */
  readonly failover: { readonly nearestN?: number; readonly datacenters?: string[] };
}

/** The `consul.PreparedQuery` arguments for `spec`: passing instances only, nearest first. */
export function preparedQueryDefinition(spec: PreparedQuerySpec): PreparedQueryDefinition {
  const { nearestN, datacenters } = spec.failover;
  return {
    name: spec.name,
    service: spec.service,
    onlyPassing: true,
    near: "_agent",
    failover: {
      ...(nearestN === undefined ? {} : { nearestN }),
      ...(datacenters === undefined ? {} : { datacenters: [...datacenters] }),
    },
  };
}

/**
 * Every problem with a prepared query: a name that is not a DNS label, a failover with neither
 * `nearestN` nor `datacenters`, a `nearestN` that is not a whole number >= 1, an empty
 * `datacenters` list or an invalid datacenter name in it. `keyOf` names the offending field,
 * e.g. `keyOf("failover.nearestN")`.
 */
export function checkPreparedQuery(
  spec: PreparedQuerySpec,
  keyOf: (field: string) => string,
): Problem[] {
  const problems: Problem[] = [];
  if (!isDnsLabel(spec.name)) {
    problems.push(
      error(
        keyOf("name"),
        `"${spec.name}" is not a valid query name; use lowercase letters, digits and inner "-" only, at most 63 characters (it is the DNS label in <name>.query.consul).`,
      ),
    );
  }
  const { nearestN, datacenters } = spec.failover;
  if (nearestN === undefined && datacenters === undefined) {
    problems.push(
      error(
        keyOf("failover"),
        "no failover target; give nearestN (how many other datacenters to try, nearest first), datacenters (which ones, in order) or both.",
      ),
    );
  }
  if (nearestN !== undefined && !(Number.isInteger(nearestN) && nearestN >= 1)) {
    problems.push(
      error(
        keyOf("failover.nearestN"),
        `${nearestN} is not a datacenter count; give a whole number of at least 1.`,
      ),
    );
  }
  if (datacenters !== undefined && datacenters.length === 0) {
    problems.push(
      error(
        keyOf("failover.datacenters"),
        "an empty list fails over nowhere; name at least one datacenter or leave datacenters out.",
      ),
    );
  }
  (datacenters ?? []).forEach((dc, i) =>
    problems.push(...checkDatacenter(keyOf(`failover.datacenters[${i}]`), dc)),
  );
  return problems;
}
