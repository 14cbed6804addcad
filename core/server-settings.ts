import { AgentSettings, ConsulConfigDocument, buildAgentConfig } from "./agent-config";
import { AgentPorts } from "./agent-ports";
import { AGENT_SETTING_NAMES, AgentOptions } from "./host-settings";

/**
 * Everything that decides one server agent's configuration, resolved and defaulted: the one
 * shape a server's settings have between a component's arguments and Consul's configuration
 * document ({@link globalAgentConfig}, {@link internalAgentConfig}). The components resolve their
 * arguments into it and hand it over; how it maps to Consul's keys (`AgentSettings`) is the
 * core's own business. The settings every agent takes unchanged ({@link AgentOptions}) pass
 * through without being named.
 */
export interface ServerSpec extends AgentOptions {
  /** Node name of this host (e.g. `node1`); unique across hosts. */
  readonly nodeName: string;
  /** The host's address, reachable from every other host; every agent binds and advertises it. */
  readonly hostAddress: string;
  /** The Docker bridge gateway address of this host, reachable from its containers. */
  readonly dockerBridgeAddress: string;
  /** Datacenter name. */
  readonly datacenter: string;
  /** Ports of this agent. */
  readonly ports: AgentPorts;
  /** Whether ACLs are enforced; `globalDatacenter` is then authoritative. */
  readonly aclEnabled: boolean;
  /** Whether the agent has TLS (RPC verified both ways, HTTPS on the host address). */
  readonly tls: boolean;
  /** The global datacenter's name: the primary (ACL-authoritative) datacenter. */
  readonly globalDatacenter: string;
}

/** This host's server of the global datacenter. */
export interface GlobalServerSpec extends ServerSpec {
  /** Whether this host bootstraps the global datacenter (elects itself when alone). */
  readonly bootstrap: boolean;
  /** `bootstrap_expect`, when every server waits for a count instead; ignored with `bootstrap`. */
  readonly bootstrapExpect?: number;
  /** LAN addresses (`host:serf_lan`) of the other global servers to join (`retry_join`). */
  readonly joinAddresses: readonly string[];
  /**
   * How many servers the global datacenter is built for (one per host): autopilot removes no dead
   * server while only this many voters remain (`min_quorum`).
   */
  readonly serverCount: number;
}

/**
 * This host's client agent of the global datacenter (a host whose `role` is `client`): it joins
 * the servers and never bootstraps or votes.
 */
export interface GlobalClientSpec extends ServerSpec {
  /** LAN addresses (`host:serf_lan`) of the global servers to join (`retry_join`); non-empty. */
  readonly joinAddresses: readonly string[];
}

/** The smallest majority of `servers`: how many must agree for Raft to have a leader. */
export function majority(servers: number): number {
  return Math.floor(servers / 2) + 1;
}

/** This host's internal datacenter server. */
export interface InternalServerSpec extends ServerSpec {
  /** WAN addresses (`host:serf_wan`) of every global server (`retry_join_wan`). */
  readonly wanJoinAddresses: readonly string[];
}

/** `host:port`, the form Consul's join lists and this project's address outputs use. */
export function hostPort(host: string, port: number): string {
  return `${host}:${port}`;
}

/** The settings every agent takes unchanged, picked from a server's spec. */
function agentOptionsOf(spec: ServerSpec): AgentOptions {
  return Object.fromEntries(AGENT_SETTING_NAMES.map((name) => [name, spec[name]])) as AgentOptions;
}

/**
 * Where the API listens. Plain HTTP: loopback (healthcheck, registrator, local tools) and the
 * Docker bridge (this host's containers); the host address too only without TLS, where it is
 * the only way in for `pulumi up` and operators. HTTPS: the host address and loopback. Never
 * 0.0.0.0.
 */
function apiAddresses(
  host: ServerSpec,
): Pick<AgentSettings, "httpAddresses" | "httpsAddresses" | "tls"> {
  return {
    httpAddresses: host.tls
      ? ["127.0.0.1", host.dockerBridgeAddress]
      : ["127.0.0.1", host.hostAddress, host.dockerBridgeAddress],
    httpsAddresses: host.tls ? ["127.0.0.1", host.hostAddress] : [],
    tls: host.tls,
  };
}

/** Consul's configuration document of a global server. */
export function globalAgentConfig(spec: GlobalServerSpec): ConsulConfigDocument {
  return buildAgentConfig(globalServerSettings(spec));
}

/** Consul's configuration document of a global client agent. */
export function globalClientAgentConfig(spec: GlobalClientSpec): ConsulConfigDocument {
  return buildAgentConfig(globalClientSettings(spec));
}

/** Consul's configuration document of an internal datacenter's server. */
export function internalAgentConfig(spec: InternalServerSpec): ConsulConfigDocument {
  return buildAgentConfig(internalServerSettings(spec));
}

