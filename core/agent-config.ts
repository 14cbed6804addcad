import { AgentPorts } from "./agent-ports";
import { AgentOptions } from "./host-settings";
import { mergeExtraConfig } from "./extra-config";

/**
 * How a server takes part in forming its datacenter's Raft cluster.
 * - `self`: it elects itself (`bootstrap: true`); only for the single first server.
 * - `expect`: it waits for `servers` servers before electing (`bootstrap_expect`).
 * - `join`: it neither bootstraps nor expects; it joins a cluster that already has a leader.
 *
 * `bootstrap` and `bootstrap_expect` are never both written, by construction.
 */
export type BootstrapMode =
  | { readonly kind: "self" }
  | { readonly kind: "expect"; readonly servers: number }
  | { readonly kind: "join" };

// Consul's log levels are declared with the setting that takes them; re-exported here, where
// `log_level` is written.
export { LogLevel } from "./log-level";

/** ACL settings of an agent; the tokens themselves go to {@link AgentSecrets}. */
export interface AclSettings {
  /** Whether ACLs are enforced. */
  readonly enabled: boolean;
  /** Policy for requests without a matching rule. Default `"deny"`. */
  readonly defaultPolicy?: "allow" | "deny";
  /** Whether this datacenter replicates tokens from the primary (secondary datacenters). */
  readonly tokenReplication: boolean;
}

/**
 * Everything that shapes one Consul agent's configuration file (no secrets): the settings
 * every agent takes unchanged ({@link AgentOptions}: `recursors`, `ui_config`, `log_level`) and
 * those this server's role decides.
 */
export interface AgentSettings extends AgentOptions {
  /** Datacenter name, e.g. `dc1` or `vm1`. */
  readonly datacenter: string;
  /** Node name, unique in the datacenter. */
  readonly nodeName: string;
  /**
   * A server (`server: true`, a Raft voter) or a client agent (`server: false`: it joins the
   * servers, never bootstraps, has no autopilot; {@link bootstrap} must then be `join`).
   */
  readonly server: boolean;
  /** Address the agent binds its cluster sockets to (serf LAN/WAN, server RPC): the host address. */
  readonly bindAddress: string;
  /** Address advertised to the LAN pool; must be reachable by every agent of the datacenter. */
  readonly advertiseAddress: string;
  /** Address advertised to the WAN pool; must be reachable by every server of every datacenter. */
  readonly advertiseWanAddress: string;
  /** Addresses the plain-HTTP API listens on (`addresses.http`): never the LAN when TLS is on. */
  readonly httpAddresses: readonly string[];
  /** Addresses the HTTPS API listens on (`addresses.https`); used only with {@link tls}. */
  readonly httpsAddresses: readonly string[];
  /** Addresses the DNS interface listens on (`addresses.dns`). */
  readonly dnsAddresses: readonly string[];
  /**
   * TLS for server RPC (verified both ways, server names checked) and HTTPS, from the files at
   * {@link TLS_FILES}. Without it the agent has no HTTPS port.
   */
  readonly tls: boolean;
  /** Ports the agent listens on. */
  readonly ports: AgentPorts;
  /** How the server joins Raft. */
  readonly bootstrap: BootstrapMode;
  /** LAN join targets (`host` or `host:port`), retried until one answers. */
  readonly retryJoin: readonly string[];
  /** WAN join targets (`host:port` of other datacenters' servers), retried until one answers. */
  readonly retryJoinWan: readonly string[];
  /** The primary (ACL-authoritative) datacenter; written only when ACLs are on. */
  readonly primaryDatacenter: string;
  /** ACL settings. */
  readonly acl: AclSettings;
  /**
   * Leave the cluster gracefully on SIGTERM (`leave_on_terminate`). A server that leaves shrinks
   * the others' Raft configuration; one that stops without leaving stays a voter, and is one again
   * as soon as it is back. Global servers do not: their engine's or host's restart must not cost
   * the cluster a voter; they leave when Pulumi removes them, through their delete hook.
   */
  readonly leaveOnTerminate: boolean;
  /**
   * Rejoin the members it knew after it left (`rejoin_after_leave`): a server that left (a
   * replacement, an operator's `consul leave`) and starts again on the same data joins its
   * cluster again, as after a crash; a bootstrap server has no `retry_join` to find the others.
   * @default false
   */
  readonly rejoinAfterLeave?: boolean;
  /**
   * Autopilot's removal of dead servers, for a datacenter of several servers: dead servers are
   * removed (`cleanup_dead_servers`) only while more than `minQuorum` voters remain (`min_quorum`).
   * Consul applies these keys when the datacenter is first bootstrapped; later changes go through
   * `consul operator autopilot set-config`. Default: not written (a one-server datacenter).
   * @default not written
   */
  readonly autopilot?: { readonly minQuorum: number };
}

