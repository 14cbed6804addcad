import * as pulumi from "@pulumi/pulumi";
import { AgentPorts, DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import { GlobalServerSpec, globalAgentConfig, hostPort } from "../core/server-settings";
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
   * How many servers the global datacenter is built for (one per host). Autopilot removes a dead
   * server (`cleanup_dead_servers`) only while a majority of this many remain (`min_quorum`);
   * Consul applies it when the datacenter is first bootstrapped. Default: `bootstrapExpect`, else 3.
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
   * A token allowed to take snapshots (the management token); a Pulumi secret. Default: the
   * management token when this server holds it (`acl.managementToken`); with ACLs on and no token,
   * the datacenter refuses and the hook warns.
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
    const role: ServerRole = args.bootstrap
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
        initialManagementToken: managementToken,
        agentToken,
      }));
    const tls = serverTls(
      tlsArg,
      resolved.apply((r) => ({
        nodeName: r.nodeName,
        datacenter: r.globalDatacenter,
        hostAddress: r.hostAddress,
      })),
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

    const { container } = declareConsulServer({
      parent: this,
      name,
      image: resolved.consulImage,
      containerName: pulumi.interpolate`consul-${resolved.globalDatacenter}-${resolved.nodeName}`,
      volumeName: pulumi.interpolate`consul-${resolved.globalDatacenter}-${resolved.nodeName}-data`,
      config: spec.apply(globalAgentConfig),
      secrets,
      start,
      tls,
      secretEnv,
      waitTimeoutSeconds: args.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
      httpPort: ports.http,
      autopilot: resolved.apply((r) => ({ nodeName: r.nodeName })),
      keepDataOnDestroy: args.keepDataOnDestroy ?? false,
      limits: containerLimits(args.globalResources, DEFAULT_GLOBAL_RESOURCES),
      dockerHost: args.dockerHost,
      snapshot:
        (args.snapshots?.enabled ?? true)
          ? {
              dir: args.snapshots?.dir ?? DEFAULT_SNAPSHOTS_DIR,
              keep: args.snapshots?.keep ?? DEFAULT_SNAPSHOTS_KEEP,
              // This server first, then the others; the token stays a secret.
              source: pulumi.secret(
                pulumi
                  .all([
                    resolved,
                    pulumi.output(args.snapshots?.otherApiAddresses ?? []),
                    tlsArg?.caCertificate,
                    args.snapshots?.token ?? acl?.managementToken,
                  ])
                  .apply(([r, others, caCertificate, token]) => {
                    const scheme = tlsArg ? "https" : "http";
                    const own = hostPort(r.hostAddress, tlsArg ? ports.https : ports.http);
                    return {
                      datacenter: r.globalDatacenter,
                      nodeName: r.nodeName,
                      apiUrls: [...new Set([own, ...others])].map((a) => `${scheme}://${a}`),
                      caCertificate,
                      token,
                    };
                  }),
              ),
            }
          : undefined,
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
