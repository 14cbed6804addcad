import * as pulumi from "@pulumi/pulumi";
import { AgentPorts, DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import {
  GlobalServerSpec,
  globalAgentConfig,
  globalClientAgentConfig,
  hostPort,
} from "../core/server-settings";
import { HostRole } from "../core/host-role";
import { issueClientTls } from "../core/server-tls";
import { AGENT_TOKEN_ENV, MANAGEMENT_TOKEN_ENV } from "../core/agent-start";
import { HEALTH_TOKEN_ENV } from "../core/health";
import {
  generatedAclToken,
  generatedCertificateAuthority,
  generatedGossipKey,
  GeneratedCertificateAuthority,
} from "./generated-secrets";
import {
  ConsulServerArgs,
  ConsulServerTls,
  GlobalConsulAcl,
  checkedGossipKey,
  serverApiOutputs,
  serverSecurityOf,
  serverTls,
  KnownServerArgs,
  declareConsulServer,
  knownServerArgs,
  resolveServerArgs,
} from "./consul-server-container";
import {
  DEFAULT_GLOBAL_DATACENTER,
  DEFAULT_SERVER_COUNT,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
} from "../core/defaults";
import { ArgumentCheck, known } from "./input-checks";
import { failOnProblems } from "./problems-error";
import { JoinList, checkTopology, componentKeyNamer, joinListOf } from "../core/topology";
import { hostTopologyOf } from "../core/host-topology";
import { Problem, error } from "../core/problems";
import { ServerRole, isOn, missingServerValue } from "../core/secure-defaults";
import { DEFAULT_SNAPSHOTS_DIR, DEFAULT_SNAPSHOTS_KEEP } from "../core/snapshot-files";
import { SnapshotSettings, checkSetting } from "../core/host-settings";
import {
  DEFAULT_GLOBAL_RESOURCES,
  ServerResources,
  containerLimits,
} from "../core/server-resources";

/** Arguments of {@link GlobalConsul}. */
export interface GlobalConsulArgs extends ConsulServerArgs {
  /**
   * A voting server or a client agent (`client`: `server: false`, it `retry_join`s
   * `joinAddresses`, never bootstraps, has no autopilot and no snapshots, and presents a client
   * certificate `client.<datacenter>.consul` from the cluster's CA). Default `server`.
   * @default server
   */
  readonly role?: HostRole;
  /**
   * Whether this host bootstraps the global datacenter. Default `false` (it joins).
   * @default false
   */
  readonly bootstrap?: boolean;
  /**
   * Instead of one bootstrapping host: every server waits for this many servers before electing
   * a leader (`bootstrap_expect`). Never combined with `bootstrap`. Default: unset.
   * @default unset
   */
  readonly bootstrapExpect?: number;
  /**
   * How many servers the global datacenter is built for (one per host). Autopilot never removes a
   * dead server (`cleanup_dead_servers`) while only this many voters remain (`min_quorum`), so a
   * server that comes back is a voter at once; Consul applies it when the datacenter is first
   * bootstrapped. Default: `bootstrapExpect`, else 3.
   * @default bootstrapExpect, else 3
   */
  readonly serverCount?: number;
  /**
   * LAN join addresses (`host:serf_lan`) of other global servers, e.g. another `GlobalConsul`'s
   * `joinAddress` output (`retry_join`). Required (non-empty) unless `bootstrap` or
   * `bootstrapExpect` is set. Default `[]`.
   * @default []
   */
  readonly joinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The global datacenter's name. Default `dc1`.
   * @default dc1
   */
  readonly globalDatacenter?: pulumi.Input<string>;
  /**
   * ACLs, enforced with default deny in every datacenter (this one is the primary). Default: a
   * bootstrap server makes its management token (`{ managementToken }`, see the
   * `managementToken` output); every other server needs it, unless `aclEnabled: false`.
   * @default made by a bootstrap server; required otherwise
   */
  readonly acl?: GlobalConsulAcl;
  /**
   * Port overrides; unspecified ports keep Consul's defaults, {@link DEFAULT_GLOBAL_PORTS}. Default `{}`.
   * @default {}
   */
  readonly globalPorts?: Partial<AgentPorts>;
  /**
   * Memory and CPU limits of the container (`memoryMb`, `cpus`; 0: none). Default: 512 MB, one
   * core (see `DEFAULT_GLOBAL_RESOURCES`).
   * @default memoryMb 512, cpus 1
   */
  readonly globalResources?: ServerResources;
  /**
   * Raft snapshots saved before this server's container is deleted (replaced, or destroyed with
   * `pulumi destroy --run-program`), on the machine running Pulumi. Default: on, into
   * `snapshots/<datacenter>/` under the program's working directory, 5 kept per node, with the
   * management token when this server holds it.
   * @default on, dir snapshots, keep 5
   */
  readonly snapshots?: GlobalConsulSnapshots;
}

/** Where and how a `GlobalConsul` saves a snapshot before its container is deleted. */
export interface GlobalConsulSnapshots extends SnapshotSettings {
  /**
   * A token allowed to take snapshots and to make this server leave (`agent:write`): the
   * management token; a Pulumi secret. The delete hook uses it for both, snapshots on or off.
   * Default: the management token when this server holds it (`acl.managementToken`); with ACLs on
   * and no token, the datacenter refuses and the hook warns.
   * @default acl.managementToken
   */
  readonly token?: pulumi.Input<string>;
  /**
   * APIs (`host:port`, same scheme as this server's: HTTPS with TLS) of the datacenter's other
   * servers, asked when this one does not answer. Default: none.
   * @default none
   */
  readonly otherApiAddresses?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * This host's server of the global datacenter (`dc1`) that spans all hosts. The bootstrap host
 * elects itself; the others `retry_join` it. Host networking, configuration uploaded as JSON,
 * Raft state on a named volume, healthy only once a leader is known. Secure unless told
 * otherwise: ACLs with default deny, TLS verified both ways, gossip encryption; the bootstrap
 * server makes what it is not given (gossip key, management token, CA) and offers it as outputs
 * for the servers that join.
 */
export class GlobalConsul extends pulumi.ComponentResource {
  /** The agent's node name. */
  public readonly nodeName: pulumi.Output<string>;
  /** The global datacenter's name. */
  public readonly globalDatacenter: pulumi.Output<string>;
  /** Where other global servers LAN-join this one: `host:serf_lan`. */
  public readonly joinAddress: pulumi.Output<string>;
  /** Where other datacenters' servers WAN-join this one: `host:serf_wan`. */
  public readonly wanAddress: pulumi.Output<string>;
  /**
   * The API for `pulumi up` and operators: `host:https` with TLS, `host:http` without; known once
   * the agent is healthy, so a consul provider given it waits.
   */
  public readonly apiAddress: pulumi.Output<string>;
  /** The CA certificate that verifies {@link apiAddress}, with TLS; `undefined` without. */
  public readonly caCertificate: pulumi.Output<string | undefined>;
  /**
   * Plain HTTP on loopback (`127.0.0.1:http`), for containers on this host's network such as
   * registrator; known once the agent is healthy.
   */
  public readonly localHttpAddress: pulumi.Output<string>;
  /** The DNS interface: `host:dns`. */
  public readonly dnsAddress: pulumi.Output<string>;
  /** The ports this agent listens on. */
  public readonly ports: pulumi.Output<AgentPorts>;
  /** The LAN join addresses the agent was given (`retry_join`). */
  public readonly joinAddresses: pulumi.Output<string[]>;
  /** The Docker container id. */
  public readonly containerId: pulumi.Output<string>;
  /**
   * The gossip key this server uses (given or made), for the servers that join; a Pulumi secret.
   * `undefined` with `gossipEncryption: false`.
   */
  public readonly gossipKey: pulumi.Output<string | undefined>;
  /**
   * The ACL management token, when this server holds it (given or made); a Pulumi secret.
   * `undefined` otherwise.
   */
  public readonly managementToken: pulumi.Output<string | undefined>;
  /**
   * The CA's private key (given or made), with which joining servers' certificates are issued; a
   * Pulumi secret. `undefined` with `tlsEnabled: false`.
   */
  public readonly caPrivateKey: pulumi.Output<string | undefined>;

  constructor(name: string, args: GlobalConsulArgs, opts?: pulumi.ComponentResourceOptions) {
    const component = `GlobalConsul(${name})`;
    const ports: AgentPorts = { ...DEFAULT_GLOBAL_PORTS, ...args.globalPorts };
    const check = (
      values: KnownServerArgs & { globalDatacenter?: string; joinAddresses: JoinList },
    ) =>
      checkTopology({
        quorum: false,
        hosts: [
          hostTopologyOf(
            componentKeyNamer(component),
            {
              ...values,
              role: args.role,
              bootstrap: args.bootstrap,
              bootstrapExpect: args.bootstrapExpect,
              serverCount: args.serverCount,
              globalPorts: args.globalPorts,
              globalResources: args.globalResources,
            },
            { global: true, internal: false, containers: false },
          ),
        ],
      });
    const client = args.role === HostRole.Client;
    // A client agent comes by the cluster's secrets as a joining server does: it is given them.
    const role: ServerRole = client
      ? "joining"
      : args.bootstrap
        ? "bootstrap"
        : args.bootstrapExpect !== undefined
          ? "bootstrapExpect"
          : "joining";
    const security = serverSecurityOf(component, role, args, args.acl);
    const aclProblems: Problem[] =
      args.acl && args.acl.agentToken === undefined && args.acl.managementToken === undefined
        ? [
            error(
              `${component}.acl.agentToken`,
              "is missing; give the token made for this server (node identity), or managementToken if this server bootstraps ACLs.",
            ),
          ]
        : [];
    // Checked before anything is registered, this component included; Outputs once resolved.
    const datacenterArg = args.globalDatacenter ?? DEFAULT_GLOBAL_DATACENTER;
    const argumentCheck = new ArgumentCheck([
      ...check({
        ...knownServerArgs(args),
        globalDatacenter: known(datacenterArg),
        joinAddresses: joinListOf(args.joinAddresses ?? []),
      }),
      ...security.errors,
      ...aclProblems,
      ...checkSetting("snapshots", `${component}.snapshots`, args.snapshots ?? {}),
    ]);
    super("distributed-consul:index:GlobalConsul", name, {}, opts);
    // Every protection turned off is said at every run.
    failOnProblems(security.optOuts, this);

    // What this server is not given and bootstraps with, it makes, as children.
    const childOpts = { parent: this };
    const gossipKey =
      security.gossip === "generated"
        ? generatedGossipKey(`${name}-gossip-key-seed`, childOpts)
        : security.gossip === "given" && args.gossipKey !== undefined
          ? checkedGossipKey(
              args.gossipKey,
              missingServerValue(component, role, "gossip", "is empty"),
              this,
            )
          : undefined;
    const acl: GlobalConsulAcl | undefined =
      security.acl === "generated"
        ? { managementToken: generatedAclToken(`${name}-management-token-seed`, childOpts) }
        : security.acl === "given"
          ? args.acl
          : undefined;
    const tlsArg: ConsulServerTls | undefined =
      security.tls === "generated"
        ? caOf(generatedCertificateAuthority(`${name}-tls-ca-seed`, childOpts))
        : security.tls === "given"
          ? args.tls
          : undefined;

    const resolved = pulumi
      .all([
        resolveServerArgs(args),
        pulumi.output(datacenterArg),
        pulumi.output(args.joinAddresses ?? []),
      ])
      .apply(([common, globalDatacenter, joinAddresses]) => {
        argumentCheck.onResolve(check({ ...common, globalDatacenter, joinAddresses }), this);
        return { ...common, globalDatacenter, joinAddresses };
      });
    // The one shape of this server's settings, from which its configuration is built.
    const spec = resolved.apply((r): GlobalServerSpec => ({
      ...r,
      datacenter: r.globalDatacenter,
      bootstrap: args.bootstrap ?? false,
      bootstrapExpect: args.bootstrapExpect,
      serverCount: args.serverCount ?? args.bootstrapExpect ?? DEFAULT_SERVER_COUNT,
      ports,
      aclEnabled: isOn(security.acl),
      tls: isOn(security.tls),
    }));
    const config = spec.apply((s) => (client ? globalClientAgentConfig(s) : globalAgentConfig(s)));
    const agentToken =
      acl?.agentToken ??
      (acl?.managementToken !== undefined
        ? generatedAclToken(`${name}-agent-token-seed`, childOpts)
        : undefined);
    const secrets = pulumi
      .all([gossipKey, acl?.managementToken, agentToken])
      .apply(([gossipKey, managementToken, agentToken]) => ({
        gossipKey,
        // Only a server that may have to bootstrap ACLs holds it (the bootstrap server, or every
        // server of a bootstrap_expect cluster, any of which may be elected first).
        initialManagementToken: client ? undefined : managementToken,
        agentToken,
      }));
    const tls = serverTls(
      tlsArg,
      resolved.apply((r) => ({
        nodeName: r.nodeName,
        datacenter: r.globalDatacenter,
        hostAddress: r.hostAddress,
      })),
      client ? issueClientTls : undefined,
    );
    const registersOwnToken = acl?.managementToken !== undefined;
    const start = resolved.apply((r) => ({
      registerAgentToken: registersOwnToken
        ? { nodeName: r.nodeName, datacenter: r.globalDatacenter, httpPort: ports.http }
        : undefined,
    }));
    // The healthcheck asks autopilot (operator:read) with the management token where the server
    // holds it, else with its own token (which then needs operator:read).
    const secretEnv = pulumi
      .all([acl?.managementToken, agentToken])
      .apply(([managementToken, agentToken]) => [
        ...(registersOwnToken
          ? [`${MANAGEMENT_TOKEN_ENV}=${managementToken}`, `${AGENT_TOKEN_ENV}=${agentToken}`]
          : []),
        ...(managementToken !== undefined || agentToken !== undefined
          ? [`${HEALTH_TOKEN_ENV}=${managementToken ?? agentToken}`]
          : []),
      ]);

    // This server's own API, for the delete hook's snapshot (asked first) and leave.
    const scheme = tlsArg ? "https" : "http";
    const ownApiUrl = resolved.apply(
      (r) => `${scheme}://${hostPort(r.hostAddress, tlsArg ? ports.https : ports.http)}`,
    );
    const { container } = declareConsulServer({
      parent: this,
      name,
      image: resolved.consulImage,
      containerName: pulumi.interpolate`consul-${resolved.globalDatacenter}-${resolved.nodeName}`,
      volumeName: pulumi.interpolate`consul-${resolved.globalDatacenter}-${resolved.nodeName}-data`,
      config,
      secrets,
      start,
      tls,
      secretEnv,
      waitTimeoutSeconds: args.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
      httpPort: ports.http,
      // A client agent is healthy once it knows a leader; it is no voter for autopilot to list.
      autopilot: client ? undefined : resolved.apply((r) => ({ nodeName: r.nodeName })),
      keepDataOnDestroy: args.keepDataOnDestroy ?? false,
      limits: containerLimits(args.globalResources, DEFAULT_GLOBAL_RESOURCES),
      dockerHost: args.dockerHost,
      // A client agent holds no Raft state to save.
      snapshot:
        !client && (args.snapshots?.enabled ?? true)
          ? {
              dir: args.snapshots?.dir ?? DEFAULT_SNAPSHOTS_DIR,
              keep: args.snapshots?.keep ?? DEFAULT_SNAPSHOTS_KEEP,
              // This server first, then the others; the token stays a secret.
              source: pulumi.secret(
                pulumi
                  .all([
                    resolved,
                    ownApiUrl,
                    pulumi.output(args.snapshots?.otherApiAddresses ?? []),
                    tlsArg?.caCertificate,
                    args.snapshots?.token ?? acl?.managementToken,
                  ])
                  .apply(([r, own, others, caCertificate, token]) => ({
                    datacenter: r.globalDatacenter,
                    nodeName: r.nodeName,
                    apiUrls: [...new Set([own, ...others.map((a) => `${scheme}://${a}`)])],
                    caCertificate,
                    token,
                  })),
              ),
            }
          : undefined,
      // A removal Pulumi makes is the only planned one: a server leaves then (agent:write on
      // its node: the management token), and not when its engine or host restarts. A client
      // agent leaves on SIGTERM (Consul's default for clients): it holds no Raft vote.
      leave: client
        ? undefined
        : pulumi.secret(
            pulumi
              .all([
                ownApiUrl,
                tlsArg?.caCertificate,
                args.snapshots?.token ?? acl?.managementToken,
              ])
              .apply(([url, caCertificate, token]) => ({ url, caCertificate, token })),
          ),
    });

    const at = (port: number) => resolved.apply((r) => hostPort(r.hostAddress, port));
    this.nodeName = resolved.nodeName;
    this.globalDatacenter = resolved.globalDatacenter;
    this.joinAddress = at(ports.serfLan);
    this.wanAddress = at(ports.serfWan);
    ({
      apiAddress: this.apiAddress,
      caCertificate: this.caCertificate,
      localHttpAddress: this.localHttpAddress,
    } = serverApiOutputs(container, resolved.hostAddress, ports, tlsArg));
    this.dnsAddress = at(ports.dns);
    this.ports = pulumi.output(ports);
    this.joinAddresses = spec.apply((s) => [...s.joinAddresses]);
    this.containerId = container.id;
    this.gossipKey = pulumi.secret(pulumi.output(gossipKey));
    this.managementToken = pulumi.secret(pulumi.output(acl?.managementToken));
    this.caPrivateKey = pulumi.secret(pulumi.output(tlsArg?.caPrivateKey));
    this.registerOutputs({
      nodeName: this.nodeName,
      globalDatacenter: this.globalDatacenter,
      joinAddress: this.joinAddress,
      wanAddress: this.wanAddress,
      apiAddress: this.apiAddress,
      localHttpAddress: this.localHttpAddress,
      dnsAddress: this.dnsAddress,
      ports: this.ports,
      joinAddresses: this.joinAddresses,
      containerId: this.containerId,
      caCertificate: this.caCertificate,
      gossipKey: this.gossipKey,
      managementToken: this.managementToken,
      caPrivateKey: this.caPrivateKey,
    });
  }
}

/** A generated CA in the shape of the `tls` argument. */
function caOf(ca: GeneratedCertificateAuthority): ConsulServerTls {
  return { caCertificate: ca.certificatePem, caPrivateKey: ca.privateKeyPem };
}
