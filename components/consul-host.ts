import * as pulumi from "@pulumi/pulumi";
import { GlobalConsul } from "./global-consul";
import { InternalDc } from "./internal-dc";
import { Registrator } from "./registrator";
import { ConsulService, ConsulServiceOptions } from "./consul-service";
import { AnonymousDnsAccess } from "./anonymous-dns-access";
import { ConsulAclToken } from "./consul-acl-token";
import { ConsulApi } from "./consul-api";
import { ScheduledSnapshots } from "./scheduled-snapshots";
import {
  generatedAclToken,
  generatedCertificateAuthority,
  generatedGossipKey,
} from "./generated-secrets";
import { ConsulCluster, ConsulClusterArgs, HostArguments } from "./host-args";
import { HOST_OUTPUT_NAMES, HostOutputName, HostOutputs } from "./host-outputs";
import {
  metricsRules,
  preparedQueryRules,
  registratorRules,
  replicationRules,
  serverHealthRules,
  snapshotRules,
  uiReadRules,
} from "../core/acl-rules";
import { DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import { hostPort } from "../core/server-settings";
import {
  AGENT_SETTING_NAMES,
  AgentSettingName,
  checkSetting,
  defaultOf,
} from "../core/host-settings";
import { DEFAULT_REGISTRATOR_OPTIONS } from "../core/defaults";
import { HostTopology, checkTopology, componentKeyNamer, joinListOf } from "../core/topology";
import { KnownHostSettings, hostTopologyOf } from "../core/host-topology";
import { HostRole } from "../core/host-role";
import { failOnProblems } from "./problems-error";
import { known } from "./input-checks";

export type { ConsulCluster, ConsulClusterArgs } from "./host-args";

/**
 * Arguments of {@link ConsulHost}: every host setting under the name the stack program's config
 * gives it (`core/host-settings.ts` declares each once, with its meaning and default), plus the
 * cluster to join.
 */
export interface ConsulHostArgs extends HostArguments {
  /**
   * The cluster to join: another host's `cluster` output (or the bootstrap stack's), passed on
   * unchanged. Given settings (`joinAddresses`, `gossipKey`, …) win over its fields.
   * @default none (then `bootstrap`, or `bootstrapExpect` with `joinAddresses` and the secrets)
   */
  readonly cluster?: pulumi.Input<ConsulClusterArgs>;
}

/** The shared secrets of a host: given, made here on the bootstrap host, or the cluster's. */
interface SharedSecrets {
  readonly gossipKey: pulumi.Output<string>;
  readonly managementToken?: pulumi.Output<string>;
  readonly caCertificate: pulumi.Output<string>;
  readonly caPrivateKey: pulumi.Output<string>;
}

/** A host's two servers and the join lists they were given. */
interface Servers {
  readonly global: GlobalConsul;
  readonly internal: InternalDc;
  readonly joinAddresses: pulumi.Input<pulumi.Input<string>[]>;
  readonly wanJoinAddresses: pulumi.Input<pulumi.Input<string>[]>;
  /** The host's token maker, with ACLs on. */
  readonly tokens?: HostTokens;
}

/** The least-privilege tokens a host makes through its global server (ACLs on). */
interface HostTokens {
  readonly token: (
    part: string,
    description: pulumi.Input<string>,
    grant:
      | { rules: string; policyName: pulumi.Input<string> }
      | { nodeName: pulumi.Input<string>; datacenter: pulumi.Input<string> },
    /** Whether the previous release's program had this token at its root (then aliased). */
    former?: boolean,
  ) => pulumi.Output<string>;
}

/**
 * How a host names its children, the one way: `<host>-<part>`, each also answering to the
 * root-level name `<part>` the shipped program gave it before this component existed, so a stack
 * deployed by that release upgrades in place.
 */
class HostChildren {
  constructor(
    private readonly host: ConsulHost,
    private readonly hostName: string,
  ) {}

  /** The child's name. */
  name(part: string): string {
    return `${this.hostName}-${part}`;
  }

  /** The child's options: `extra`, parented to the host, with its former root-level name. */
  options<O extends pulumi.ResourceOptions>(part: string, extra?: O): O & pulumi.ResourceOptions {
    const former = { name: part, parent: pulumi.rootStackResource };
    return { ...(extra as O), parent: this.host, aliases: [former] };
  }

  /** The options of a child the previous release did not have: `extra`, parented to the host. */
  newOptions<O extends pulumi.ResourceOptions>(extra?: O): O & pulumi.ResourceOptions {
    return { ...(extra as O), parent: this.host };
  }
}

/**
 * One host, whole: its server of the global datacenter, its internal datacenter WAN-federated
 * with it, every ACL token and policy the host needs (least privilege, default deny), anonymous
 * DNS read, both registrators, scheduled snapshots of the global datacenter (a server host's)
 * and, optionally, a service with its prepared query. The first host
 * bootstraps and makes the shared secrets; every other host joins with the first one's `cluster`
 * output. The docker provider comes through the resource options (`providers: [dockerProvider]`).
 * Its outputs are declared once, in `HOST_OUTPUTS`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see below
export class ConsulHost extends pulumi.ComponentResource {
  constructor(name: string, args: ConsulHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const component = `ConsulHost(${name})`;
    // Before anything is registered: a host that cannot join, and every problem of the host as a
    // whole that its plain arguments show. Outputs are checked by the children when they resolve.
    if (!startsCluster(args) && args.cluster === undefined && args.joinAddresses === undefined) {
      throw new pulumi.ResourceError(
        `${component}.cluster: is missing; give the bootstrap host's cluster output, or set bootstrap: true on the first host.`,
        undefined,
        true,
      );
    }
    failOnProblems([
      ...checkTopology({ quorum: false, hosts: [hostTopology(component, args)] }),
      ...checkSetting(
        "scheduledSnapshots",
        `${component}.scheduledSnapshots`,
        args.scheduledSnapshots ?? {},
      ),
    ]);
    super("distributed-consul:index:ConsulHost", name, {}, opts);

    const children = new HostChildren(this, name);
    const cluster = clusterReader(component, args);
    const secrets = sharedSecrets(children, args, cluster);
    const servers = declareServers(children, args, cluster, secrets);
    const tokens = servers.tokens;
    const registrators = declareRegistrators(children, args, servers, tokens);
    const service = declareService(children, args, servers, secrets, tokens);
    const operatorTokens = declareOperatorTokens(args, tokens);
    declareScheduledSnapshots(children, args, servers, tokens);

    const outputs = hostOutputs(
      args,
      cluster,
      secrets,
      servers,
      registrators,
      service,
      operatorTokens,
    );
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }
}

// Generated from HOST_OUTPUTS (components/host-outputs.ts) by `npm run docs:config`; do not edit.
/**
 * ConsulHost's output properties, one per entry of `HOST_OUTPUTS` (declaration merging: the
 * constructor assigns each; Pulumi's schema inference reads them as the component's outputs).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface ConsulHost {
  /** What the next host needs to join, as one object: pass it to its cluster argument unchanged (a joining stack reads it from the bootstrap stack). */
  readonly cluster: pulumi.Output<ConsulCluster>;
  /** The gossip key every agent shares. */
  readonly gossipKey: pulumi.Output<string>;
  /** The ACL management token; absent with ACLs off. */
  readonly aclManagementToken: pulumi.Output<string | undefined>;
  /** A token that reads every agent's Prometheus metrics (agent read only); absent with ACLs or metrics off. */
  readonly metricsToken: pulumi.Output<string | undefined>;
  /** A token to log in to the web UI with, read only (services, nodes, key/value); absent with ACLs or the UI off. */
  readonly uiToken: pulumi.Output<string | undefined>;
  /** The CA certificate every agent trusts (PEM). */
  readonly tlsCaCertificate: pulumi.Output<string>;
  /** The CA's private key (PEM), with which every server's certificate is issued. */
  readonly tlsCaKey: pulumi.Output<string>;
  /** This host's node name (its global server's). */
  readonly nodeName: pulumi.Output<string>;
  /** The global datacenter's name. */
  readonly globalDatacenter: pulumi.Output<string>;
  /** LAN join address of this host's global server (host:serf_lan). */
  readonly globalJoinAddress: pulumi.Output<string>;
  /** WAN address of this host's global server (host:serf_wan). */
  readonly globalWanAddress: pulumi.Output<string>;
  /** API of this host's global server (host:https, verified with tlsCaCertificate). */
  readonly globalApiAddress: pulumi.Output<string>;
  /** DNS interface of this host's global server (host:dns). */
  readonly globalDnsAddress: pulumi.Output<string>;
  /** The LAN join addresses this host's global server was given. */
  readonly joinAddresses: pulumi.Output<string[]>;
  /** Container id of this host's global server. */
  readonly globalContainerId: pulumi.Output<string>;
  /** This host's internal datacenter's name. */
  readonly internalDatacenter: pulumi.Output<string>;
  /** WAN address of this host's internal server (host:serf_wan). */
  readonly internalWanAddress: pulumi.Output<string>;
  /** API of this host's internal server (host:https). */
  readonly internalApiAddress: pulumi.Output<string>;
  /** The WAN join addresses this host's internal server was given: its own global server first, then the others known. */
  readonly internalWanJoinAddresses: pulumi.Output<string[]>;
  /** Container id of this host's internal server. */
  readonly internalContainerId: pulumi.Output<string>;
  /** Where this host's containers resolve Consul names (bridge:53). */
  readonly containerDnsAddress: pulumi.Output<string>;
  /** The global registrator's arguments (options first, registry URI last). */
  readonly globalRegistratorCommand: pulumi.Output<string[]>;
  /** The internal registrator's arguments; absent without internal registration. */
  readonly internalRegistratorCommand: pulumi.Output<string[] | undefined>;
  /** Consul DNS names of this host's service (<svc>.service.consul, <query>.query.consul); absent without a service. */
  readonly serviceDnsNames: pulumi.Output<string[] | undefined>;
  /** Container id of this host's service; absent without a service. */
  readonly serviceContainerId: pulumi.Output<string | undefined>;
}
// End of the generated block.