/**
 * Consul's `performance.raft_multiplier`: 1 is HashiCorp's production setting (Consul's default, 5,
 * is meant for development machines). A follower calls an election after about a second without
 * the leader instead of five, so writes resume within a few seconds when the leader dies.
 */
export const RAFT_MULTIPLIER = 1;

/**
 * How long an agent keeps a metric for Prometheus after it last changed (`telemetry.
 * prometheus_retention_time`). Setting it is what turns on `/v1/agent/metrics?format=prometheus`;
 * it must outlast the scrape interval (Prometheus' default: 1 minute), or a metric that changes
 * less often than every scrape disappears between scrapes.
 */
export const PROMETHEUS_RETENTION_TIME = "60s";

/** Where an agent serves its metrics; Prometheus format with `?format=prometheus`. */
export const METRICS_PATH = "/v1/agent/metrics";

/**
 * Consul's `telemetry` block with Prometheus metrics on: kept {@link PROMETHEUS_RETENTION_TIME},
 * and without the host name in every metric's name (`consul_raft_...`, not
 * `consul_<node>_raft_...`; the node is the scrape target's label).
 */
function telemetryKeys(): ConsulConfigDocument {
  return {
    telemetry: { prometheus_retention_time: PROMETHEUS_RETENTION_TIME, disable_hostname: true },
  };
}

/** The secret part of an agent's configuration, kept apart from the readable part. */
export interface AgentSecrets {
  /** Gossip encryption key: 32 random bytes, base64 (what `consul keygen` prints). */
  readonly gossipKey?: string;
  /** ACL bootstrap token of the primary datacenter (`acl.tokens.initial_management`). */
  readonly initialManagementToken?: string;
  /** Token the agent uses for its own operations (`acl.tokens.agent`). */
  readonly agentToken?: string;
  /** Token secondary datacenters use to replicate ACLs (`acl.tokens.replication`). */
  readonly replicationToken?: string;
}

/** A Consul agent configuration document, as Consul reads it from a `.json` file. */
export type ConsulConfigDocument = { readonly [key: string]: ConsulConfigValue };
/** A value in a {@link ConsulConfigDocument}. */
export type ConsulConfigValue =
  string | number | boolean | readonly ConsulConfigValue[] | ConsulConfigDocument;

/** Where the official image reads configuration from, and the file names this project writes. */
export const CONFIG_DIR = "/consul/config";
/** The non-secret configuration file. */
export const AGENT_CONFIG_FILE = `${CONFIG_DIR}/agent.json`;
/**
 * The environment variable the official image's entrypoint writes to `/consul/config/local.json`;
 * it carries the secret part of the configuration (gossip key, ACL tokens).
 */
export const LOCAL_CONFIG_ENV = "CONSUL_LOCAL_CONFIG";
/**
 * Where an agent's TLS files are: the CA and the certificate are uploaded with the configuration;
 * the private key is written by the container's start script from an environment variable (see
 * `core/agent-start`), so that it never appears in a readable upload.
 */
export const TLS_FILES = {
  dir: `${CONFIG_DIR}/tls`,
  ca: `${CONFIG_DIR}/tls/ca.pem`,
  certificate: `${CONFIG_DIR}/tls/server.pem`,
  privateKey: `${CONFIG_DIR}/tls/server-key.pem`,
} as const;

/** Where the official image keeps Raft and agent state. */
export const DATA_DIR = "/consul/data";

function bootstrapKeys(mode: BootstrapMode): ConsulConfigDocument {
  switch (mode.kind) {
    case "self":
      return { bootstrap: true };
    case "expect":
      return { bootstrap_expect: mode.servers };
    case "join":
      return {};
  }
}

/**
 * TLS as HashiCorp's production guidance has it: every RPC connection between agents is TLS with
 * a certificate signed by the cluster's CA, both sides verified, and the server's name
 * (`server.<datacenter>.consul`) checked, so only a holder of a server certificate can act as a
 * server. HTTPS presents the same certificate; its callers authenticate with ACL tokens, not
 * client certificates.
 */
