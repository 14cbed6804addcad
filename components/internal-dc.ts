import * as pulumi from "@pulumi/pulumi";
import { AgentPorts, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { JoinList, checkTopology, componentKeyNamer, joinListOf } from "../core/topology";
import { hostTopologyOf } from "../core/host-topology";
import { InternalServerSpec, hostPort, internalAgentConfig } from "../core/server-settings";
import {
  ConsulServerArgs,
  InternalDcAcl,
  KnownServerArgs,
  checkedGossipKey,
  serverSecurityOf,
  declareConsulServer,
  knownServerArgs,
  resolveServerArgs,
  serverApiOutputs,
  serverTls,
} from "./consul-server-container";
import { ArgumentCheck, known } from "./input-checks";
import { failOnProblems } from "./problems-error";
import { isOn, missingServerValue } from "../core/secure-defaults";
import { Problem } from "../core/problems";
import { DEFAULT_GLOBAL_DATACENTER, DEFAULT_WAIT_TIMEOUT_SECONDS } from "../core/defaults";
import { checkSetting } from "../core/host-settings";
import {
  DEFAULT_INTERNAL_RESOURCES,
  ServerResources,
  containerLimits,
} from "../core/server-resources";

/** Arguments of {@link InternalDc}. */
export interface InternalDcArgs extends ConsulServerArgs {
  /** This host's own datacenter's name (e.g. `vm1`). Required. */
  readonly internalDatacenter: pulumi.Input<string>;
  /**
   * WAN addresses (`host:serf_wan`) of every global server (`retry_join_wan`):
   * `GlobalConsul.wanAddress` outputs in the same program, or a cluster's `wanJoinAddresses`.
   * Required, non-empty.
   */
  readonly wanJoinAddresses: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The global (primary) datacenter's name, e.g. a `GlobalConsul.globalDatacenter` output.
   * Default `dc1`.
   * @default dc1
   */
  readonly globalDatacenter?: pulumi.Input<string>;
  /**
   * ACLs, enforced with default deny, replicated from the primary datacenter. Required unless
   * `aclEnabled: false`: an internal datacenter's tokens are made through the primary's API.
   * @default required unless aclEnabled is false
   */
  readonly acl?: InternalDcAcl;
  /**
   * Port overrides. Default {@link DEFAULT_INTERNAL_PORTS}: Consul's ports plus 10000, and DNS on
   * 53 so containers can use the agent as their resolver (resolv.conf has no port).
   * @default {"server":18300,"serfLan":18301,"serfWan":18302,"http":18500,"https":18501,"dns":53,"grpcTls":18503}
   */
  readonly internalPorts?: Partial<AgentPorts>;
  /**
   * Memory and CPU limits of the container (`memoryMb`, `cpus`; 0: none). Default: 256 MB, one
   * core (see `DEFAULT_INTERNAL_RESOURCES`).
   * @default memoryMb 256, cpus 1
   */
  readonly internalResources?: ServerResources;
}

/**
 * One server of this host's own datacenter (`vm1`, `vm2`, …), WAN-federated with the global one.
 * It advertises the host address on LAN and WAN (never a container address, which the other
 * hosts cannot reach: the cause of the original WAN flapping), listens on ports distinct from
 * the global server's, and serves Consul DNS on port 53 of the Docker bridge address for this
 * host's containers: its own datacenter as `<svc>.service.consul`, others through WAN
 * forwarding as `<svc>.service.<dc>.consul`. Its node name is `<nodeName>-<datacenter>`.
 * Secure unless told otherwise: it needs the global servers' gossip key and CA and its own ACL
 * tokens, and refuses to start without them unless the matching protection is turned off.
 */
export class InternalDc extends pulumi.ComponentResource {
  /** The agent's node name. */
  public readonly nodeName: pulumi.Output<string>;
  /** This host's own datacenter's name. */
  public readonly internalDatacenter: pulumi.Output<string>;
  /** `host:serf_wan`: where other servers WAN-join this one. */
  public readonly wanAddress: pulumi.Output<string>;
  /**
   * The API for `pulumi up` and operators: `host:https` with TLS, `host:http` without; known once
   * the agent is healthy, so a consul provider given it waits.
   */
  public readonly apiAddress: pulumi.Output<string>;
  /** The CA certificate that verifies {@link apiAddress}, with TLS; `undefined` without. */
  public readonly caCertificate: pulumi.Output<string | undefined>;
  /** Plain HTTP on loopback (`127.0.0.1:http`), for containers on this host's network. */
  public readonly localHttpAddress: pulumi.Output<string>;
  /** The DNS interface for containers: `bridge:53`. */
  public readonly dnsAddress: pulumi.Output<string>;
  /** The resolver address for containers' `dns` setting (the bridge address, port 53 implied). */
  public readonly dnsServer: pulumi.Output<string>;
  /** The ports this agent listens on. */
  public readonly ports: pulumi.Output<AgentPorts>;
  /** The WAN join addresses the agent was given (`retry_join_wan`). */
  public readonly wanJoinAddresses: pulumi.Output<string[]>;
  /** The Docker container id. */
  public readonly containerId: pulumi.Output<string>;

  constructor(name: string, args: InternalDcArgs, opts?: pulumi.ComponentResourceOptions) {
    const component = `InternalDc(${name})`;
    const ports: AgentPorts = { ...DEFAULT_INTERNAL_PORTS, ...args.internalPorts };
    const globalArg = args.globalDatacenter ?? DEFAULT_GLOBAL_DATACENTER;
    const check = (
      values: KnownServerArgs & {
        internalDatacenter?: string;
        globalDatacenter?: string;
        wanJoinAddresses: JoinList;
      },
    ): Problem[] => [
      ...checkTopology({
        quorum: false,
        hosts: [
          hostTopologyOf(
            componentKeyNamer(component),
            {
              ...values,
              internalPorts: args.internalPorts,
              internalResources: args.internalResources,
            },
            { global: false, internal: true, containers: false },
          ),
        ],
      }),
      ...(values.globalDatacenter === undefined
        ? []
        : checkSetting(
            "globalDatacenter",
            `${component}.globalDatacenter`,
            values.globalDatacenter,
          )),
    ];
    const security = serverSecurityOf(component, "internal", args, args.acl);
    // Checked before anything is registered, this component included; Outputs once resolved.
    const argumentCheck = new ArgumentCheck([
      ...check({
        ...knownServerArgs(args),
        internalDatacenter: known(args.internalDatacenter),
        globalDatacenter: known(globalArg),
        wanJoinAddresses: joinListOf(args.wanJoinAddresses),
      }),
      ...security.errors,
    ]);
    super("distributed-consul:index:InternalDc", name, {}, opts);
    // Every protection turned off is said at every run.
    failOnProblems(security.optOuts, this);
    const gossipKey =
      security.gossip === "given" && args.gossipKey !== undefined
        ? checkedGossipKey(
            args.gossipKey,
            missingServerValue(component, "internal", "gossip", "is empty"),
            this,
          )
        : undefined;
    const acl = security.acl === "given" ? args.acl : undefined;
    const tlsArg = security.tls === "given" ? args.tls : undefined;

    const resolved = pulumi
      .all([
        resolveServerArgs(args),
        pulumi.output(args.internalDatacenter),
        pulumi.output(globalArg),
        pulumi.output(args.wanJoinAddresses),
      ])
      .apply(([common, internalDatacenter, globalDatacenter, wanJoinAddresses]) => {
        argumentCheck.onResolve(
          check({ ...common, internalDatacenter, globalDatacenter, wanJoinAddresses }),
          this,
        );
        return { ...common, internalDatacenter, globalDatacenter, wanJoinAddresses };
      });
    // The one shape of this server's settings, from which its configuration is built.
    const spec = resolved.apply((r): InternalServerSpec => ({
      ...r,
      datacenter: r.internalDatacenter,
      ports,
      aclEnabled: isOn(security.acl),
      tls: isOn(security.tls),
    }));
    const secrets = pulumi
      .all([gossipKey, acl?.agentToken, acl?.replicationToken])
      .apply(([gossipKey, agentToken, replicationToken]) => ({
        gossipKey,
        agentToken,
        replicationToken,
      }));
    const tls = serverTls(
      tlsArg,
      resolved.apply((r) => ({
        nodeName: `${r.nodeName}-${r.internalDatacenter}`,
        datacenter: r.internalDatacenter,
        hostAddress: r.hostAddress,
      })),
    );

    const { container } = declareConsulServer({
      parent: this,
      name,
      image: resolved.consulImage,
      containerName: pulumi.interpolate`consul-${resolved.internalDatacenter}-${resolved.nodeName}`,
      volumeName: pulumi.interpolate`consul-${resolved.internalDatacenter}-${resolved.nodeName}-data`,
      config: spec.apply(internalAgentConfig),
      secrets,
      tls,
      // The image's entrypoint grants the binary cap_net_bind_service when this is set, so the
      // unprivileged consul user can bind DNS on port 53.
      env: Object.values(ports).some((p) => p < 1024) ? ["CONSUL_ALLOW_PRIVILEGED_PORTS=yes"] : [],
      waitTimeoutSeconds: args.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
      httpPort: ports.http,
      // Healthy once federated: with ACLs, the primary resolves every token.
      remoteDatacenters: resolved.globalDatacenter.apply((dc) => [dc]),
      keepDataOnDestroy: args.keepDataOnDestroy ?? false,
      limits: containerLimits(args.internalResources, DEFAULT_INTERNAL_RESOURCES),
      dockerHost: args.dockerHost,
    });

    this.nodeName = pulumi.interpolate`${resolved.nodeName}-${resolved.internalDatacenter}`;
    this.internalDatacenter = resolved.internalDatacenter;
    this.wanAddress = resolved.apply((r) => hostPort(r.hostAddress, ports.serfWan));
    ({
      apiAddress: this.apiAddress,
      caCertificate: this.caCertificate,
      localHttpAddress: this.localHttpAddress,
    } = serverApiOutputs(container, resolved.hostAddress, ports, tlsArg));
    this.dnsAddress = resolved.apply((r) => hostPort(r.dockerBridgeAddress, ports.dns));
    this.dnsServer = resolved.dockerBridgeAddress;
    this.ports = pulumi.output(ports);
    this.wanJoinAddresses = spec.apply((s) => [...s.wanJoinAddresses]);
    this.containerId = container.id;
    this.registerOutputs({
      nodeName: this.nodeName,
      internalDatacenter: this.internalDatacenter,
      wanAddress: this.wanAddress,
      apiAddress: this.apiAddress,
      localHttpAddress: this.localHttpAddress,
      dnsAddress: this.dnsAddress,
      dnsServer: this.dnsServer,
      ports: this.ports,
      wanJoinAddresses: this.wanJoinAddresses,
      containerId: this.containerId,
    });
  }
}