/** `true` only when `A` and `B` are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The generated output properties are the list's: this fails to compile when they part. */
const outputPropertiesMatchTheList: Same<Pick<ConsulHost, HostOutputName>, HostOutputs> = true;
void outputPropertiesMatchTheList;

/** The agent-wide settings given (`agent: true` in the declaration), passed on unnamed. */
function agentArguments(args: ConsulHostArgs): Partial<Pick<ConsulHostArgs, AgentSettingName>> {
  return Object.fromEntries(
    AGENT_SETTING_NAMES.flatMap((name) => (args[name] === undefined ? [] : [[name, args[name]]])),
  );
}

/** Whether the host starts the global datacenter (alone, or with every server expecting a count). */
function startsCluster(args: ConsulHostArgs): boolean {
  return (args.bootstrap ?? false) || args.bootstrapExpect !== undefined;
}

/** Whether the host runs a client agent of the global datacenter rather than a server. */
function isClientHost(args: ConsulHostArgs): boolean {
  return args.role === HostRole.Client;
}

/** The global datacenter's name. */
function globalDatacenterOf(args: ConsulHostArgs): string {
  return args.globalDatacenter ?? defaultOf("globalDatacenter") ?? "dc1";
}

/** This host's global HTTPS port: where another host's server is asked for the API. */
function globalHttpsPort(args: ConsulHostArgs): number {
  return args.globalPorts?.https ?? DEFAULT_GLOBAL_PORTS.https;
}

