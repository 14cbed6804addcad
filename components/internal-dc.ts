import * as pulumi from "@pulumi/pulumi";
import { AgentPorts, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { JoinList, checkTopology, joinListOf } from "../core/topology";
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
  serverHostTopology,
  serverApiOutputs,
  serverTls,
} from "./consul-server-container";
import { ArgumentCheck, known } from "./input-checks";
import { failOnProblems } from "./problems-error";
import { isOn, missingServerValue } from "../core/secure-defaults";
import { Problem } from "../core/problems";
import { DEFAULT_GLOBAL_DATACENTER, DEFAULT_WAIT_TIMEOUT_SECONDS } from "../core/defaults";
import { checkDatacenter } from "../core/validators";

/** How the topology check's settings are called among {@link InternalDcArgs}. */
const INTERNAL_DC_ARGS: Record<string, string> = {
  nodeIp: "hostAddress",
  internalDatacenter: "datacenter",
  wanJoinAddresses: "retryJoinWan",
  internalPorts: "ports",
};

/** Arguments of {@link InternalDc}. */
export interface InternalDcArgs extends ConsulServerArgs {
  /** This host's datacenter name (e.g. `vm1`). Required. */
  readonly datacenter: pulumi.Input<string>;
  /**
   * WAN addresses (`host:serf_wan`) of every global server: `GlobalConsul.wanAddress` outputs in
   * the same program, or the bootstrap stack's `globalWanAddress`. Required, non-empty.
   */
  readonly retryJoinWan: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The global (primary) datacenter's name, e.g. a `GlobalConsul.datacenter` output. Default `dc1`.
   * @default dc1
   */
  readonly primaryDatacenter?: pulumi.Input<string>;
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
  readonly ports?: Partial<AgentPorts>;
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
  /** The datacenter name. */
  public readonly datacenter: pulumi.Output<string>;
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
  public readonly retryJoinWan: pulumi.Output<string[]>;
  /** The Docker container id. */
  public readonly containerId: pulumi.Output<string>;

  constructor(name: string, args: InternalDcArgs, opts?: pulumi.ComponentResourceOptions) {
    const component = `InternalDc(${name})`;
    const ports: AgentPorts = { ...DEFAULT_INTERNAL_PORTS, ...args.ports };
    const primaryArg = args.primaryDatacenter ?? DEFAULT_GLOBAL_DATACENTER;
    const check = (
      values: KnownServerArgs & {
        datacenter?: string;
        primaryDatacenter?: string;
        retryJoinWan: JoinList;
      },
    ): Problem[] => [
      ...checkTopology({
        quorum: false,
        hosts: [
          {
            ...serverHostTopology(component, INTERNAL_DC_ARGS, values),
            internal: {
              datacenter: values.datacenter,
              wanJoinAddresses: values.retryJoinWan,
              ports: args.ports,
            },
          },
        ],
      }),
      ...(values.primaryDatacenter === undefined
        ? []
        : checkDatacenter(`${component}.primaryDatacenter`, values.primaryDatacenter)),
    ];
    const security = serverSecurityOf(component, "internal", args, args.acl);
    // Checked before anything is registered, this component included; Outputs once resolved.
    const argumentCheck = new ArgumentCheck([
      ...check({
        ...knownServerArgs(args),
        datacenter: known(args.datacenter),
        primaryDatacenter: known(primaryArg),
        retryJoinWan: joinListOf(args.retryJoinWan),
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
        pulumi.output(args.datacenter),
        pulumi.output(primaryArg),
        pulumi.output(args.retryJoinWan),
      ])
      .apply(([common, datacenter, primaryDatacenter, retryJoinWan]) => {
        argumentCheck.onResolve(
          check({ ...common, datacenter, primaryDatacenter, retryJoinWan }),
          this,
        );
        return { ...common, datacenter, primaryDatacenter, retryJoinWan };
      });
    // The one shape of this server's settings, from which its configuration is built.
    const spec = resolved.apply((r): InternalServerSpec => ({
      ...r,
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
        nodeName: `${r.nodeName}-${r.datacenter}`,
        datacenter: r.datacenter,
        hostAddress: r.hostAddress,
      })),
    );

    const { container } = declareConsulServer({
      parent: this,
      name,
      image: resolved.image,
      containerName: pulumi.interpolate`consul-${resolved.datacenter}-${resolved.nodeName}`,
      volumeName: pulumi.interpolate`consul-${resolved.datacenter}-${resolved.nodeName}-data`,
      config: spec.apply(internalAgentConfig),
      secrets,
      tls,
      // The image's entrypoint grants the binary cap_net_bind_service when this is set, so the
      // unprivileged consul user can bind DNS on port 53.
      env: Object.values(ports).some((p) => p < 1024) ? ["CONSUL_ALLOW_PRIVILEGED_PORTS=yes"] : [],
      waitTimeoutSeconds: args.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
      httpPort: ports.http,
      // Healthy once federated: with ACLs, the primary resolves every token.
      remoteDatacenters: resolved.primaryDatacenter.apply((dc) => [dc]),
      keepDataOnDestroy: args.keepDataOnDestroy ?? false,
      dockerHost: args.dockerHost,
    });

    this.nodeName = pulumi.interpolate`${resolved.nodeName}-${resolved.datacenter}`;
    this.datacenter = resolved.datacenter;
    this.wanAddress = resolved.apply((r) => hostPort(r.hostAddress, ports.serfWan));
    ({
      apiAddress: this.apiAddress,
      caCertificate: this.caCertificate,
      localHttpAddress: this.localHttpAddress,
    } = serverApiOutputs(container, resolved.hostAddress, ports, tlsArg));
    this.dnsAddress = resolved.apply((r) => hostPort(r.dockerBridgeAddress, ports.dns));
    this.dnsServer = resolved.dockerBridgeAddress;
    this.ports = pulumi.output(ports);
    this.retryJoinWan = spec.apply((s) => [...s.retryJoinWan]);
    this.containerId = container.id;
    this.registerOutputs({
      nodeName: this.nodeName,
      datacenter: this.datacenter,
      wanAddress: this.wanAddress,
      apiAddress: this.apiAddress,
      localHttpAddress: this.localHttpAddress,
      dnsAddress: this.dnsAddress,
      dnsServer: this.dnsServer,
      ports: this.ports,
      retryJoinWan: this.retryJoinWan,
      containerId: this.containerId,
    });
  }
}
