import { LogLevel } from "../core/agent-config";
import { AgentPorts, DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import { DeregisterMode, RegistratorFlags } from "../core/registrator-args";
import {
  DEFAULT_SNAPSHOT_SETTINGS,
  SnapshotStackSettings,
  checkSnapshotsDir,
  checkSnapshotsKeep,
} from "../core/snapshot-files";
import { ServicePort } from "../core/service-registration";
import { Problem, error } from "../core/problems";
import { InterfaceAddress, resolveNodeIp } from "./host-address";
import {
  DEFAULT_REGISTRATOR_SETTINGS,
  DEFAULT_SERVICE_SETTINGS,
  LOG_LEVELS,
  PORT_NAMES,
  STACK_SETTINGS,
  SettingName,
  SettingsOfType,
  declaredDefault,
} from "./settings";

export { DEFAULT_REGISTRATOR_SETTINGS, DEFAULT_SERVICE_SETTINGS } from "./settings";

/** The project's config namespace. */
export const CONFIG_NAMESPACE = "distributed-consul";

/** The full name of a project config key, as `pulumi config` and error messages spell it. */
export function configKey(name: string): string {
  return `${CONFIG_NAMESPACE}:${name}`;
}

/** Reads one raw config value (objects and arrays as JSON text); `undefined` when unset. */
export type RawConfig = (name: string) => string | undefined;

/** The `registrator` config object: the options both of this host's registrators run with. */
export interface RegistratorSettings {
  /** registrator image, an exact tag. Default: {@link DEFAULT_REGISTRATOR_SETTINGS}. */
  readonly image: string;
  /** Also register container addresses into the internal datacenter (`-internal`). Default: {@link DEFAULT_REGISTRATOR_SETTINGS}. */
  readonly registerInternal: boolean;
  /** `-cleanup`: remove this host's dangling services. Default: {@link DEFAULT_REGISTRATOR_SETTINGS}. */
  readonly cleanup: boolean;
  /** `-resync` seconds; `0` is off. Default: {@link DEFAULT_REGISTRATOR_SETTINGS}. */
  readonly resyncSeconds: number;
  /** `-retry-attempts`; `-1` retries forever while the agent is not up yet. Default: {@link DEFAULT_REGISTRATOR_SETTINGS}. */
  readonly retryAttempts: number;
  /** `-retry-interval` in milliseconds. Default: {@link DEFAULT_REGISTRATOR_SETTINGS}. */
  readonly retryIntervalMs: number;
  /** `-deregister`. Default: registrator's `always`. */
  readonly deregister?: DeregisterMode;
  /** `-ttl` seconds (with `ttlRefreshSeconds`). Default: unset. */
  readonly ttlSeconds?: number;
  /** `-ttl-refresh` seconds (with `ttlSeconds`). Default: unset. */
  readonly ttlRefreshSeconds?: number;
  /** `-tags`. Default: unset. */
  readonly tags?: string[];
  /** `-explicit` (not in the v7 image). Default: unset. */
  readonly explicit?: boolean;
}

const SNAPSHOT_FIELDS: Record<keyof SnapshotStackSettings, FieldType> = {
  enabled: "boolean",
  dir: "string",
  keep: "number",
};

/** Splits {@link RegistratorSettings} into the image, the program-level switch and registrator's flags. */
export function splitRegistratorSettings(settings: RegistratorSettings): {
  image: string;
  registerInternal: boolean;
  options: RegistratorFlags;
} {
  const { image, registerInternal, ...options } = settings;
  return { image, registerInternal, options };
}

/**
 * The `service` config object: the service container every host runs (the original setup's
 * Elasticsearch by default), registered by both registrators and resolved through Consul DNS.
 */
export interface ServiceSettings {
  /** Run the service at all. Default: {@link DEFAULT_SERVICE_SETTINGS}. */
  readonly enabled: boolean;
  /** Image, an exact tag. Default: {@link DEFAULT_SERVICE_SETTINGS}. */
  readonly image: string;
  /** Environment, `NAME=value`. Default: {@link DEFAULT_SERVICE_SETTINGS}. */
  readonly envs: readonly string[];
  /** Ports, each published N:N on `nodeIp` with its Consul name and check. Default: {@link DEFAULT_SERVICE_SETTINGS}. */
  readonly ports: readonly ServicePort[];
  /** Command override. Default: the image's. */
  readonly command?: readonly string[];
  /** Memory limit in MB. Default: {@link DEFAULT_SERVICE_SETTINGS}. */
  readonly memoryMb?: number;
  /** Declare `<first port's name>.query.consul` with failover to the global datacenter. Default: {@link DEFAULT_SERVICE_SETTINGS}. */
  readonly preparedQuery: boolean;
}

type FieldType = "string" | "number" | "boolean" | "string[]" | "object[]";
const FIELD_TYPE_WORDS: Record<FieldType, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  "string[]": "a list of strings",
  "object[]": "a list of objects",
};
const REGISTRATOR_FIELDS: Record<keyof RegistratorSettings, FieldType> = {
  image: "string",
  registerInternal: "boolean",
  cleanup: "boolean",
  resyncSeconds: "number",
  retryAttempts: "number",
  retryIntervalMs: "number",
  deregister: "string",
  ttlSeconds: "number",
  ttlRefreshSeconds: "number",
  tags: "string[]",
  explicit: "boolean",
};