/** The host as the topology check sees it, from the plain part of its arguments. */
function hostTopology(component: string, args: ConsulHostArgs): HostTopology {
  // Each argument as far as it is plain now; Outputs are checked by the children on resolving.
  const plain = Object.fromEntries(
    Object.entries(args).map(([name, value]) => [name, known(value as pulumi.Input<unknown>)]),
  ) as KnownHostSettings;
  // Without its own list, a joining host's comes from the cluster: known later.
  const joinsLater = startsCluster(args) ? [] : "later";
  return hostTopologyOf(componentKeyNamer(component), {
    ...plain,
    // Checked by the servers, which hold them (a secret's text is no message's business here).
    gossipKey: undefined,
    globalDatacenter: globalDatacenterOf(args),
    joinAddresses: args.joinAddresses ? joinListOf(args.joinAddresses) : joinsLater,
    wanJoinAddresses: args.wanJoinAddresses ? joinListOf(args.wanJoinAddresses) : joinsLater,
  });
}

/** How a host reads the cluster it joins. */
interface ClusterReader {
  /**
   * A value read off the cluster, not secret itself: the cluster as a whole is a secret (it
   * carries the shared secrets), which would otherwise hide every configuration built from it in
   * `preview --diff`. Shared secrets read through here are wrapped again where used.
   */
  readonly open: <T>(read: (c: Partial<ConsulCluster>) => T) => pulumi.Output<T>;
  /** A field of the cluster this host needs; fails naming it when absent. */
  readonly required: <K extends keyof ConsulCluster>(
    key: K,
  ) => pulumi.Output<NonNullable<ConsulCluster[K]>>;
  /**
   * The cluster's LAN join addresses, refused when this host claims the identity of one of its
   * servers (the same node name or address): two servers cannot share one.
   */
  readonly joinAddressesFor: (args: ConsulHostArgs) => pulumi.Output<string[]>;
}

