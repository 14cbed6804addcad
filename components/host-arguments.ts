// Generated from core/host-settings.ts by `npm run docs:config`; do not edit.
import * as pulumi from "@pulumi/pulumi";
import type { AgentPorts } from "../core/agent-ports";
import type { ExtraAgentConfig } from "../core/extra-config";
import type { HostRole } from "../core/host-role";
import type { LogLevel } from "../core/log-level";
import type {
  RegistratorSettings,
  ScheduledSnapshotSettings,
  ServiceSettings,
  SnapshotSettings,
} from "../core/host-settings";
import type { ServerResources } from "../core/server-resources";

/**
 * Every host setting as a component argument: the same names, meaning and defaults as the stack
 * settings (`core/host-settings.ts` declares each once; this file is generated from it).
 */
export interface HostArguments {
  /** This host's node name, unique across hosts (e.g. `node1`). Required. */
  readonly nodeName: pulumi.Input<string>;
  /**
   * This host's IPv4 address, reachable from every other host; every Consul agent binds and
   * advertises it. Required.
   */
  readonly hostAddress: pulumi.Input<string>;
  /** This host's own datacenter (e.g. `vm1`), WAN-federated with the global one. Required. */
  readonly internalDatacenter: pulumi.Input<string>;
  /**
   * The Docker engine this host's containers run on, as the docker provider's `host`: when a
   * server does not become healthy, `pulumi up` reads its log there and says why.
   * @default unix:///var/run/docker.sock
   */
  readonly dockerHost?: pulumi.Input<string>;
  /**
   * The Docker bridge gateway address, where this host's containers reach Consul DNS and HTTP.
   * @default 172.17.0.1
   */
  readonly dockerBridgeAddress?: pulumi.Input<string>;
  /**
   * The Docker bridge subnet; no Consul agent may advertise an address inside it.
   * @default 172.17.0.0/16
   */
  readonly dockerBridgeSubnet?: string;
  /**
   * This host's role in the global datacenter: `server` (a voter; run three or five) or `client`
   * (a client agent that joins the servers, for every other host). A client host runs its internal
   * datacenter, registrators and service exactly as a server host does; it never bootstraps.
   * @default server
   */
  readonly role?: HostRole;
  /**
   * This host bootstraps the global datacenter and, unless they are given, makes the cluster's
   * gossip key, ACL management token and CA (exactly one host sets it).
   * @default false
   */
  readonly bootstrap?: boolean;
  /**
   * Instead of one bootstrapping host, every global server waits for this many servers before
   * electing a leader (`bootstrap_expect`). Never with `bootstrap`; then every host is given the
   * shared secrets and the others' `joinAddresses`.
   * @default unset
   */
  readonly bootstrapExpect?: number;
  /**
   * How many global servers (hosts) the cluster is built for: autopilot never removes a dead
   * server while only this many voters remain (`min_quorum`), so a server that comes back is a
   * voter at once; applied when dc1 is first bootstrapped.
   * @default bootstrapExpect, else 3
   */
  readonly serverCount?: number;
  /**
   * Name of the global datacenter that spans all hosts.
   * @default dc1
   */
  readonly globalDatacenter?: string;
  /**
   * LAN join addresses (`host:serf_lan`) of existing global servers; they win over the cluster's.
   * @default the cluster's (none on the bootstrap host)
   */
  readonly joinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * WAN addresses (`host:serf_wan`) of global servers on other hosts, which the internal
   * datacenter joins besides this host's own global server; they win over the cluster's.
   * @default the cluster's (none on the bootstrap host)
   */
  readonly wanJoinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The gossip key every agent shares (32 bytes, base64; `consul keygen`), kept a secret.
   * @default the cluster's; made by the bootstrap host
   */
  readonly gossipKey?: pulumi.Input<string>;
  /**
   * Consul ACLs with default deny and a least-privilege token for every agent, registrator and
   * query. `false` turns them off, warned about at every preview. TLS and gossip encryption are
   * always on.
   * @default true
   */
  readonly aclEnabled?: boolean;
  /**
   * The ACL management token (a UUID), kept a secret.
   * @default the cluster's; made by the bootstrap host
   */
  readonly aclManagementToken?: pulumi.Input<string>;
  /**
   * The CA certificate (PEM) every agent trusts for RPC and HTTPS; given with `tlsCaKey`.
   * @default the cluster's; made by the bootstrap host
   */
  readonly tlsCaCertificate?: pulumi.Input<string>;
  /**
   * The CA's private key (PEM), with which each server's certificate is issued; kept a secret.
   * @default the cluster's; made by the bootstrap host
   */
  readonly tlsCaKey?: pulumi.Input<string>;
  /**
   * Consul image for both servers, an exact tag or digest.
   * @default hashicorp/consul:1.22.7
   */
  readonly consulImage?: pulumi.Input<string>;
  /**
   * Port overrides of the global server; unspecified ports keep Consul's.
   * @default Consul's (8300, 8301, 8302, 8500, 8501, 8502, 8503, 8600)
   */
  readonly globalPorts?: Partial<AgentPorts>;
  /**
   * Port overrides of the internal server; unspecified ports keep Consul's plus 10000, DNS on 53.
   * @default Consul's plus 10000, DNS on 53
   */
  readonly internalPorts?: Partial<AgentPorts>;
  /**
   * Memory and CPU limits of the global server's container (`memoryMb`, `cpus`; 0: none).
   * @default memoryMb 512, cpus 1
   */
  readonly globalResources?: ServerResources;
  /**
   * Memory and CPU limits of the internal server's container (`memoryMb`, `cpus`; 0: none).
   * @default memoryMb 256, cpus 1
   */
  readonly internalResources?: ServerResources;
  /**
   * Upstream DNS servers Consul forwards names outside Consul to.
   * @default ["1.1.1.1", "8.8.8.8"]
   */
  readonly recursors?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Serve the Consul web UI at `/ui/` on both servers: over HTTPS on the host address (port 8501
   * for the global server, 18501 for the internal one by default; verified with the
   * `tlsCaCertificate` output, logged in with the read-only `uiToken` output), and over plain HTTP
   * on loopback and the Docker bridge only.
   * @default true
   */
  readonly ui?: pulumi.Input<boolean>;
  /**
   * Consul's log level, one of {@link LogLevel}'s.
   * @default info
   */
  readonly logLevel?: pulumi.Input<LogLevel>;
  /**
   * Prometheus metrics on every Consul agent (Consul's `telemetry` block: 60 s retention, no host
   * name prefix), served at `/v1/agent/metrics?format=prometheus` over HTTPS on the host address
   * and read with the `metricsToken` output.
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * Consul agent settings the project does not model (Consul's own snake_case keys, e.g.
   * `{ limits: { http_max_conns_per_client: 400 } }`), merged into both servers' configuration,
   * objects deeply. Checked at preview: a key Consul does not accept fails naming the nearest one
   * that it does; a key the project sets (addresses, ports, TLS, ACLs, joins, encryption, …)
   * fails naming the setting that sets it.
   * @default {}
   */
  readonly extraConfig?: ExtraAgentConfig;
  /**
   * Keep both servers' data volumes (Raft state, KV, ACLs) and the scheduled snapshots' volume on
   * `pulumi destroy`; the next `up` adopts them, old peers included. Replacing a container never touches them either way.
   * @default false
   */
  readonly keepDataOnDestroy?: boolean;
  /**
   * Seconds `pulumi up` waits for each Consul server to be healthy (a dc1 server: a voter
   * autopilot reports healthy) before it fails and says why.
   * @default 120
   */
  readonly waitTimeoutSeconds?: number;
  /**
   * Raft snapshots of the global datacenter saved before this host's global server is replaced
   * or destroyed, on the machine running Pulumi.
   * @default on, dir snapshots, keep 5
   */
  readonly snapshots?: SnapshotSettings;
  /**
   * Raft snapshots of the global datacenter taken every `intervalSeconds` by a sidecar container
   * next to this host's global server (`consul-snapshots-<datacenter>-<node>`, with a token of
   * its own), kept in a volume on this host (`consul-<datacenter>-<node>-snapshots`), the newest
   * `keep` of them. Not on a client host. The sidecar runs with fixed limits,
   * `SCHEDULED_SNAPSHOTS_RESOURCES` (64 MB without swap, half a core; a few times what a save was
   * measured to use).
   * @default on, intervalSeconds 3600, keep 24
   */
  readonly scheduledSnapshots?: ScheduledSnapshotSettings;
  /**
   * Options of this host's two registrators (image, registerInternal and registrator's flags).
   * @default both registrators, with the Registrator component's flags
   */
  readonly registrator?: RegistratorSettings;
  /**
   * The service container this host runs, registered by both registrators.
   * @default none
   */
  readonly service?: ServiceSettings;
}