const SERVICE_FIELDS: Record<keyof ServiceSettings, FieldType> = {
  enabled: "boolean",
  image: "string",
  envs: "string[]",
  ports: "object[]",
  command: "string[]",
  memoryMb: "number",
  preparedQuery: "boolean",
};

/** Everything one stack (one host) is configured with, typed and defaulted. */
export interface StackSettings {
  /** `nodeName`: this host's node name. Required. */
  readonly nodeName: string;
  /**
   * `nodeIp`: this host's address, reachable from every other host. Default: declared in
   * {@link STACK_SETTINGS} (empty: with a local Docker engine, this machine's address, see
   * `resolveNodeIp`; required with a remote one).
   */
  readonly nodeIp: string;
  /** `bootstrap`: whether this host bootstraps the global datacenter. Default: declared in {@link STACK_SETTINGS}. */
  readonly bootstrap: boolean;
  /** `dockerHost`: the Docker daemon of this host. Default: declared in {@link STACK_SETTINGS}. */
  readonly dockerHost: string;
  /** `dockerSshOpts`: extra `ssh` options for an `ssh://` Docker host. Default: declared in {@link STACK_SETTINGS}. */
  readonly dockerSshOpts: readonly string[];
  /** `dockerBridgeAddress`: the Docker bridge gateway, where containers find Consul DNS. Default: declared in {@link STACK_SETTINGS}. */
  readonly dockerBridgeAddress: string;
  /** `dockerBridgeSubnet`: the Docker bridge subnet, never advertised. Default: declared in {@link STACK_SETTINGS}. */
  readonly dockerBridgeSubnet: string;
  /** `globalDatacenter`: the global datacenter. Default: declared in {@link STACK_SETTINGS}. */
  readonly globalDatacenter: string;
  /** `bootstrapExpect`: every global server waits for this many servers instead of one bootstrapping. Default: declared in {@link STACK_SETTINGS}. */
  readonly bootstrapExpect?: number;
  /** `serverCount`: how many global servers the cluster is built for (autopilot's min_quorum is its majority). Default: declared in {@link STACK_SETTINGS} (unset: bootstrapExpect, else 3). */
  readonly serverCount?: number;
  /** `joinAddresses`: explicit LAN join addresses; when given (non-empty) they win over the bootstrap stack's outputs. Default: declared in {@link STACK_SETTINGS}. */
  readonly joinAddresses?: readonly string[];
  /** `internalDatacenter`: this host's own datacenter (e.g. `vm1`). Required. */
  readonly internalDatacenter: string;
  /** `internalPorts`: port overrides of the internal datacenter server. Default: declared in {@link STACK_SETTINGS}. */
  readonly internalPorts: Partial<AgentPorts>;
  /** `wanJoinAddresses`: explicit WAN addresses of global servers on other hosts; when given (non-empty) they win over the bootstrap stack's outputs. Default: declared in {@link STACK_SETTINGS}. */
  readonly wanJoinAddresses?: readonly string[];
  /** `bootstrapStack`: the stack whose outputs a joining stack reads; `""` for none. Default: declared in {@link STACK_SETTINGS}. */
  readonly bootstrapStack: string;
  /** `consulImage`: the Consul image. Default: declared in {@link STACK_SETTINGS}. */
  readonly consulImage: string;
  /** `globalPorts`: port overrides of the global server. Default: declared in {@link STACK_SETTINGS}. */
  readonly globalPorts: Partial<AgentPorts>;
  /** `recursors`: upstream DNS servers. Default: declared in {@link STACK_SETTINGS}. */
  readonly recursors: readonly string[];
  /** `ui`: serve the Consul web UI. Default: declared in {@link STACK_SETTINGS}. */
  readonly ui: boolean;
  /** `logLevel`: Consul log level. Default: declared in {@link STACK_SETTINGS}. */
  readonly logLevel: LogLevel;
  /** `registrator`: registrator options for both registrators. Default: declared in {@link STACK_SETTINGS}. */
  readonly registrator: RegistratorSettings;
  /** `waitTimeoutSeconds`: how long up waits for each server to be healthy. Default: declared in {@link STACK_SETTINGS}. */
  readonly waitTimeoutSeconds: number;
  /** `snapshots`: Raft snapshots before a dc1 server is replaced or destroyed. Default: declared in {@link STACK_SETTINGS}. */
  readonly snapshots: SnapshotStackSettings;
  /** `service`: the service container of every host. Default: declared in {@link STACK_SETTINGS}. */
  readonly service: ServiceSettings;
  /** `aclEnabled`: enforce ACLs (default deny) with least-privilege tokens; a management token shared by all stacks. Default: declared in {@link STACK_SETTINGS}. */
  readonly aclEnabled: boolean;
  /** `keepDataOnDestroy`: keep both servers' data volumes on `pulumi destroy`. Default: declared in {@link STACK_SETTINGS}. */
  readonly keepDataOnDestroy: boolean;
}