function clusterReader(component: string, args: ConsulHostArgs): ClusterReader {
  // pulumi.output unwraps nested Inputs.
  const cluster = pulumi.output(args.cluster ?? {}) as pulumi.Output<Partial<ConsulCluster>>;
  const open = <T>(read: (c: Partial<ConsulCluster>) => T): pulumi.Output<T> =>
    pulumi.unsecret<T>(cluster.apply(read));
  const required = <K extends keyof ConsulCluster>(
    key: K,
  ): pulumi.Output<NonNullable<ConsulCluster[K]>> =>
    open((c) => {
      const value = c[key];
      if (value === undefined || value === "") {
        throw new pulumi.ResourceError(
          `${component}.cluster.${key}: is missing; pass the bootstrap host's cluster output unchanged, or give this value.`,
          undefined,
          true,
        );
      }
      return value;
    });
  const joinAddressesFor = (args: ConsulHostArgs): pulumi.Output<string[]> =>
    pulumi
      .all([
        required("joinAddresses"),
        open((c) => c.nodeNames ?? []),
        args.nodeName,
        args.hostAddress,
      ])
      .apply(([list, nodeNames, nodeName, hostAddress]) => {
        const claimed = nodeNames.includes(nodeName)
          ? `nodeName: "${nodeName}"`
          : list.some((a) => a.split(":")[0] === hostAddress)
            ? `hostAddress: ${hostAddress}`
            : undefined;
        if (claimed) {
          throw new pulumi.ResourceError(
            `${component}.${claimed} is already a server of the cluster it joins; give every host its own.`,
            undefined,
            true,
          );
        }
        return list;
      });
  return { open, required, joinAddressesFor };
}

/** Step 1: the shared secrets — given, else made here on the bootstrap host, else the cluster's. */
function sharedSecrets(
  children: HostChildren,
  args: ConsulHostArgs,
  cluster: ClusterReader,
): SharedSecrets {
  const bootstrap = args.bootstrap ?? false;
  const shared = (key: "gossipKey" | "aclManagementToken" | "tlsCaCertificate" | "tlsCaKey") =>
    pulumi.output<string>(args[key] ?? cluster.required(key));
  const made = (
    key: "gossipKey" | "aclManagementToken",
    generate: (name: string, opts: pulumi.CustomResourceOptions) => pulumi.Output<string>,
    seed: string,
  ): pulumi.Output<string> =>
    pulumi.secret(
      bootstrap && args[key] === undefined
        ? generate(children.name(seed), children.options(seed))
        : shared(key),
    );
  const ca =
    bootstrap && args.tlsCaKey === undefined
      ? generatedCertificateAuthority(children.name("tls-ca-seed"), children.options("tls-ca-seed"))
      : {
          certificatePem: shared("tlsCaCertificate"),
          privateKeyPem: pulumi.secret(shared("tlsCaKey")),
        };
  return {
    gossipKey: made("gossipKey", generatedGossipKey, "gossip-key-seed"),
    managementToken:
      (args.aclEnabled ?? defaultOf("aclEnabled"))
        ? made("aclManagementToken", generatedAclToken, "acl-management-token-seed")
        : undefined,
    caCertificate: ca.certificatePem,
    caPrivateKey: ca.privateKeyPem,
  };
}