/**
 * The settings every Consul agent takes unchanged (`agentWide` in the declaration), as the
 * arguments of every component that runs Consul servers.
 */
export interface AgentArguments {
  /**
   * Upstream DNS servers Consul forwards names outside Consul to.
   * @default ["1.1.1.1", "8.8.8.8"]
   */
  readonly recursors?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Serve the Consul web UI at `/ui/` on both servers: over HTTPS on the host address (port 8501
   * for the global server, 18501 for the internal one by default; verified with the
   * `tlsCaCertificate` output, logged in with the read-only `uiToken` output), and over plain HTTP
   * on loopback and the Docker bridge only.
   * @default true
   */
  readonly ui?: pulumi.Input<boolean>;
  /**
   * Consul's log level, one of {@link LogLevel}'s.
   * @default info
   */
  readonly logLevel?: pulumi.Input<LogLevel>;
  /**
   * Prometheus metrics on every Consul agent (Consul's `telemetry` block: 60 s retention, no host
   * name prefix), served at `/v1/agent/metrics?format=prometheus` over HTTPS on the host address
   * and read with the `metricsToken` output.
   * @default true
   */
  readonly metrics?: boolean;
  /**
   * Consul agent settings the project does not model (Consul's own snake_case keys, e.g.
   * `{ limits: { http_max_conns_per_client: 400 } }`), merged into both servers' configuration,
   * objects deeply. Checked at preview: a key Consul does not accept fails naming the nearest one
   * that it does; a key the project sets (addresses, ports, TLS, ACLs, joins, encryption, …)
   * fails naming the setting that sets it.
   * @default {}
   */
  readonly extraConfig?: ExtraAgentConfig;
}