/** `value`, or `undefined` when it is the "unset" value: an empty list, or `empty` if given. */
function unlessEmpty<T>(value: T | undefined, empty?: T): T | undefined {
  if (Array.isArray(value) && value.length === 0) return undefined;
  return value === empty && empty !== undefined ? undefined : value;
}

/** Collects problems while reading typed values out of raw config. */
class ConfigReader {
  readonly problems: Problem[] = [];
  constructor(private readonly raw: RawConfig) {}

  /** A string setting, its declared default when unset. */
  string(name: SettingsOfType<string>): string {
    return this.raw(name) ?? declaredDefault<string>(name) ?? "";
  }

  /** A required string setting (no declared default); a problem with its declared example when unset. */
  requiredString(name: SettingsOfType<string>): string {
    const value = this.raw(name);
    if (value === undefined || value === "") {
      const example = STACK_SETTINGS[name].example ?? "<value>";
      this.problems.push(
        error(
          configKey(name),
          `is required; set it with \`pulumi config set ${configKey(name)} ${example}\`.`,
        ),
      );
      return "";
    }
    return value;
  }

  /** A boolean setting, its declared default when unset or malformed. */
  boolean(name: SettingsOfType<boolean>): boolean {
    const fallback = declaredDefault<boolean>(name) ?? false;
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (value === "true" || value === "false") return value === "true";
    this.problems.push(error(configKey(name), `"${value}" is not a boolean; use true or false.`));
    return fallback;
  }