/** The API of a server of the global (primary) datacenter, with the management token. */
function primaryApi(
  args: ConsulHostArgs,
  secrets: SharedSecrets,
  address: pulumi.Input<string>,
): ConsulApi {
  return {
    address,
    datacenter: globalDatacenterOf(args),
    token: secrets.managementToken,
    caCertificate: secrets.caCertificate,
  };
}

/**
 * Step 2: the two servers. A server that may have to bootstrap ACLs holds the management token
 * (the bootstrap host, or every host with bootstrapExpect) and registers its own agent token with
 * it; any other global server gets an agent token made beforehand through the cluster's API. The
 * internal datacenter WAN-joins this host's global server, which alone brings it the whole WAN
 * pool; the cluster's WAN addresses are added so it federates even while that one is down.
 */
function declareServers(
  children: HostChildren,
  args: ConsulHostArgs,
  cluster: ClusterReader,
  secrets: SharedSecrets,
): Servers {
  const starts = startsCluster(args);
  const globalDatacenter = globalDatacenterOf(args);
  const joinAddresses = args.joinAddresses ?? (starts ? [] : cluster.joinAddressesFor(args));
  const wanJoinAddresses =
    args.wanJoinAddresses ?? (starts ? [] : cluster.open((c) => c.wanJoinAddresses ?? []));
  const managementToken = secrets.managementToken;
  // Asked for the API when the cluster names none, and for snapshots when this server does not
  // answer: the servers this host joins, on their HTTPS port.
  const otherApis = pulumi
    .all([cluster.open((c) => c.apiAddress), joinAddresses])
    .apply(([api, list]) => [
      ...(api ? [api] : []),
      ...list.map((a) => hostPort(a.split(":")[0], globalHttpsPort(args))),
    ]);
  const client = isClientHost(args);
  let agentToken: pulumi.Output<string> | undefined;
  if (managementToken) {
    agentToken = starts
      ? generatedAclToken(
          children.name("global-agent-token-seed"),
          children.options<pulumi.CustomResourceOptions>("global-agent-token-seed"),
        )
      : new ConsulAclToken(
          children.name("global-agent-token"),
          {
            api: primaryApi(
              args,
              secrets,
              otherApis.apply((apis) => apis[0] ?? ""),
            ),
            description: pulumi.interpolate`agent token of ${args.nodeName} (${globalDatacenter})`,
            nodeIdentity: { nodeName: args.nodeName, datacenter: globalDatacenter },
            // The server's healthcheck asks autopilot whether it is a healthy voter with it; a
            // client agent's only asks for a leader, which needs no token: its node identity is all.
            ...(client
              ? {}
              : {
                  rules: serverHealthRules(),
                  policyName: pulumi.interpolate`server-health-${args.nodeName}`,
                }),
          },
          children.options("global-agent-token"),
        ).secretId;
  }
  // What both servers share: everything but their datacenter, ports, joins and tokens.
  const shared = {
    nodeName: args.nodeName,
    hostAddress: args.hostAddress,
    consulImage: args.consulImage,
    dockerBridgeAddress: args.dockerBridgeAddress,
    dockerHost: args.dockerHost,
    keepDataOnDestroy: args.keepDataOnDestroy,
    waitTimeoutSeconds: args.waitTimeoutSeconds,
    ...agentArguments(args),
    gossipKey: secrets.gossipKey,
    aclEnabled: managementToken !== undefined,
    tls: { caCertificate: secrets.caCertificate, caPrivateKey: secrets.caPrivateKey },
  };
  const global = new GlobalConsul(
    children.name("global"),
    {
      ...shared,
      globalDatacenter,
      globalPorts: args.globalPorts,
      role: args.role,
      globalResources: args.globalResources,
      bootstrap: args.bootstrap,
      bootstrapExpect: args.bootstrapExpect,
      serverCount: args.serverCount,
      joinAddresses,
      snapshots: { ...args.snapshots, token: managementToken, otherApiAddresses: otherApis },
      acl:
        managementToken && agentToken
          ? { agentToken, managementToken: starts ? managementToken : undefined }
          : undefined,
    },
    children.options("global"),
  );
  const tokens = managementToken ? hostTokens(children, args, secrets, global) : undefined;
  const internalNode = pulumi.interpolate`${args.nodeName}-${args.internalDatacenter}`;
  const internal = new InternalDc(
    children.name("internal"),
    {
      ...shared,
      globalDatacenter,
      internalDatacenter: args.internalDatacenter,
      internalPorts: args.internalPorts,
      internalResources: args.internalResources,
      // A client agent takes no part in the WAN pool: a client host's internal datacenter joins
      // the servers alone.
      wanJoinAddresses: client
        ? pulumi.output(wanJoinAddresses)
        : pulumi
            .all([global.wanAddress, wanJoinAddresses])
            .apply(([own, others]) => [own, ...others]),
      acl: tokens
        ? {
            agentToken: tokens.token(
              "internal-agent-token",
              pulumi.interpolate`agent token of ${internalNode} (${args.internalDatacenter})`,
              { nodeName: internalNode, datacenter: args.internalDatacenter },
            ),
            replicationToken: tokens.token(
              "replication-token",
              pulumi.interpolate`ACL replication of ${args.internalDatacenter}`,
              {
                rules: replicationRules(),
                policyName: pulumi.interpolate`replication-${args.nodeName}`,
              },
            ),
          }
        : undefined,
    },
    children.options("internal"),
  );
  return { global, internal, joinAddresses, wanJoinAddresses, tokens };
}