/**
 * The global server: binds and advertises the host address on LAN and WAN. A bootstrapping host
 * elects itself; with `bootstrapExpect` every server waits for that many; otherwise the server
 * joins the servers it is given and never bootstraps.
 */
export function globalServerSettings(opts: GlobalServerSpec): AgentSettings {
  return {
    datacenter: opts.datacenter,
    nodeName: opts.nodeName,
    server: true,
    bindAddress: opts.hostAddress,
    advertiseAddress: opts.hostAddress,
    advertiseWanAddress: opts.hostAddress,
    ...apiAddresses(opts),
    // DNS answers on the LAN too (read-only, and only what the anonymous token may read).
    dnsAddresses: ["127.0.0.1", opts.hostAddress, opts.dockerBridgeAddress],
    ports: opts.ports,
    bootstrap: opts.bootstrap
      ? { kind: "self" }
      : opts.bootstrapExpect !== undefined
        ? { kind: "expect", servers: opts.bootstrapExpect }
        : { kind: "join" },
    retryJoin: opts.joinAddresses,
    // The global servers form the WAN pool among themselves through LAN membership; internal
    // datacenters join them over WAN.
    retryJoinWan: [],
    ...agentOptionsOf(opts),
    primaryDatacenter: opts.globalDatacenter,
    acl: { enabled: opts.aclEnabled, tokenReplication: false },
    // Planned and unplanned stops are told apart. A server leaves the Raft configuration only
    // when Pulumi removes its container (its delete hook asks it to leave: `pulumi destroy`, a
    // replacement, a roll), so `destroy` of node2 still leaves node1 a working one-server cluster.
    // A stop it did not ask for (its engine or host restarting, a crash, a partition) keeps it a
    // voter, and a voter again as soon as it is back: no re-admission as a non-voter, no minute
    // with one voter fewer.
    leaveOnTerminate: false,
    // After its leave, the same server on the same data (a replacement) joins its cluster again.
    rejoinAfterLeave: true,
    // Autopilot never removes a dead server of the cluster as built (a host lost for good is
    // removed with `npm run forget`, see docs/day-two.md); beyond that count it cleans up.
    autopilot: { minQuorum: opts.serverCount },
  };
}

/**
 * A global client agent (`server: false`): binds and advertises the host address like a server,
 * serves the API and DNS where a server host's global server does (so registrator, the host's
 * containers and `pulumi up` find it at the same addresses), `retry_join`s the servers it is given,
 * and has neither `bootstrap`/`bootstrap_expect` nor autopilot. It leaves on SIGTERM, Consul's
 * default for a client: a client's leave costs the servers nothing.
 */
export function globalClientSettings(opts: GlobalClientSpec): AgentSettings {
  return {
    datacenter: opts.datacenter,
    nodeName: opts.nodeName,
    server: false,
    bindAddress: opts.hostAddress,
    advertiseAddress: opts.hostAddress,
    advertiseWanAddress: opts.hostAddress,
    ...apiAddresses(opts),
    dnsAddresses: ["127.0.0.1", opts.hostAddress, opts.dockerBridgeAddress],
    ports: opts.ports,
    bootstrap: { kind: "join" },
    retryJoin: opts.joinAddresses,
    // Clients take no part in the WAN pool: this host's internal datacenter joins the servers.
    retryJoinWan: [],
    ...agentOptionsOf(opts),
    primaryDatacenter: opts.globalDatacenter,
    acl: { enabled: opts.aclEnabled, tokenReplication: false },
    leaveOnTerminate: true,
  };
}

/**
 * The internal datacenter's only server: it elects itself (one-server datacenter), advertises the
 * host address on LAN and WAN (never a container address, the cause of the original WAN flapping),
 * joins every global server over WAN, and serves DNS on the Docker bridge address for this host's
 * containers.
 */
export function internalServerSettings(opts: InternalServerSpec): AgentSettings {
  return {
    datacenter: opts.datacenter,
    nodeName: `${opts.nodeName}-${opts.datacenter}`,
    server: true,
    bindAddress: opts.hostAddress,
    advertiseAddress: opts.hostAddress,
    advertiseWanAddress: opts.hostAddress,
    ...apiAddresses(opts),
    // DNS only where containers look for it; port 53 elsewhere on the host is left alone.
    dnsAddresses: [opts.dockerBridgeAddress],
    ports: opts.ports,
    bootstrap: { kind: "self" },
    retryJoin: [],
    retryJoinWan: opts.wanJoinAddresses,
    ...agentOptionsOf(opts),
    primaryDatacenter: opts.globalDatacenter,
    acl: { enabled: opts.aclEnabled, tokenReplication: opts.aclEnabled },
    // The datacenter's only server: there is no one to leave to.
    leaveOnTerminate: false,
  };
}
