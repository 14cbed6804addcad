// The one declaration of a host's settings: every value a ConsulHost takes that a stack can also
// set, with its name, type, default, meaning and check. The component's argument types
// (`ConsulHostArgs`), the stack program's config reading, `Pulumi.yaml`'s `config:` block and the
// configuration reference are all derived from it: adding a setting means adding it here and
// using it where it acts (see docs/contributing.md).
import { isIPv4 } from "node:net";
import { LogLevel } from "./log-level";
import { HostRole } from "./host-role";
import { AgentPorts, DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "./agent-ports";
import { LOCAL_DOCKER_HOST, checkDockerHost } from "./docker-host";
import { Problem, error } from "./problems";
import { DEFAULT_REGISTRATOR_IMAGE, RegistratorCommonFlags } from "./registrator-args";
import { checkPinnedImage } from "./service-container";
import { ServicePort } from "./service-registration";
import { DEFAULT_SNAPSHOT_SETTINGS, checkSnapshotsDir, checkSnapshotsKeep } from "./snapshot-files";
import {
  DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS,
  DEFAULT_SCHEDULED_SNAPSHOTS_KEEP,
  MIN_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS,
  SCHEDULED_SNAPSHOTS_RESOURCES,
  checkScheduledSnapshotsInterval,
  checkScheduledSnapshotsKeep,
} from "./scheduled-snapshots";
import { checkDatacenter, checkGossipKey, checkNodeName, isCidr } from "./validators";
import { ExtraAgentConfig, checkExtraConfig } from "./extra-config";
import {
  DEFAULT_GLOBAL_RESOURCES,
  DEFAULT_INTERNAL_RESOURCES,
  ServerResources,
  checkServerResources,
} from "./server-resources";
import {
  DEFAULT_CONSUL_IMAGE,
  DEFAULT_DOCKER_BRIDGE_ADDRESS,
  DEFAULT_DOCKER_BRIDGE_SUBNET,
  DEFAULT_GLOBAL_DATACENTER,
  DEFAULT_PROTECTION_ENABLED,
  DEFAULT_RECURSORS,
  DEFAULT_REGISTRATOR_OPTIONS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
} from "./defaults";

/** A type as `Pulumi.yaml` declares a config key. */
export type PulumiConfigType = "string" | "boolean" | "integer" | "array" | "object";

/** The type of one field of an object setting, as config gives it (JSON). */
export type FieldType = "string" | "number" | "boolean" | "string[]" | "object[]";

/** Where a setting belongs in the configuration reference. */
export const SettingSection = {
  Host: "This host",
  Docker: "Docker",
  Cluster: "Joining the cluster",
  Security: "Security and shared secrets",
  Servers: "The Consul servers",
  Containers: "Registrator and the service",
} as const;
/** One of {@link SettingSection}'s values. */
export type SettingSection = (typeof SettingSection)[keyof typeof SettingSection];

/**
 * One setting. `T` is the type of its value; `I` whether a component takes it as a
 * `pulumi.Input` (a value another resource may compute) rather than a plain value (one that
 * shapes the resources themselves, such as ports or a switch).
 */
export interface SettingDeclaration<T, I extends boolean = boolean> {
  /** The type `Pulumi.yaml` declares. */
  readonly type: PulumiConfigType;
  /**
   * For an `array`: the type of its items.
   * @default none (not an array)
   */
  readonly items?: "string";
  /**
   * For an `object`: its fields and their types; config with another field is refused.
   * @default none (any object of the type)
   */
  readonly fields?: Readonly<Record<string, FieldType>>;
  /**
   * For a string: the values it may take.
   * @default any string
   */
  readonly oneOf?: readonly string[];
  /**
   * The value when not given. A setting without one is required.
   * @default none (required)
   */
  readonly default?: T;
  /**
   * For a required setting: an example value, shown in the message that asks for it.
   * @default none
   */
  readonly example?: string;
  /**
   * Whether the value is a secret: config must be set with `--secret`, and components keep it a
   * Pulumi secret.
   * @default false
   */
  readonly secret?: boolean;
  /** Whether components take it as a `pulumi.Input`. */
  readonly input: I;
  /**
   * Whether the value goes unchanged into every Consul agent's configuration (both of a host's
   * servers), so that the components pass it on without naming it.
   * @default false
   */
  readonly agent?: boolean;
  /** What the setting means, shown by `pulumi config`, in the reference and in messages. */
  readonly description: string;
  /**
   * The check of this value on its own (checks spanning settings or hosts are `checkTopology`'s):
   * the problems found, each naming `key`.
   * @default none (any value of the type is fine)
   */
  readonly check?: (key: string, value: T) => Problem[];
  /** The reference section the setting is listed in. */
  readonly section: SettingSection;
}

/** A setting with a default: optional everywhere. */
function optional<T, I extends boolean>(
  declaration: SettingDeclaration<T, I> & { readonly default: T },
): SettingDeclaration<T, I> & { readonly default: T } {
  return declaration;
}

/** A setting without a default: required everywhere. */
function required<T, I extends boolean>(
  declaration: SettingDeclaration<T, I> & {
    readonly example: string;
    readonly default?: undefined;
  },
): SettingDeclaration<T, I> & { readonly example: string; readonly default?: undefined } {
  return declaration;
}

/** An optional setting whose default is "not given" (a secret made or read elsewhere, a list). */
function unset<T, I extends boolean>(
  declaration: SettingDeclaration<T, I>,
): SettingDeclaration<T, I> & { readonly default?: undefined; readonly example?: undefined } {
  return declaration as SettingDeclaration<T, I> & {
    readonly default?: undefined;
    readonly example?: undefined;
  };
}

/**
 * A setting every Consul agent takes unchanged (`agent: true`, kept in the declaration's type), so
 * that the components pass it on without naming it.
 */
function agentWide<T, I extends boolean>(
  declaration: SettingDeclaration<T, I> & { readonly default: T },
): SettingDeclaration<T, I> & { readonly default: T; readonly agent: true } {
  return { ...declaration, agent: true };
}

/** The agent port names a `globalPorts` / `internalPorts` object may set, in Consul's order. */
export const PORT_NAMES = Object.keys(DEFAULT_GLOBAL_PORTS) as (keyof AgentPorts)[];

/** The fields of a `globalPorts` / `internalPorts` object: a port number per agent port name. */
const PORT_FIELDS = Object.fromEntries(PORT_NAMES.map((name) => [name, "number"])) as Readonly<
  Record<keyof AgentPorts, FieldType>
>;

/** The roles a host may take in the global datacenter, as `role` accepts them. */
export const HOST_ROLES: readonly HostRole[] = Object.values(HostRole);

/** Consul's log levels, as `logLevel` accepts them. */
export const LOG_LEVELS: readonly LogLevel[] = Object.values(LogLevel);

/** The `registrator` setting: the image and flags both of a host's registrators run with. */
export interface RegistratorSettings extends RegistratorCommonFlags {
  /**
   * registrator image, an exact tag or digest.
   * @default gliderlabs/registrator:v7
   */
  readonly image?: string;
  /**
   * Also register container addresses into the host's internal datacenter (`-internal`).
   * @default true
   */
  readonly registerInternal?: boolean;
}

/** The `registrator` setting's defaults: the `Registrator` component's own flags. */
export const DEFAULT_REGISTRATOR_SETTINGS = {
  image: DEFAULT_REGISTRATOR_IMAGE,
  registerInternal: true,
  ...DEFAULT_REGISTRATOR_OPTIONS,
} as const satisfies RegistratorSettings;

/**
 * The `service` setting: a service container the host runs, registered by both registrators and
 * resolved through Consul DNS.
 */
export interface ServiceSettings {
  /** Run the service at all. Default `true` once a service is given. */
  readonly enabled?: boolean;
  /** Image, an exact tag or digest. Required. */
  readonly image: string;
  /** Environment, `NAME=value`. Default `[]`. */
  readonly envs?: string[];
  /**
   * Ports, each published N:N on the host address with its Consul name and check. Required,
   * non-empty; the first port's name names the service, its container and its query.
   */
  readonly ports: ServicePort[];
  /** Command override. Default: the image's. */
  readonly command?: string[];
  /** Memory limit in MB (no swap beyond it). Default: no limit. */
  readonly memoryMb?: number;
  /**
   * Declare `<first port's name>.query.consul` in the internal datacenter, failing over to the
   * global one. Default `true`.
   */
  readonly preparedQuery?: boolean;
}

/**
 * The `snapshots` setting: whether and where a global server's Raft snapshots are saved before its
 * container is deleted. An interface with declared fields, so that the component package describes
 * them to other languages.
 */
export interface SnapshotSettings {
  /**
   * Save snapshots at all. `false` lets a replacement or destroy go on without one.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Folder, absolute or relative to the program's working directory (the Pulumi project); each
   * datacenter gets a subfolder.
   * @default snapshots
   */
  readonly dir?: string;
  /**
   * Snapshots kept per node (a whole number, at least 1).
   * @default 5
   */
  readonly keep?: number;
}

/**
 * The `scheduledSnapshots` setting: Raft snapshots of the global datacenter taken every interval
 * on each host that runs one of its servers, kept on that host (unlike `snapshots`, which are
 * taken before a server is replaced or destroyed, on the machine running Pulumi). An interface
 * with declared fields, so that the component package describes them to other languages.
 */
export interface ScheduledSnapshotSettings {
  /**
   * Take them at all (on a `server` host; a client host holds no Raft state and takes none).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Seconds between two snapshots (whole seconds, at least 60); the first is taken when the
   * sidecar starts.
   * @default 3600
   */
  readonly intervalSeconds?: number;
  /**
   * Snapshots kept on the host (a whole number, at least 1); older ones are deleted.
   * @default 24
   */
  readonly keep?: number;
}

/** `name value, name value, …` of a ports object, for descriptions. */
function portList(ports: AgentPorts): string {
  return PORT_NAMES.map((name) => `${name} ${ports[name]}`).join(", ");
}

/** An IPv4 address, or a problem naming `key` and an example. */
function checkIpv4Setting(key: string, value: string, example: string, what: string): Problem[] {
  return isIPv4(value)
    ? []
    : [error(key, `"${value}" is not an IPv4 address; give ${what}, usually ${example}.`)];
}

/** A number of Consul servers: a whole number, at least 1. */
function checkServerCount(key: string, value: number): Problem[] {
  return Number.isInteger(value) && value >= 1
    ? []
    : [error(key, `${value} is not a server count; give a whole number, 3 or 5.`)];
}

const registratorDefaults = DEFAULT_REGISTRATOR_SETTINGS;

/**
 * Every setting of a host, in the order of the configuration reference. The TSDoc of each entry
 * is what `ConsulHostArgs` shows for the argument of the same name.
 */
export const HOST_SETTINGS = {
  /** This host's node name, unique across hosts (e.g. `node1`). Required. */
  nodeName: required<string, true>({
    section: SettingSection.Host,
    type: "string",
    input: true,
    example: "node1",
    description: "This host's node name, unique across hosts (e.g. node1). Required.",
    check: checkNodeName,
  }),
  /**
   * This host's IPv4 address, reachable from every other host; every Consul agent binds and
   * advertises it. Required.
   */
  hostAddress: required<string, true>({
    section: SettingSection.Host,
    type: "string",
    input: true,
    example: "192.168.99.100",
    description:
      "This host's IPv4 address, reachable from every other host; every Consul agent binds and advertises it. Required.",
  }),
  /** This host's own datacenter (e.g. `vm1`), WAN-federated with the global one. Required. */
  internalDatacenter: required<string, true>({
    section: SettingSection.Host,
    type: "string",
    input: true,
    example: "vm1",
    description:
      "This host's own datacenter (vm1, vm2, ...), WAN-federated with the global one. Required.",
    check: checkDatacenter,
  }),
  /**
   * The Docker engine this host's containers run on, as the docker provider's `host`: when a
   * server does not become healthy, `pulumi up` reads its log there and says why.
   * @default unix:///var/run/docker.sock
   */
  dockerHost: optional<string, true>({
    section: SettingSection.Docker,
    type: "string",
    input: true,
    default: LOCAL_DOCKER_HOST,
    description: "Docker daemon of this host - unix:///path, tcp://host:port or ssh://user@host.",
    check: checkDockerHost,
  }),
  /**
   * The Docker bridge gateway address, where this host's containers reach Consul DNS and HTTP.
   * @default 172.17.0.1
   */
  dockerBridgeAddress: optional<string, true>({
    section: SettingSection.Docker,
    type: "string",
    input: true,
    default: DEFAULT_DOCKER_BRIDGE_ADDRESS,
    description:
      "The Docker bridge gateway address on this host, where containers reach Consul DNS and HTTP.",
    check: (key, value) =>
      checkIpv4Setting(key, value, DEFAULT_DOCKER_BRIDGE_ADDRESS, "the docker0 gateway"),
  }),
  /**
   * The Docker bridge subnet; no Consul agent may advertise an address inside it.
   * @default 172.17.0.0/16
   */
  dockerBridgeSubnet: optional<string, false>({
    section: SettingSection.Docker,
    type: "string",
    input: false,
    default: DEFAULT_DOCKER_BRIDGE_SUBNET,
    description: "The Docker bridge subnet; no Consul agent may advertise an address inside it.",
    check: (key, value) =>
      isCidr(value)
        ? []
        : [
            error(
              key,
              `"${value}" is not a subnet; give CIDR notation, usually ${DEFAULT_DOCKER_BRIDGE_SUBNET}.`,
            ),
          ],
  }),
  /**
   * This host's role in the global datacenter: `server` (a voter; run three or five) or `client`
   * (a client agent that joins the servers, for every other host). A client host runs its internal
   * datacenter, registrators and service exactly as a server host does; it never bootstraps.
   * @default server
   */
  role: optional<HostRole, false>({
    section: SettingSection.Cluster,
    type: "string",
    input: false,
    oneOf: HOST_ROLES,
    default: HostRole.Server,
    description: `This host's role in the global datacenter - ${HOST_ROLES.join(", ")}. Run three or five servers (Raft commits wait for a majority of voters, so each extra voter slows every write); every other host is a client agent that joins them (from the bootstrap stack's cluster output, or joinAddresses) and never bootstraps. Changing it on a deployed host - see docs/day-two.md, Growing the fleet.`,
  }),
  /**
   * This host bootstraps the global datacenter and, unless they are given, makes the cluster's
   * gossip key, ACL management token and CA (exactly one host sets it).
   * @default false
   */
  bootstrap: optional<boolean, false>({
    section: SettingSection.Cluster,
    type: "boolean",
    input: false,
    default: false,
    description:
      "Whether this host bootstraps the global datacenter (exactly one stack sets true).",
  }),
  /**
   * Instead of one bootstrapping host, every global server waits for this many servers before
   * electing a leader (`bootstrap_expect`). Never with `bootstrap`; then every host is given the
   * shared secrets and the others' `joinAddresses`.
   * @default unset
   */
  bootstrapExpect: unset<number, false>({
    section: SettingSection.Cluster,
    type: "integer",
    input: false,
    description:
      "Instead of one bootstrapping host (0 - unset) - every global server waits for this many servers before electing a leader (bootstrap_expect). Never with bootstrap. Then every stack sets joinAddresses and gossipKey (and aclManagementToken) explicitly.",
    check: checkServerCount,
  }),
  /**
   * How many global servers (hosts) the cluster is built for: autopilot never removes a dead
   * server while only this many voters remain (`min_quorum`), so a server that comes back is a
   * voter at once; applied when dc1 is first bootstrapped.
   * @default bootstrapExpect, else 3
   */
  serverCount: unset<number, false>({
    section: SettingSection.Cluster,
    type: "integer",
    input: false,
    description:
      "How many global servers (hosts) the cluster is built for (0 - unset: bootstrapExpect, else 3). Autopilot never removes a dead server while only this many voters remain (min_quorum), so a server that comes back is a voter at once; Consul applies it when dc1 is first bootstrapped.",
    check: checkServerCount,
  }),
  /**
   * Name of the global datacenter that spans all hosts.
   * @default dc1
   */
  globalDatacenter: optional<string, false>({
    section: SettingSection.Cluster,
    type: "string",
    input: false,
    default: DEFAULT_GLOBAL_DATACENTER,
    description: "Name of the global datacenter that spans all hosts.",
    check: checkDatacenter,
  }),
  /**
   * LAN join addresses (`host:serf_lan`) of existing global servers; they win over the cluster's.
   * @default the cluster's (none on the bootstrap host)
   */
  joinAddresses: unset<string[], true>({
    section: SettingSection.Cluster,
    type: "array",
    items: "string",
    input: true,
    description: `LAN join addresses (host:serf_lan, e.g. host:${DEFAULT_GLOBAL_PORTS.serfLan}) of existing global servers. When set, they win over the bootstrap stack's cluster output.`,
  }),
  /**
   * WAN addresses (`host:serf_wan`) of global servers on other hosts, which the internal
   * datacenter joins besides this host's own global server; they win over the cluster's.
   * @default the cluster's (none on the bootstrap host)
   */
  wanJoinAddresses: unset<string[], true>({
    section: SettingSection.Cluster,
    type: "array",
    items: "string",
    input: true,
    description: `WAN addresses (host:serf_wan, e.g. host:${DEFAULT_GLOBAL_PORTS.serfWan}) of global servers on other hosts. When set, they win over the bootstrap stack's cluster output.`,
  }),
  /**
   * The gossip key every agent shares (32 bytes, base64; `consul keygen`), kept a secret.
   * @default the cluster's; made by the bootstrap host
   */
  gossipKey: unset<string, true>({
    section: SettingSection.Security,
    type: "string",
    input: true,
    secret: true,
    description:
      "Gossip encryption key (32 bytes, base64; `consul keygen`), set with --secret (a plain value is refused). Empty - generated by the bootstrap stack and read from it by joining stacks.",
    check: checkGossipKey,
  }),
  /**
   * Consul ACLs with default deny and a least-privilege token for every agent, registrator and
   * query. `false` turns them off, warned about at every preview. TLS and gossip encryption are
   * always on.
   * @default true
   */
  aclEnabled: optional<boolean, false>({
    section: SettingSection.Security,
    type: "boolean",
    input: false,
    default: DEFAULT_PROTECTION_ENABLED,
    description:
      "Enforce Consul ACLs (default deny) in every datacenter, with least-privilege tokens made by the program and one management token shared by all stacks. false turns them off (warned about at every preview - then anyone who reaches an agent's API may read and write everything).",
  }),
  /**
   * The ACL management token (a UUID), kept a secret.
   * @default the cluster's; made by the bootstrap host
   */
  aclManagementToken: unset<string, true>({
    section: SettingSection.Security,
    type: "string",
    input: true,
    secret: true,
    description:
      "ACL management token (a UUID), set with --secret (a plain value is refused). Empty - generated by the bootstrap stack and read from it by joining stacks.",
  }),
  /**
   * The CA certificate (PEM) every agent trusts for RPC and HTTPS; given with `tlsCaKey`.
   * @default the cluster's; made by the bootstrap host
   */
  tlsCaCertificate: unset<string, true>({
    section: SettingSection.Security,
    type: "string",
    input: true,
    description:
      "The CA certificate (PEM) every agent trusts for RPC and HTTPS. Empty - generated by the bootstrap stack and read from it by joining stacks. Set together with tlsCaKey.",
  }),
  /**
   * The CA's private key (PEM), with which each server's certificate is issued; kept a secret.
   * @default the cluster's; made by the bootstrap host
   */
  tlsCaKey: unset<string, true>({
    section: SettingSection.Security,
    type: "string",
    input: true,
    secret: true,
    description:
      "The CA's private key (PEM, Ed25519 as the bootstrap stack makes it), set with --secret (a plain value is refused); each stack signs its own servers' certificates with it. Set together with tlsCaCertificate. Empty - generated by the bootstrap stack and read from it by joining stacks.",
  }),
  /**
   * Consul image for both servers, an exact tag or digest.
   * @default hashicorp/consul:1.22.7
   */
  consulImage: optional<string, true>({
    section: SettingSection.Servers,
    type: "string",
    input: true,
    default: DEFAULT_CONSUL_IMAGE,
    description: "Consul image, pinned to an exact tag or digest.",
    check: checkPinnedImage,
  }),
  /**
   * Port overrides of the global server; unspecified ports keep Consul's.
   * @default Consul's (8300, 8301, 8302, 8500, 8501, 8502, 8503, 8600)
   */
  globalPorts: optional<Partial<AgentPorts>, false>({
    section: SettingSection.Servers,
    type: "object",
    fields: PORT_FIELDS,
    input: false,
    default: {},
    description: `Port overrides of the global server - any of ${PORT_NAMES.join(", ")}. Defaults - Consul's: ${portList(DEFAULT_GLOBAL_PORTS)}.`,
  }),
  /**
   * Port overrides of the internal server; unspecified ports keep Consul's plus 10000, DNS on 53.
   * @default Consul's plus 10000, DNS on 53
   */
  internalPorts: optional<Partial<AgentPorts>, false>({
    section: SettingSection.Servers,
    type: "object",
    fields: PORT_FIELDS,
    input: false,
    default: {},
    description: `Port overrides of the internal datacenter server - any of ${PORT_NAMES.join(", ")}. Defaults - ${portList(DEFAULT_INTERNAL_PORTS)} (dns is what containers resolve with, on the bridge address, so it stays ${DEFAULT_INTERNAL_PORTS.dns}).`,
    check: (key, value) =>
      (value.dns ?? DEFAULT_INTERNAL_PORTS.dns) === DEFAULT_INTERNAL_PORTS.dns
        ? []
        : [
            error(
              `${key}.dns`,
              `is ${value.dns}, but containers can only use a resolver on port ${DEFAULT_INTERNAL_PORTS.dns} (resolv.conf has no port); leave the internal server's DNS port at ${DEFAULT_INTERNAL_PORTS.dns}.`,
            ),
          ],
  }),
  /**
   * Memory and CPU limits of the global server's container (`memoryMb`, `cpus`; 0: none).
   * @default memoryMb 512, cpus 1
   */
  globalResources: optional<ServerResources, false>({
    section: SettingSection.Servers,
    type: "object",
    fields: { memoryMb: "number", cpus: "number" },
    input: false,
    default: {},
    description: `Memory and CPU limits of the global server's container - memoryMb (default ${DEFAULT_GLOBAL_RESOURCES.memoryMb}; no swap beyond it) and cpus (cores, default ${DEFAULT_GLOBAL_RESOURCES.cpus}); 0 - no limit. The defaults leave a dc1 server of a few hosts several times the memory it uses, and one core - see docs/operating.md.`,
    check: checkServerResources,
  }),
  /**
   * Memory and CPU limits of the internal server's container (`memoryMb`, `cpus`; 0: none).
   * @default memoryMb 256, cpus 1
   */
  internalResources: optional<ServerResources, false>({
    section: SettingSection.Servers,
    type: "object",
    fields: { memoryMb: "number", cpus: "number" },
    input: false,
    default: {},
    description: `Memory and CPU limits of the internal datacenter server's container - memoryMb (default ${DEFAULT_INTERNAL_RESOURCES.memoryMb}; no swap beyond it) and cpus (cores, default ${DEFAULT_INTERNAL_RESOURCES.cpus}); 0 - no limit.`,
    check: checkServerResources,
  }),
  /**
   * Upstream DNS servers Consul forwards names outside Consul to.
   * @default ["1.1.1.1", "8.8.8.8"]
   */
  recursors: agentWide(
    optional<string[], true>({
      section: SettingSection.Servers,
      type: "array",
      items: "string",
      input: true,
      default: [...DEFAULT_RECURSORS],
      description: "Upstream DNS servers Consul forwards non-Consul names to.",
      check: (key, value) =>
        value.flatMap((r, i) =>
          isIPv4(r)
            ? []
            : [
                error(
                  `${key}[${i}]`,
                  `"${r}" is not an IPv4 address; give a DNS server's address such as ${DEFAULT_RECURSORS[0]}.`,
                ),
              ],
        ),
    }),
  ),
  /**
   * Serve the Consul web UI at `/ui/` on both servers: over HTTPS on the host address (port 8501
   * for the global server, 18501 for the internal one by default; verified with the
   * `tlsCaCertificate` output, logged in with the read-only `uiToken` output), and over plain HTTP
   * on loopback and the Docker bridge only.
   * @default true
   */
  ui: agentWide(
    optional<boolean, true>({
      section: SettingSection.Servers,
      type: "boolean",
      input: true,
      default: true,
      description: `Serve the Consul web UI at /ui/ - over HTTPS on the host address (https://<hostAddress>:${DEFAULT_GLOBAL_PORTS.https}/ui/ for the global server, :${DEFAULT_INTERNAL_PORTS.https} for the internal one, or their https port overrides), verified with the tlsCaCertificate output; log in with the uiToken output (read only). Plain HTTP serves it only on loopback and the Docker bridge.`,
    }),
  ),
  /**
   * Consul's log level, one of {@link LogLevel}'s.
   * @default info
   */
  logLevel: agentWide(
    optional<LogLevel, true>({
      section: SettingSection.Servers,
      type: "string",
      input: true,
      oneOf: LOG_LEVELS,
      default: LogLevel.Info,
      description: `Consul log level - ${LOG_LEVELS.join(", ")}.`,
    }),
  ),
  /**
   * Prometheus metrics on every Consul agent (Consul's `telemetry` block: 60 s retention, no host
   * name prefix), served at `/v1/agent/metrics?format=prometheus` over HTTPS on the host address
   * and read with the `metricsToken` output.
   * @default true
   */
  metrics: agentWide(
    optional<boolean, false>({
      section: SettingSection.Servers,
      type: "boolean",
      input: false,
      default: true,
      description:
        "Prometheus metrics on every Consul agent (telemetry prometheus_retention_time 60s, disable_hostname), at https://<hostAddress>:<https port>/v1/agent/metrics?format=prometheus, read with the metricsToken output (agent read only). false - no metrics, no token.",
    }),
  ),
  /**
   * Consul agent settings the project does not model (Consul's own snake_case keys, e.g.
   * `{ limits: { http_max_conns_per_client: 400 } }`), merged into both servers' configuration,
   * objects deeply. Checked at preview: a key Consul does not accept fails naming the nearest one
   * that it does; a key the project sets (addresses, ports, TLS, ACLs, joins, encryption, …)
   * fails naming the setting that sets it.
   * @default {}
   */
  extraConfig: agentWide(
    optional<ExtraAgentConfig, false>({
      section: SettingSection.Servers,
      type: "object",
      input: false,
      default: {},
      description:
        "Consul agent settings the project does not model, in Consul's own keys (e.g. {limits: {http_max_conns_per_client: 400}}, dns_config, telemetry sinks), merged into both servers' configuration (the dc1 and the internal one), objects deeply. Checked at preview - a key Consul does not accept fails naming the nearest one it does; a key the project sets (addresses, ports, tls, acl, retry_join, encrypt, datacenter, node_name, autopilot, performance, ...) fails naming the setting that sets it.",
      check: checkExtraConfig,
    }),
  ),
  /**
   * Keep both servers' data volumes (Raft state, KV, ACLs) and the scheduled snapshots' volume on
   * `pulumi destroy`; the next `up` adopts them, old peers included. Replacing a container never touches them either way.
   * @default false
   */
  keepDataOnDestroy: optional<boolean, false>({
    section: SettingSection.Servers,
    type: "boolean",
    input: false,
    default: false,
    description:
      "Keep both Consul servers' data volumes (Raft state, KV, ACLs) and the scheduled snapshots' volume on `pulumi destroy`; the next `up` adopts them, old peers included. Replacing a container never touches them either way. Default false - destroy removes what up created.",
  }),
  /**
   * Seconds `pulumi up` waits for each Consul server to be healthy (a dc1 server: a voter
   * autopilot reports healthy) before it fails and says why.
   * @default 120
   */
  waitTimeoutSeconds: optional<number, false>({
    section: SettingSection.Servers,
    type: "integer",
    input: false,
    default: DEFAULT_WAIT_TIMEOUT_SECONDS,
    description:
      "Seconds pulumi up waits for each Consul server to be healthy (a dc1 server: a voter autopilot reports healthy) before it fails and says why.",
    check: (key, value) =>
      Number.isInteger(value) && value >= 10
        ? []
        : [error(key, `${value} is too short a wait; give whole seconds, at least 10.`)],
  }),
  /**
   * Raft snapshots of the global datacenter saved before this host's global server is replaced
   * or destroyed, on the machine running Pulumi.
   * @default on, dir snapshots, keep 5
   */
  snapshots: optional<SnapshotSettings, false>({
    section: SettingSection.Servers,
    type: "object",
    input: false,
    fields: { enabled: "boolean", dir: "string", keep: "number" },
    default: {},
    description: `Raft snapshots of dc1 saved before this host's dc1 server is replaced or destroyed (destroy needs --run-program), on the machine running Pulumi - enabled (${DEFAULT_SNAPSHOT_SETTINGS.enabled}), dir (${DEFAULT_SNAPSHOT_SETTINGS.dir}, relative to the project; <dir>/<datacenter>/<node>-<UTC time>.snap), keep (${DEFAULT_SNAPSHOT_SETTINGS.keep} per node).`,
    check: (key, value) => [
      ...(value.keep === undefined ? [] : checkSnapshotsKeep(value.keep, `${key}.keep`)),
      ...(value.dir === undefined ? [] : checkSnapshotsDir(value.dir, `${key}.dir`)),
    ],
  }),
  /**
   * Raft snapshots of the global datacenter taken every `intervalSeconds` by a sidecar container
   * next to this host's global server (`consul-snapshots-<datacenter>-<node>`, with a token of
   * its own), kept in a volume on this host (`consul-<datacenter>-<node>-snapshots`), the newest
   * `keep` of them. Not on a client host. The sidecar runs with fixed limits,
   * `SCHEDULED_SNAPSHOTS_RESOURCES` (64 MB without swap, half a core; a few times what a save was
   * measured to use).
   * @default on, intervalSeconds 3600, keep 24
   */
  scheduledSnapshots: optional<ScheduledSnapshotSettings, false>({
    section: SettingSection.Servers,
    type: "object",
    input: false,
    fields: { enabled: "boolean", intervalSeconds: "number", keep: "number" },
    default: {},
    description: `Raft snapshots of dc1 taken every interval on this host (a server host; not on a client host), by a sidecar container next to its dc1 server (consul-snapshots-<datacenter>-<node>, with a snapshot token of its own), kept in a volume on this host (consul-<datacenter>-<node>-snapshots; files <node>-<UTC time>.snap, mode 0600), so that losing one host leaves the others' copies - enabled (true), intervalSeconds (${DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS}, at least ${MIN_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS}), keep (${DEFAULT_SCHEDULED_SNAPSHOTS_KEEP}). The sidecar runs with fixed limits, ${SCHEDULED_SNAPSHOTS_RESOURCES.memoryMb} MB of memory (no swap beyond it) and ${SCHEDULED_SNAPSHOTS_RESOURCES.cpus} cores of CPU, a few times what a save was measured to use. npm run restore -- --from-host <stack> restores one of them - see docs/day-two.md.`,
    check: (key, value) => [
      ...(value.intervalSeconds === undefined
        ? []
        : checkScheduledSnapshotsInterval(value.intervalSeconds, `${key}.intervalSeconds`)),
      ...(value.keep === undefined ? [] : checkScheduledSnapshotsKeep(value.keep, `${key}.keep`)),
    ],
  }),
  /**
   * Options of this host's two registrators (image, registerInternal and registrator's flags).
   * @default both registrators, with the Registrator component's flags
   */
  registrator: optional<RegistratorSettings, false>({
    section: SettingSection.Containers,
    type: "object",
    input: false,
    fields: {
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
    },
    default: {},
    description: `Options of this host's two registrators - image (default ${registratorDefaults.image}), registerInternal (${registratorDefaults.registerInternal}), cleanup (${registratorDefaults.cleanup}), resyncSeconds (${registratorDefaults.resyncSeconds}), retryAttempts (${registratorDefaults.retryAttempts}${registratorDefaults.retryAttempts === -1 ? ", forever" : ""}), retryIntervalMs (${registratorDefaults.retryIntervalMs}), deregister, ttlSeconds with ttlRefreshSeconds, tags, explicit (not in v7).`,
  }),
  /**
   * The service container this host runs, registered by both registrators.
   * @default none
   */
  service: unset<ServiceSettings, false>({
    section: SettingSection.Containers,
    type: "object",
    input: false,
    fields: {
      enabled: "boolean",
      image: "string",
      envs: "string[]",
      ports: "object[]",
      command: "string[]",
      memoryMb: "number",
      preparedQuery: "boolean",
    },
    description:
      "The service container this host runs - enabled, image, envs, ports (each internal, name, and an optional check), command, memoryMb, preparedQuery.",
  }),
} as const;

/** The name of a host setting (`nodeName`, `logLevel`, …). */
export type HostSettingName = keyof typeof HOST_SETTINGS;

/** The value type a declaration declares. */
export type ValueOf<D> = D extends SettingDeclaration<infer T> ? T : never;

/** The settings that have no default. */
export type RequiredSettingName = {
  [K in HostSettingName]: (typeof HOST_SETTINGS)[K] extends { readonly example: string }
    ? K
    : never;
}[HostSettingName];

/**
 * A host's settings as plain values (what is known before anything is deployed): the required
 * ones given, the others optional. One shape for the stack program's config, the topology check
 * and, as Inputs, `ConsulHostArgs`.
 */
export type HostSettings = SettingValues<typeof HOST_SETTINGS, RequiredSettingName>;

/**
 * The values of a set of declarations `D`: those named `Always` always present, the others
 * optional.
 */
export type SettingValues<D, Always extends keyof D> = {
  readonly [K in keyof D as K extends Always ? K : never]: ValueOf<D[K]>;
} & {
  readonly [K in keyof D as K extends Always ? never : K]?: ValueOf<D[K]>;
};

/** The settings every Consul agent takes unchanged (`agent: true`). */
export type AgentSettingName = {
  [K in HostSettingName]: (typeof HOST_SETTINGS)[K] extends { readonly agent: true } ? K : never;
}[HostSettingName];

/** The names of {@link AgentSettingName}, in declaration order. */
export const AGENT_SETTING_NAMES = (Object.keys(HOST_SETTINGS) as HostSettingName[]).filter(
  (name) => (HOST_SETTINGS[name] as SettingDeclaration<unknown>).agent === true,
) as AgentSettingName[];

/** The values of the settings every agent takes, defaulted. */
export type AgentOptions = {
  readonly [K in AgentSettingName]: ValueOf<(typeof HOST_SETTINGS)[K]>;
};

/** The declared default of a setting; `undefined` for a required or unset one. */
export function defaultOf<K extends HostSettingName>(
  name: K,
): ValueOf<(typeof HOST_SETTINGS)[K]> | undefined {
  return (HOST_SETTINGS[name] as SettingDeclaration<unknown>).default as
    ValueOf<(typeof HOST_SETTINGS)[K]> | undefined;
}

/** `given` with each agent setting it lacks taken from its declared default. */
export function agentOptions(given: Partial<AgentOptions>): AgentOptions {
  const result: Record<string, unknown> = {};
  for (const name of AGENT_SETTING_NAMES) result[name] = given[name] ?? defaultOf(name);
  return result as AgentOptions;
}

/** The problems of one setting's value on its own (its declared check), each naming `key`. */
export function checkSetting<K extends HostSettingName>(
  name: K,
  key: string,
  value: ValueOf<(typeof HOST_SETTINGS)[K]>,
): Problem[] {
  const declaration = HOST_SETTINGS[name] as SettingDeclaration<unknown>;
  return declaration.check ? declaration.check(key, value) : [];
}

/**
 * The problems of every given value on its own (each declared check), named through `keyOf`:
 * the check the stack program and `ConsulHost` both run over the one settings shape.
 */
export function checkSettings(
  settings: Partial<HostSettings>,
  keyOf: (name: HostSettingName) => string,
): Problem[] {
  return (Object.keys(HOST_SETTINGS) as HostSettingName[]).flatMap((name) => {
    const value = settings[name];
    return value === undefined ? [] : checkSetting(name, keyOf(name), value as never);
  });
}