/**
 * Step 3: the host's least-privilege tokens, made through its global server. On the bootstrap
 * host they live in the state of that server: when a destroy removes it, they go with it (no API
 * call, which fails once dc1 has lost quorum). With ACLs on (default deny), DNS answers only what
 * the anonymous token may read: every host grants it read on services and nodes.
 */
function hostTokens(
  children: HostChildren,
  args: ConsulHostArgs,
  secrets: SharedSecrets,
  global: GlobalConsul,
): HostTokens {
  const options: pulumi.ComponentResourceOptions = args.bootstrap
    ? { dependsOn: [global], deletedWith: global }
    : { dependsOn: [global] };
  new AnonymousDnsAccess(
    children.name("anonymous-dns"),
    {
      api: primaryApi(args, secrets, global.apiAddress),
      policyName: pulumi.interpolate`dns-read-${args.nodeName}`,
    },
    children.options("anonymous-dns", options),
  );
  return {
    token: (part, description, grant, former = true) =>
      new ConsulAclToken(
        children.name(part),
        {
          api: primaryApi(args, secrets, global.apiAddress),
          description,
          ...("rules" in grant ? grant : { nodeIdentity: grant }),
        },
        former ? children.options(part, options) : children.newOptions(options),
      ).secretId,
  };
}

/**
 * Step 4: registrator, twice: host address and published ports into the global datacenter (so
 * `<svc>.service.dc1.consul` answers every host), container addresses into the internal one. Both
 * run on the host's network and reach their agent's plain HTTP on loopback, each with its own
 * token, once their agent is healthy (registrator retries only its first connection). The address
 * does not carry the agent's container, so replacing an agent leaves its registrator alone.
 */
function declareRegistrators(
  children: HostChildren,
  args: ConsulHostArgs,
  servers: Servers,
  tokens: HostTokens | undefined,
): { global: Registrator; internal?: Registrator } {
  const { image, registerInternal, ...flags } = args.registrator ?? {};
  const options = { ...DEFAULT_REGISTRATOR_OPTIONS, ...flags };
  const aclEnabled = tokens !== undefined;
  const registrator = (
    which: "global" | "internal",
    agent: GlobalConsul | InternalDc,
    datacenter: pulumi.Input<string>,
    extra: object,
  ): Registrator =>
    new Registrator(
      children.name(`registrator-${which}`),
      {
        consulAddress: agent.ports.apply((ports) => hostPort("127.0.0.1", ports.http)),
        containerName: pulumi.interpolate`registrator-${datacenter}`,
        image,
        options: pulumi.output(extra).apply((e) => ({ ...options, ...e })),
        aclEnabled,
        aclToken: tokens?.token(
          `registrator-${which}-token`,
          pulumi.interpolate`registrator of ${args.nodeName} (${datacenter})`,
          {
            rules: registratorRules(),
            policyName: pulumi.interpolate`registrator-${args.nodeName}-${datacenter}`,
          },
        ),
      },
      children.options(`registrator-${which}`, { dependsOn: [agent] }),
    );
  return {
    global: registrator("global", servers.global, globalDatacenterOf(args), {
      hostIp: args.hostAddress,
    }),
    internal:
      (registerInternal ?? true)
        ? registrator("internal", servers.internal, args.internalDatacenter, { internal: true })
        : undefined,
  };
}

