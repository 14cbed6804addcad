/**
 * The ports one Consul agent listens on. With host networking every one of them is bound on the
 * host itself, and what the agent advertises is what it binds: there is no port mapping to get
 * wrong.
 */
export interface AgentPorts {
  /** Server RPC (TCP); must be reachable from every other server, also across datacenters. */
  readonly server: number;
  /** Serf LAN gossip (TCP and UDP), between the agents of one datacenter. */
  readonly serfLan: number;
  /** Serf WAN gossip (TCP and UDP), between the servers of all federated datacenters. */
  readonly serfWan: number;
  /** HTTP API (TCP); plain text, so only on loopback and the Docker bridge. */
  readonly http: number;
  /** HTTPS API (TCP): the API on the host address, for operators and the consul provider. */
  readonly https: number;
  /** DNS interface (TCP and UDP). */
  readonly dns: number;
  /** gRPC-TLS (TCP); on by default at 8503 in current Consul servers, so it must be moved too. */
  readonly grpcTls: number;
}

/** Consul's own defaults: the ports of the first agent on a host (the global server). */
export const DEFAULT_GLOBAL_PORTS: AgentPorts = {
  server: 8300,
  serfLan: 8301,
  serfWan: 8302,
  http: 8500,
  https: 8501,
  dns: 8600,
  grpcTls: 8503,
};

/**
 * Defaults of the host's internal datacenter server: Consul's ports moved by 10000 (18300,
 * 18301, …), clear of Consul's defaults and of common service ports such as Elasticsearch's
 * 9200/9300. Its DNS port is 53: it is the agent service containers use as their resolver.
 */
export const DEFAULT_INTERNAL_PORTS: AgentPorts = {
  server: 18300,
  serfLan: 18301,
  serfWan: 18302,
  http: 18500,
  https: 18501,
  dns: 53,
  grpcTls: 18503,
};

/** A transport protocol a listener uses. */
export const Protocol = { Tcp: "tcp", Udp: "udp" } as const;
/** One of {@link Protocol}'s values. */
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** One socket an agent listens on: which port key it comes from, its number and protocol. */
export interface Listener {
  /** The key of {@link AgentPorts} this listener comes from. */
  readonly key: keyof AgentPorts;
  /** The port number. */
  readonly port: number;
  /** The protocol. */
  readonly protocol: Protocol;
}

const PROTOCOLS: Record<keyof AgentPorts, readonly Protocol[]> = {
  server: ["tcp"],
  serfLan: ["tcp", "udp"],
  serfWan: ["tcp", "udp"],
  http: ["tcp"],
  https: ["tcp"],
  dns: ["tcp", "udp"],
  grpcTls: ["tcp"],
};

/** Every socket an agent with these ports opens, one entry per port and protocol. */
export function agentListeners(ports: AgentPorts): Listener[] {
  return (Object.keys(PROTOCOLS) as (keyof AgentPorts)[]).flatMap((key) =>
    PROTOCOLS[key].map((protocol) => ({ key, port: ports[key], protocol })),
  );
}

/** The Consul configuration key (under `ports`) of each {@link AgentPorts} field. */
export const CONSUL_PORT_KEYS: Record<keyof AgentPorts, string> = {
  server: "server",
  serfLan: "serf_lan",
  serfWan: "serf_wan",
  http: "http",
  https: "https",
  dns: "dns",
  grpcTls: "grpc_tls",
};