  /** An integer setting, its declared default when unset; `undefined` when malformed. */
  integer(name: SettingsOfType<number>): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return declaredDefault<number>(name);
    if (/^-?[0-9]+$/.test(value)) return Number(value);
    this.problems.push(error(configKey(name), `"${value}" is not a whole number.`));
    return undefined;
  }

  /** A structured setting (objects and lists arrive as JSON text); `undefined` when unset. */
  json(name: SettingName): unknown {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      this.problems.push(error(configKey(name), `is not valid JSON/YAML structure: ${value}`));
      return undefined;
    }
  }

  /** A list of strings, its declared default when unset; `undefined` when malformed. */
  stringList(name: SettingsOfType<readonly string[]>): readonly string[] | undefined {
    const value = this.json(name);
    if (value === undefined) return declaredDefault<readonly string[]>(name);
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
    this.problems.push(
      error(
        configKey(name),
        `must be a list of strings, e.g. \`pulumi config set --path '${configKey(name)}[0]' value\`.`,
      ),
    );
    return undefined;
  }

  /** One of `allowed`, the declared default when unset or not allowed. */
  oneOf<T extends string>(name: SettingsOfType<T>, allowed: readonly T[]): T {
    const fallback = declaredDefault<T>(name) ?? allowed[0];
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(error(configKey(name), `"${value}" is not one of ${allowed.join(", ")}.`));
    return fallback;
  }

  /** The `service` object: known fields with their types, and each port entry's shape. */
  service(): ServiceSettings {
    const fields = this.object("service", SERVICE_FIELDS) as Partial<ServiceSettings> & {
      ports?: unknown[];
    };
    const ports = fields.ports?.flatMap((entry, i) => {
      const port = this.servicePort(entry, `${configKey("service")}.ports[${i}]`);
      return port ? [port] : [];
    });
    return { ...DEFAULT_SERVICE_SETTINGS, ...fields, ...(ports ? { ports } : {}) };
  }

  /** One `service.ports[i]` entry, or `undefined` (with a problem per wrong field) when malformed. */
  private servicePort(entry: unknown, key: string): ServicePort | undefined {
    const before = this.problems.length;
    const field = (name: string): string => `${key}.${name}`;
    const e = entry as Record<string, unknown>;
    const wrong = (name: string, what: string): void => {
      this.problems.push(error(field(name), `must be ${what}, not ${JSON.stringify(e[name])}.`));
    };
    if (typeof e.internal !== "number") wrong("internal", "a port number");
    if (e.external !== undefined && typeof e.external !== "number")
      wrong("external", "a port number");
    if (e.protocol !== undefined && e.protocol !== "tcp" && e.protocol !== "udp") {
      wrong("protocol", '"tcp" or "udp"');
    }
    if (typeof e.name !== "string") wrong("name", "a service name (a string)");
    const tags = e.tags;
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
      wrong("tags", "a list of strings");
    }
    const check = e.check as Record<string, unknown> | undefined;
    if (check !== undefined) {
      const known = typeof check === "object" && check !== null;
      if (!known || (check.kind !== "http" && check.kind !== "tcp")) {
        wrong("check", '{ kind: "http", path: "/…" } or { kind: "tcp" }');
      } else if (check.kind === "http" && typeof check.path !== "string") {
        this.problems.push(
          error(field("check.path"), 'is required for an HTTP check, e.g. "/health".'),
        );
      }
      for (const d of ["interval", "timeout"]) {
        if (known && check[d] !== undefined && typeof check[d] !== "string") {
          this.problems.push(error(field(`check.${d}`), `must be a duration such as "10s".`));
        }
      }
    }
    return this.problems.length === before ? (entry as ServicePort) : undefined;
  }

  /** The `snapshots` object, defaulted, its folder and count checked. */
  snapshots(): SnapshotStackSettings {
    const given = this.object("snapshots", SNAPSHOT_FIELDS) as Partial<SnapshotStackSettings>;
    const result = { ...DEFAULT_SNAPSHOT_SETTINGS, ...given };
    if (given.keep !== undefined) {
      this.problems.push(...checkSnapshotsKeep(given.keep, `${configKey("snapshots")}.keep`));
    }
    if (given.dir !== undefined) {
      this.problems.push(...checkSnapshotsDir(given.dir, `${configKey("snapshots")}.dir`));
    }
    return result;
  }

  /** An object whose fields are checked against `fields`; unknown fields and wrong types are problems. */
  object(name: SettingName, fields: Record<string, FieldType>): Record<string, unknown> {
    const value = this.json(name);
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problems.push(
        error(configKey(name), `must be an object, e.g. { ${Object.keys(fields)[0]}: ... }.`),
      );
      return {};
    }
    const result: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
      const type = fields[field];
      const ok =
        type === "string[]"
          ? Array.isArray(v) && v.every((x) => typeof x === "string")
          : type === "object[]"
            ? Array.isArray(v) && v.every((x) => typeof x === "object" && x !== null)
            : type !== undefined && typeof v === type;
      if (type === undefined) {
        this.problems.push(
          error(
            `${configKey(name)}.${field}`,
            `is not a known field; use one of ${Object.keys(fields).join(", ")}.`,
          ),
        );
      } else if (!ok) {
        this.problems.push(
          error(
            `${configKey(name)}.${field}`,
            `must be ${FIELD_TYPE_WORDS[type]}, not ${JSON.stringify(v)}.`,
          ),
        );
      } else {
        result[field] = v;
      }
    }
    return result;
  }

  /** A ports object (`globalPorts`, `internalPorts`), its declared default when unset. */
  ports(name: SettingsOfType<Partial<AgentPorts>>): Partial<AgentPorts> {
    const value = this.json(name);
    if (value === undefined) return { ...declaredDefault<Partial<AgentPorts>>(name) };
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problems.push(
        error(
          configKey(name),
          `must be an object of ports, e.g. { http: ${DEFAULT_GLOBAL_PORTS.http} }.`,
        ),
      );
      return {};
    }
    const result: Partial<Record<keyof AgentPorts, number>> = {};
    for (const [port, number] of Object.entries(value as Record<string, unknown>)) {
      if (!(PORT_NAMES as readonly string[]).includes(port)) {
        this.problems.push(
          error(
            `${configKey(name)}.${port}`,
            `is not a port name; use one of ${PORT_NAMES.join(", ")}.`,
          ),
        );
      } else if (typeof number !== "number") {
        this.problems.push(
          error(`${configKey(name)}.${port}`, `must be a number, not ${JSON.stringify(number)}.`),
        );
      } else {
        result[port as keyof AgentPorts] = number;
      }
    }
    return result;
  }
}