/**
 * Step 5: the service (the original's Elasticsearch): published on the host address, registered
 * by both registrators, resolving through the internal datacenter's DNS, and found across
 * datacenters through a prepared query in the host's own datacenter.
 */
function declareService(
  children: HostChildren,
  args: ConsulHostArgs,
  servers: Servers,
  secrets: SharedSecrets,
  tokens: HostTokens | undefined,
): ConsulService | undefined {
  const service = args.service;
  if (!service || service.enabled === false) return undefined;
  const serviceName = service.ports[0]?.name ?? "service";
  return new ConsulService(
    children.name(serviceName),
    {
      image: service.image,
      containerName: serviceName,
      ports: [...service.ports],
      hostAddress: args.hostAddress,
      dnsServer: servers.internal.dnsServer,
      envs: service.envs ? [...service.envs] : undefined,
      command: service.command ? [...service.command] : undefined,
      memoryMb: service.memoryMb,
      preparedQuery:
        (service.preparedQuery ?? true)
          ? {
              name: serviceName,
              consulAddress: servers.internal.apiAddress,
              caCertificate: secrets.caCertificate,
              datacenter: servers.internal.internalDatacenter,
              // Only the global datacenter: other hosts' internal datacenters hold container
              // addresses that are unreachable from this host.
              failover: { datacenters: [globalDatacenterOf(args)] },
              aclEnabled: tokens !== undefined,
              token: tokens?.token(
                "query-token",
                pulumi.interpolate`prepared query ${serviceName} of ${args.nodeName}`,
                {
                  rules: preparedQueryRules(serviceName),
                  policyName: pulumi.interpolate`query-${serviceName}-${args.nodeName}`,
                },
              ),
            }
          : undefined,
    },
    // The container needs no agent (registrator lists running containers when it starts); the
    // query waits for the internal server through consulAddress and lives in its state.
    children.options<ConsulServiceOptions>(serviceName, { queryDeletedWith: servers.internal }),
  );
}

/** The least-privilege tokens a host makes for its operators (ACLs on). */
interface OperatorTokens {
  /** Reads every agent's Prometheus metrics; with metrics on. */
  readonly metrics?: pulumi.Output<string>;
  /** Logs in to the web UI, read only; with the UI on. */
  readonly ui?: pulumi.Output<string>;
}

/**
 * Step 6: the operators' least-privilege tokens, made by every host (each reads every agent, so
 * any stack's serves the whole cluster; destroying a stack removes its own): Prometheus' metrics
 * token when metrics are on, and a read-only web UI login when the UI is on.
 */
function declareOperatorTokens(
  args: ConsulHostArgs,
  tokens: HostTokens | undefined,
): OperatorTokens {
  if (!tokens) return {};
  return {
    metrics:
      (args.metrics ?? defaultOf("metrics"))
        ? tokens.token(
            "metrics-token",
            pulumi.interpolate`Prometheus metrics of every agent (made by ${args.nodeName})`,
            { rules: metricsRules(), policyName: pulumi.interpolate`metrics-${args.nodeName}` },
            false,
          )
        : undefined,
    ui:
      args.ui !== false
        ? tokens.token(
            "ui-token",
            pulumi.interpolate`web UI, read only (made by ${args.nodeName})`,
            { rules: uiReadRules(), policyName: pulumi.interpolate`ui-read-${args.nodeName}` },
            false,
          )
        : undefined,
  };
}

/**
 * Step 7: scheduled snapshots of the global datacenter on a server host (a client agent holds no
 * Raft state): a sidecar next to the global server, asking it on loopback every interval, with a
 * snapshot token of its own (`acl:write`, the least Consul accepts for `/v1/snapshot`) so that the
 * management token stays out of every container but the bootstrap server's.
 */