function tlsKeys(): ConsulConfigDocument {
  return {
    tls: {
      defaults: {
        ca_file: TLS_FILES.ca,
        cert_file: TLS_FILES.certificate,
        key_file: TLS_FILES.privateKey,
        verify_incoming: true,
        verify_outgoing: true,
      },
      internal_rpc: { verify_server_hostname: true },
      https: { verify_incoming: false },
    },
  };
}

/**
 * The non-secret configuration of one Consul agent, a server or a client (`settings.server`: a
 * client gets no `bootstrap`/`bootstrap_expect` and no autopilot). Only current keys are used
 * (`retry_join`, never `start_join`; `ui_config`, never `ui`). `extraConfig` is merged last,
 * objects deeply (it is checked not to hold a key the project writes, see `core/extra-config`).
 */
export function buildAgentConfig(settings: AgentSettings): ConsulConfigDocument {
  return mergeExtraConfig(projectAgentConfig(settings), settings.extraConfig);
}

/** What the project itself writes into one server agent's configuration. */
function projectAgentConfig(settings: AgentSettings): ConsulConfigDocument {
  const { ports } = settings;
  const acl: ConsulConfigDocument = settings.acl.enabled
    ? {
        primary_datacenter: settings.primaryDatacenter,
        acl: {
          enabled: true,
          default_policy: settings.acl.defaultPolicy ?? "deny",
          down_policy: "extend-cache",
          enable_token_persistence: true,
          ...(settings.acl.tokenReplication ? { enable_token_replication: true } : {}),
        },
      }
    : {};
  return {
    datacenter: settings.datacenter,
    node_name: settings.nodeName,
    server: settings.server,
    ...(settings.server ? bootstrapKeys(settings.bootstrap) : {}),
    data_dir: DATA_DIR,
    bind_addr: settings.bindAddress,
    advertise_addr: settings.advertiseAddress,
    advertise_addr_wan: settings.advertiseWanAddress,
    // Anything without its own address below (gRPC-TLS) listens on loopback only.
    client_addr: "127.0.0.1",
    addresses: {
      http: settings.httpAddresses.join(" "),
      ...(settings.tls ? { https: settings.httpsAddresses.join(" ") } : {}),
      dns: settings.dnsAddresses.join(" "),
    },
    ports: {
      server: ports.server,
      serf_lan: ports.serfLan,
      serf_wan: ports.serfWan,
      http: ports.http,
      https: settings.tls ? ports.https : -1,
      dns: ports.dns,
      grpc: -1,
      grpc_tls: ports.grpcTls,
    },
    ...(settings.tls ? tlsKeys() : {}),
    retry_join: [...settings.retryJoin],
    retry_join_wan: [...settings.retryJoinWan],
    recursors: [...settings.recursors],
    // A UDP answer holds at most 3 records (Consul's udp_answer_limit); with more instances it
    // says it is truncated, so resolvers ask again over TCP and get every host's address.
    dns_config: { enable_truncate: true },
    ui_config: { enabled: settings.ui },
    log_level: settings.logLevel,
    ...(settings.metrics ? telemetryKeys() : {}),
    disable_update_check: true,
    leave_on_terminate: settings.leaveOnTerminate,
    ...(settings.rejoinAfterLeave ? { rejoin_after_leave: true } : {}),
    // The gossip key comes from configuration (`encrypt`), not from a keyring file in the data
    // directory: otherwise a kept or adopted data directory silently overrides the key Pulumi holds.
    disable_keyring_file: true,
    performance: { raft_multiplier: RAFT_MULTIPLIER },
    ...(settings.server && settings.autopilot
      ? {
          autopilot: {
            cleanup_dead_servers: true,
            min_quorum: settings.autopilot.minQuorum,
          },
        }
      : {}),
    ...acl,
  };
}

/** The secret part's configuration document; an empty object when there is nothing secret. */
export function buildAgentSecretConfig(secrets: AgentSecrets): ConsulConfigDocument {
  const tokens: Record<string, string> = {};
  if (secrets.initialManagementToken) tokens.initial_management = secrets.initialManagementToken;
  if (secrets.agentToken) tokens.agent = secrets.agentToken;
  if (secrets.replicationToken) tokens.replication = secrets.replicationToken;
  return {
    ...(secrets.gossipKey ? { encrypt: secrets.gossipKey } : {}),
    ...(Object.keys(tokens).length > 0 ? { acl: { tokens } } : {}),
  };
}

/**
 * Serialises a configuration document the way it is uploaded: stable key order (insertion order
 * of the builder), two-space indentation, trailing newline. Same settings, same bytes.
 */
export function renderConfig(document: ConsulConfigDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