/**
 * Reads this stack's settings from raw config, with defaults, and every type problem found on
 * the way (each naming its `distributed-consul:` key). Semantic checks (addresses, ports,
 * topology) are the topology check's job.
 */
export function readStackSettings(raw: RawConfig): {
  settings: StackSettings;
  problems: Problem[];
} {
  const r = new ConfigReader(raw);
  const settings: StackSettings = {
    nodeName: r.requiredString("nodeName"),
    // "" when unset: resolveNodeIp then finds this machine's address (local Docker only).
    nodeIp: r.string("nodeIp"),
    bootstrap: r.boolean("bootstrap"),
    dockerHost: r.string("dockerHost"),
    // A malformed list is a problem already; the program then goes on with the declared default.
    dockerSshOpts: r.stringList("dockerSshOpts") ?? [],
    dockerBridgeAddress: r.string("dockerBridgeAddress"),
    dockerBridgeSubnet: r.string("dockerBridgeSubnet"),
    globalDatacenter: r.string("globalDatacenter"),
    // Pulumi.yaml gives optional keys a default that means "unset" (a declared key without a
    // default is required by the Pulumi CLI): 0 and [] are read as not given.
    bootstrapExpect: unlessEmpty(
      r.integer("bootstrapExpect"),
      declaredDefault<number>("bootstrapExpect"),
    ),
    serverCount: unlessEmpty(r.integer("serverCount"), declaredDefault<number>("serverCount")),
    joinAddresses: unlessEmpty(r.stringList("joinAddresses")),
    internalDatacenter: r.requiredString("internalDatacenter"),
    internalPorts: r.ports("internalPorts"),
    wanJoinAddresses: unlessEmpty(r.stringList("wanJoinAddresses")),
    bootstrapStack: r.string("bootstrapStack"),
    consulImage: r.string("consulImage"),
    globalPorts: r.ports("globalPorts"),
    recursors: r.stringList("recursors") ?? declaredDefault<readonly string[]>("recursors") ?? [],
    ui: r.boolean("ui"),
    logLevel: r.oneOf("logLevel", LOG_LEVELS),
    registrator: {
      ...DEFAULT_REGISTRATOR_SETTINGS,
      ...(r.object("registrator", REGISTRATOR_FIELDS) as Partial<RegistratorSettings>),
    },
    service: r.service(),
    waitTimeoutSeconds:
      r.integer("waitTimeoutSeconds") ?? declaredDefault<number>("waitTimeoutSeconds") ?? 0,
    snapshots: r.snapshots(),
    aclEnabled: r.boolean("aclEnabled"),
    keepDataOnDestroy: r.boolean("keepDataOnDestroy"),
  };
  return { settings, problems: r.problems };
}

/**
 * This stack's settings as the program uses them: {@link readStackSettings}, then `nodeIp`
 * resolved (this machine's address when unset and Docker is local; see `resolveNodeIp`).
 * `notice` says which address was chosen, for the program to print.
 */
export function readStack(
  raw: RawConfig,
  interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>,
): { settings: StackSettings; problems: Problem[]; notice?: string } {
  const read = readStackSettings(raw);
  const address = resolveNodeIp(
    read.settings.nodeIp,
    read.settings.dockerHost,
    interfaces,
    read.settings.dockerBridgeSubnet,
    configKey("nodeIp"),
  );
  return {
    settings: { ...read.settings, nodeIp: address.nodeIp },
    problems: [...read.problems, ...address.problems],
    notice: address.notice,
  };
}
