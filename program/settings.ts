import { isIPv4 } from "node:net";
import { LogLevel } from "../core/agent-config";
import { AgentPorts, DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { LOCAL_DOCKER_HOST, checkDockerHost } from "../core/docker-host";
import { Problem, error } from "../core/problems";
import { DEFAULT_REGISTRATOR_IMAGE } from "../core/registrator-args";
import { checkPinnedImage } from "../core/service-container";
import type { RegistratorSettings, ServiceSettings } from "./stack-settings";
import { DEFAULT_SNAPSHOT_SETTINGS, SnapshotStackSettings } from "../core/snapshot-files";
import { checkDatacenter, checkGossipKey, checkNodeName, isCidr } from "../core/validators";
import {
  DEFAULT_CONSUL_IMAGE,
  DEFAULT_DOCKER_BRIDGE_ADDRESS,
  DEFAULT_DOCKER_BRIDGE_SUBNET,
  DEFAULT_GLOBAL_DATACENTER,
  DEFAULT_LOG_LEVEL,
  DEFAULT_PROTECTION_ENABLED,
  DEFAULT_RECURSORS,
  DEFAULT_REGISTRATOR_OPTIONS,
  DEFAULT_UI,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
} from "../core/defaults";

/**
 * The declaration of every stack setting (`distributed-consul:<name>`): its type, its default, its
 * description and the check of its value alone. The program reads config through it
 * (`readStackSettings`), `Pulumi.yaml`'s `config:` block and `docs/configuration.md` are generated
 * from it (`npm run docs:config`) and tested equal to it. Defaults the components share
 * (`core/defaults.ts`, `agent-ports.ts`, `registrator-args.ts`) are taken from there, so
 * every value lives in one place.
 */

/** A type as `Pulumi.yaml` declares a config key. */
export type PulumiConfigType = "string" | "boolean" | "integer" | "array" | "object";

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

/** A number of Consul servers: a whole number, at least 1. */
function checkServerCount(key: string, value: number): Problem[] {
  return Number.isInteger(value) && value >= 1
    ? []
    : [error(key, `${value} is not a server count; give a whole number, 3 or 5.`)];
}

/** One stack setting. `T` is the type of its value as `Pulumi.yaml` declares it. */
export interface SettingDeclaration<T> {
  /** The type `Pulumi.yaml` declares. */
  readonly type: PulumiConfigType;
  /**
   * For an `array`: the type of its items. Default: none (not an array).
   * @default none
   */
  readonly items?: "string";
  /**
   * The default `Pulumi.yaml` declares; for an optional key without a natural default, the value
   * that means "not given" (`""`, `0`, `[]`, `{}`), because Pulumi requires every declared key
   * without a default. Default: none, and then the key is required.
   * @default none (required)
   */
  readonly default?: T;
  /**
   * For a required key: an example value, shown in the message that asks for it. Default: none.
   * @default none
   */
  readonly example?: string;
  /**
   * Whether the value must be set with `pulumi config set --secret`. Default: `false`.
   * @default false
   */
  readonly secret?: boolean;
  /** What the setting means, shown by `pulumi config` and in the reference. */
  readonly description: string;
  /**
   * The check of this value on its own (checks spanning settings or hosts are `checkTopology`'s):
   * the problems found, each naming `key`. Default: none (any value of the type is fine).
   * @default none
   */
  readonly check?: (key: string, value: T) => Problem[];
  /** The reference section the setting is listed in. */
  readonly section: SettingSection;
}

/** Declares one setting, keeping its value type for the reader. */
function declare<T>(declaration: SettingDeclaration<T>): SettingDeclaration<T> {
  return declaration;
}

/** The agent port names a `globalPorts` / `internalPorts` object may set, in Consul's order. */
export const PORT_NAMES = Object.keys(DEFAULT_GLOBAL_PORTS) as (keyof AgentPorts)[];

/** Consul's log levels, as `logLevel` accepts them. */
export const LOG_LEVELS: readonly LogLevel[] = Object.values(LogLevel);

/** The defaults of {@link RegistratorSettings}: the `Registrator` component's own. */
export const DEFAULT_REGISTRATOR_SETTINGS: RegistratorSettings = {
  image: DEFAULT_REGISTRATOR_IMAGE,
  registerInternal: true,
  ...DEFAULT_REGISTRATOR_OPTIONS,
};

/** The defaults of {@link ServiceSettings}: the original's Elasticsearch, as a single node. */
export const DEFAULT_SERVICE_SETTINGS: ServiceSettings = {
  enabled: true,
  image: "elasticsearch:9.5.3",
  envs: [
    "discovery.type=single-node",
    "ES_JAVA_OPTS=-Xms1g -Xmx1g",
    "xpack.security.enabled=false",
  ],
  ports: [
    { internal: 9200, name: "elasticsearch", check: { kind: "http", path: "/_cluster/health" } },
    { internal: 9300, name: "elasticsearch-transport", check: { kind: "tcp" } },
  ],
  memoryMb: 2048,
  preparedQuery: true,
};

/** `name value, name value, …` of a ports object, for descriptions. */
function portList(ports: AgentPorts): string {
  return PORT_NAMES.map((name) => `${name} ${ports[name]}`).join(", ");
}

const registratorDefaults = DEFAULT_REGISTRATOR_SETTINGS;
const serviceDefaults = DEFAULT_SERVICE_SETTINGS;

/** An IPv4 address, or a problem naming `key` and an example. */
function checkIpv4Setting(key: string, value: string, example: string, what: string): Problem[] {
  return isIPv4(value)
    ? []
    : [error(key, `"${value}" is not an IPv4 address; give ${what}, usually ${example}.`)];
}

/** Every stack setting, in the order of the configuration reference. */
export const STACK_SETTINGS = {
  nodeName: declare<string>({
    section: SettingSection.Host,
    type: "string",
    example: "node1",
    description: "This host's node name, unique across hosts (e.g. node1). Required.",
    check: checkNodeName,
  }),
  nodeIp: declare<string>({
    section: SettingSection.Host,
    type: "string",
    default: "",
    description:
      "This host's IPv4 address, reachable from every other host; every Consul agent binds and advertises it. Empty - with a local Docker engine (unix://), this machine's first non-container IPv4 address, named in the output; required with a remote Docker host.",
  }),
  internalDatacenter: declare<string>({
    section: SettingSection.Host,
    type: "string",
    example: "vm1",
    description:
      "This host's own datacenter (vm1, vm2, ...), WAN-federated with the global one. Required.",
    check: checkDatacenter,
  }),
  dockerHost: declare<string>({
    section: SettingSection.Docker,
    type: "string",
    default: LOCAL_DOCKER_HOST,
    description: "Docker daemon of this host - unix:///path, tcp://host:port or ssh://user@host.",
    check: checkDockerHost,
  }),
  dockerSshOpts: declare<readonly string[]>({
    section: SettingSection.Docker,
    type: "array",
    items: "string",
    default: [],
    description: 'Extra ssh options for an ssh:// dockerHost (e.g. ["-i", "~/.ssh/id_node2"]).',
  }),
  dockerBridgeAddress: declare<string>({
    section: SettingSection.Docker,
    type: "string",
    default: DEFAULT_DOCKER_BRIDGE_ADDRESS,
    description:
      "The Docker bridge gateway address on this host, where containers reach Consul DNS and HTTP.",
    check: (key, value) =>
      checkIpv4Setting(key, value, DEFAULT_DOCKER_BRIDGE_ADDRESS, "the docker0 gateway"),
  }),
  dockerBridgeSubnet: declare<string>({
    section: SettingSection.Docker,
    type: "string",
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
  bootstrap: declare<boolean>({
    section: SettingSection.Cluster,
    type: "boolean",
    default: false,
    description:
      "Whether this host bootstraps the global datacenter (exactly one stack sets true).",
  }),
  bootstrapExpect: declare<number>({
    section: SettingSection.Cluster,
    type: "integer",
    default: 0,
    description:
      "Instead of one bootstrapping host (0 - unset) - every global server waits for this many servers before electing a leader (bootstrap_expect). Never with bootstrap. Then every stack sets joinAddresses and gossipKey (and aclManagementToken) explicitly.",
    // 0 is the "not given" default, which the reader turns into unset before anything is checked.
    check: checkServerCount,
  }),
  serverCount: declare<number>({
    section: SettingSection.Cluster,
    type: "integer",
    default: 0,
    description:
      "How many global servers (hosts) the cluster is built for (0 - unset: bootstrapExpect, else 3). Autopilot removes a dead server only while a majority of this many remain (min_quorum); Consul applies it when dc1 is first bootstrapped.",
    check: checkServerCount,
  }),
  bootstrapStack: declare<string>({
    section: SettingSection.Cluster,
    type: "string",
    default: "organization/distributed-consul/node1",
    description:
      'Stack whose outputs (globalJoinAddress, globalWanAddress, gossipKey, aclManagementToken) a joining stack reads; "" for none (then set them in config).',
  }),
  globalDatacenter: declare<string>({
    section: SettingSection.Cluster,
    type: "string",
    default: DEFAULT_GLOBAL_DATACENTER,
    description: "Name of the global datacenter that spans all hosts.",
    check: checkDatacenter,
  }),
  joinAddresses: declare<readonly string[]>({
    section: SettingSection.Cluster,
    type: "array",
    items: "string",
    default: [],
    description: `LAN join addresses (host:serf_lan, e.g. host:${DEFAULT_GLOBAL_PORTS.serfLan}) of existing global servers. When set, wins over the bootstrap stack's globalJoinAddress output. Default - read from bootstrapStack.`,
  }),
  wanJoinAddresses: declare<readonly string[]>({
    section: SettingSection.Cluster,
    type: "array",
    items: "string",
    default: [],
    description: `WAN addresses (host:serf_wan, e.g. host:${DEFAULT_GLOBAL_PORTS.serfWan}) of global servers on other hosts. When set, wins over the bootstrap stack's globalWanAddress output. Default - read from bootstrapStack.`,
  }),
  gossipKey: declare<string>({
    section: SettingSection.Security,
    type: "string",
    default: "",
    secret: true,
    description:
      "Gossip encryption key (32 bytes, base64; `consul keygen`), set with --secret (a plain value is refused). Empty - generated by the bootstrap stack and read from it by joining stacks. (Not marked secret here only because Pulumi refuses a plaintext default on a secret key, and a key without a default is required.)",
    check: checkGossipKey,
  }),
  aclEnabled: declare<boolean>({
    section: SettingSection.Security,
    type: "boolean",
    default: DEFAULT_PROTECTION_ENABLED,
    description:
      "Enforce Consul ACLs (default deny) in every datacenter, with least-privilege tokens made by the program and one management token shared by all stacks. false turns them off (warned about at every preview - then anyone who reaches an agent's API may read and write everything).",
  }),
  aclManagementToken: declare<string>({
    section: SettingSection.Security,
    type: "string",
    default: "",
    secret: true,
    description:
      "ACL management token (a UUID), set with --secret (a plain value is refused). Empty - generated by the bootstrap stack and read from it by joining stacks.",
  }),
  tlsCaCertificate: declare<string>({
    section: SettingSection.Security,
    type: "string",
    default: "",
    description:
      "The CA certificate (PEM) every agent trusts for RPC and HTTPS. Empty - generated by the bootstrap stack (output tlsCaCertificate) and read from it by joining stacks. Set together with tlsCaKey.",
  }),
  tlsCaKey: declare<string>({
    section: SettingSection.Security,
    type: "string",
    default: "",
    secret: true,
    description:
      "The CA's private key (PEM, Ed25519 as the bootstrap stack makes it), set with --secret (a plain value is refused); each stack signs its own servers' certificates with it. Empty - generated by the bootstrap stack and read from it by joining stacks.",
  }),
  consulImage: declare<string>({
    section: SettingSection.Servers,
    type: "string",
    default: DEFAULT_CONSUL_IMAGE,
    description: "Consul image, pinned to an exact tag or digest.",
    check: checkPinnedImage,
  }),
  globalPorts: declare<Partial<AgentPorts>>({
    section: SettingSection.Servers,
    type: "object",
    default: {},
    description: `Port overrides of the global server - any of ${PORT_NAMES.join(", ")}. Defaults - Consul's: ${portList(DEFAULT_GLOBAL_PORTS)}.`,
  }),
  internalPorts: declare<Partial<AgentPorts>>({
    section: SettingSection.Servers,
    type: "object",
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
  recursors: declare<readonly string[]>({
    section: SettingSection.Servers,
    type: "array",
    items: "string",
    default: DEFAULT_RECURSORS,
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
  ui: declare<boolean>({
    section: SettingSection.Servers,
    type: "boolean",
    default: DEFAULT_UI,
    description: "Serve the Consul web UI on the HTTP port.",
  }),
  logLevel: declare<LogLevel>({
    section: SettingSection.Servers,
    type: "string",
    default: DEFAULT_LOG_LEVEL,
    description: `Consul log level - ${LOG_LEVELS.join(", ")}.`,
  }),
  keepDataOnDestroy: declare<boolean>({
    section: SettingSection.Servers,
    type: "boolean",
    default: false,
    description:
      "Keep both Consul servers' data volumes (Raft state, KV, ACLs) on `pulumi destroy`; the next `up` adopts them, old peers included. Replacing a container never touches them either way. Default false - destroy removes what up created.",
  }),
  registrator: declare<Partial<RegistratorSettings>>({
    section: SettingSection.Containers,
    type: "object",
    default: {},
    description: `Options of this host's two registrators - image (default ${registratorDefaults.image}), registerInternal (${registratorDefaults.registerInternal}), cleanup (${registratorDefaults.cleanup}), resyncSeconds (${registratorDefaults.resyncSeconds}), retryAttempts (${registratorDefaults.retryAttempts}${registratorDefaults.retryAttempts === -1 ? ", forever" : ""}), retryIntervalMs (${registratorDefaults.retryIntervalMs}), deregister, ttlSeconds with ttlRefreshSeconds, tags, explicit (not in v7).`,
  }),
  waitTimeoutSeconds: declare<number>({
    section: SettingSection.Servers,
    type: "integer",
    default: DEFAULT_WAIT_TIMEOUT_SECONDS,
    description:
      "Seconds pulumi up waits for each Consul server to be healthy (a dc1 server: a voter autopilot reports healthy) before it fails and says why.",
    check: (key, value) =>
      Number.isInteger(value) && value >= 10
        ? []
        : [error(key, `${value} is too short a wait; give whole seconds, at least 10.`)],
  }),
  snapshots: declare<Partial<SnapshotStackSettings>>({
    section: SettingSection.Servers,
    type: "object",
    default: {},
    description: `Raft snapshots of dc1 saved before this host's dc1 server is replaced or destroyed (destroy needs --run-program), on the machine running Pulumi - enabled (${DEFAULT_SNAPSHOT_SETTINGS.enabled}), dir (${DEFAULT_SNAPSHOT_SETTINGS.dir}, relative to the project; <dir>/<datacenter>/<node>-<UTC time>.snap), keep (${DEFAULT_SNAPSHOT_SETTINGS.keep} per node).`,
  }),
  service: declare<Partial<ServiceSettings>>({
    section: SettingSection.Containers,
    type: "object",
    default: {},
    description: `The service container every host runs - enabled (${serviceDefaults.enabled}), image (${serviceDefaults.image}), envs (${serviceDefaults.envs.join(" ")}), ports (${serviceDefaults.ports.map((p) => `${p.internal} ${p.name}${p.check ? ` with a ${p.check.kind} check` : ""}`).join(", ")}), command, memoryMb (${serviceDefaults.memoryMb}), preparedQuery (${serviceDefaults.preparedQuery}).`,
  }),
} as const;

/** The name of a stack setting (`nodeName`, `logLevel`, …). */
export type SettingName = keyof typeof STACK_SETTINGS;

/** The settings whose declared value type is `T`. */
export type SettingsOfType<T> = {
  [K in SettingName]: (typeof STACK_SETTINGS)[K] extends SettingDeclaration<T> ? K : never;
}[SettingName];

/** Every setting's name, in declaration order. */
export const SETTING_NAMES = Object.keys(STACK_SETTINGS) as SettingName[];

/**
 * The declared default of a setting whose value type is `T`; `undefined` for a required one.
 */
export function declaredDefault<T>(name: SettingsOfType<T>): T | undefined {
  // SettingsOfType<T> guarantees the entry is a SettingDeclaration<T>; TypeScript cannot follow
  // an indexed access through the mapped type, hence the widening.
  return (STACK_SETTINGS[name] as SettingDeclaration<unknown> as SettingDeclaration<T>).default;
}

/** The problems of one setting's value on its own (its declared check), each naming `key`. */
export function checkSetting<T>(name: SettingsOfType<T>, key: string, value: T): Problem[] {
  const declaration = STACK_SETTINGS[name] as SettingDeclaration<unknown> as SettingDeclaration<T>;
  return declaration.check ? declaration.check(key, value) : [];
}