function declareScheduledSnapshots(
  children: HostChildren,
  args: ConsulHostArgs,
  servers: Servers,
  tokens: HostTokens | undefined,
): ScheduledSnapshots | undefined {
  const settings = args.scheduledSnapshots ?? {};
  if (isClientHost(args) || settings.enabled === false) return undefined;
  const datacenter = globalDatacenterOf(args);
  return new ScheduledSnapshots(
    children.name("scheduled-snapshots"),
    {
      nodeName: args.nodeName,
      datacenter,
      httpAddress: servers.global.localHttpAddress,
      image: args.consulImage,
      intervalSeconds: settings.intervalSeconds,
      keep: settings.keep,
      keepOnDestroy: args.keepDataOnDestroy,
      aclEnabled: tokens !== undefined,
      token: tokens?.token(
        "snapshot-token",
        pulumi.interpolate`scheduled snapshots of ${datacenter} on ${args.nodeName}`,
        { rules: snapshotRules(), policyName: pulumi.interpolate`snapshot-${args.nodeName}` },
        false,
      ),
    },
    children.newOptions({ dependsOn: [servers.global] }),
  );
}

/** Step 8: every output of `HOST_OUTPUTS`, the next host's `cluster` among them. */
function hostOutputs(
  args: ConsulHostArgs,
  cluster: ClusterReader,
  secrets: SharedSecrets,
  servers: Servers,
  registrators: { global: Registrator; internal?: Registrator },
  service: ConsulService | undefined,
  operatorTokens: OperatorTokens,
): HostOutputs {
  const { global, internal } = servers;
  // The next host joins every global server known so far, this one included when it is a server
  // (a client agent is no server to join).
  const client = isClientHost(args);
  const union = (theirs: pulumi.Input<pulumi.Input<string>[]>, own: pulumi.Input<string>) =>
    pulumi
      .all([theirs, own])
      .apply(([list, mine]) => [...new Set(client ? list : [...list, mine])]);
  const outputs: HostOutputs = {
    cluster: pulumi.secret(
      pulumi.output({
        globalDatacenter: global.globalDatacenter,
        joinAddresses: union(servers.joinAddresses, global.joinAddress),
        wanJoinAddresses: union(servers.wanJoinAddresses, global.wanAddress),
        apiAddress: global.apiAddress,
        nodeNames: union(
          cluster.open((c) => c.nodeNames ?? []),
          args.nodeName,
        ),
        gossipKey: secrets.gossipKey,
        aclManagementToken: secrets.managementToken,
        tlsCaCertificate: secrets.caCertificate,
        tlsCaKey: secrets.caPrivateKey,
      }),
    ),
    gossipKey: secrets.gossipKey,
    aclManagementToken: pulumi.secret(pulumi.output(secrets.managementToken)),
    metricsToken: pulumi.secret(pulumi.output(operatorTokens.metrics)),
    uiToken: pulumi.secret(pulumi.output(operatorTokens.ui)),
    tlsCaCertificate: secrets.caCertificate,
    tlsCaKey: secrets.caPrivateKey,
    nodeName: global.nodeName,
    globalDatacenter: global.globalDatacenter,
    globalJoinAddress: global.joinAddress,
    globalWanAddress: global.wanAddress,
    globalApiAddress: global.apiAddress,
    globalDnsAddress: global.dnsAddress,
    joinAddresses: global.joinAddresses,
    globalContainerId: global.containerId,
    internalDatacenter: internal.internalDatacenter,
    internalWanAddress: internal.wanAddress,
    internalApiAddress: internal.apiAddress,
    internalWanJoinAddresses: internal.wanJoinAddresses,
    internalContainerId: internal.containerId,
    containerDnsAddress: internal.dnsAddress,
    globalRegistratorCommand: registrators.global.command,
    internalRegistratorCommand: pulumi.output(registrators.internal?.command),
    serviceDnsNames: pulumi.output(service?.dnsNames),
    serviceContainerId: pulumi.output(service?.containerId),
  };
  // Every declared output, in the declared order (the list is the contract).
  return Object.fromEntries(HOST_OUTPUT_NAMES.map((n) => [n, outputs[n]])) as HostOutputs;
}
