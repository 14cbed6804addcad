import * as pulumi from "@pulumi/pulumi";
import { GlobalConsul, SnapshotSettings } from "./global-consul";
import { InternalDc } from "./internal-dc";
import { Registrator } from "./registrator";
import { ConsulService, ConsulServiceArgs, ConsulServiceOptions } from "./consul-service";
import { AnonymousDnsAccess } from "./anonymous-dns-access";
import { ConsulAclToken } from "./consul-acl-token";
import { ConsulApi } from "./consul-api";
import {
  generatedAclToken,
  generatedCertificateAuthority,
  generatedGossipKey,
} from "./generated-secrets";
import {
  preparedQueryRules,
  registratorRules,
  replicationRules,
  serverHealthRules,
} from "../core/acl-rules";
import { AgentPorts, DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import { LogLevel } from "../core/agent-config";
import { RegistratorFlags } from "../core/registrator-args";
import { ServicePort } from "../core/service-registration";
import { hostPort } from "../core/server-settings";
import {
  DEFAULT_GLOBAL_DATACENTER,
  DEFAULT_PROTECTION_ENABLED,
  DEFAULT_REGISTRATOR_OPTIONS,
} from "../core/defaults";
import { failOnProblems } from "./problems-error";
import { known } from "./input-checks";
import { HostTopology, checkTopology, componentKeyNamer, joinListOf } from "../core/topology";
import { DEFAULT_REGISTRATOR_IMAGE } from "../core/registrator-args";

/**
 * What a host needs to join a cluster, as one object: a {@link ConsulHost}'s `cluster` output,
 * passed on unchanged to the next host's `cluster` argument. Whole, it is a Pulumi secret (it
 * carries the shared secrets).
 */
export interface ConsulCluster {
  /** The global datacenter's name. */
  readonly datacenter: string;
  /** LAN join addresses (`host:serf_lan`) of the cluster's global servers known so far. */
  readonly joinAddresses: string[];
  /** WAN addresses (`host:serf_wan`) of the same servers. */
  readonly wanAddresses: string[];
  /** HTTPS API (`host:https`) of a global server, through which a joining host's tokens are made. */
  readonly apiAddress: string;
  /** The gossip key every agent shares. */
  readonly gossipKey: string;
  /** The ACL management token; absent with ACLs off. */
  readonly aclManagementToken?: string;
  /** The CA certificate (PEM) every agent trusts. */
  readonly tlsCaCertificate: string;
  /** The CA's private key (PEM), with which each server's certificate is issued. */
  readonly tlsCaKey: string;
}

/**
 * {@link ConsulCluster} as an argument: every field an Input, and each optional, so that a program
 * can assemble it from several sources (another host's outputs, a stack reference, config).
 * A field the host needs but the object lacks fails when it resolves, naming it.
 */
export interface ConsulClusterArgs {
  /**
   * The global datacenter's name. Default `dc1`.
   * @default dc1
   */
  readonly datacenter?: pulumi.Input<string>;
  /**
   * LAN join addresses (`host:serf_lan`) of global servers. Default: none.
   * @default none
   */
  readonly joinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * WAN addresses (`host:serf_wan`) of global servers. Default: none.
   * @default none
   */
  readonly wanAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * HTTPS API (`host:https`) of a global server. Default: the first join address's host, on this
   * host's global HTTPS port.
   * @default the first join address's host
   */
  readonly apiAddress?: pulumi.Input<string>;
  /**
   * The gossip key every agent shares (32 bytes, base64). Default: none.
   * @default none
   */
  readonly gossipKey?: pulumi.Input<string>;
  /**
   * The ACL management token. Default: none.
   * @default none
   */
  readonly aclManagementToken?: pulumi.Input<string>;
  /**
   * The CA certificate (PEM). Default: none.
   * @default none
   */
  readonly tlsCaCertificate?: pulumi.Input<string>;
  /**
   * The CA's private key (PEM). Default: none.
   * @default none
   */
  readonly tlsCaKey?: pulumi.Input<string>;
}

/** The registrators of a {@link ConsulHost}. */
export interface ConsulHostRegistrator {
  /**
   * registrator image, an exact tag or digest. Default `gliderlabs/registrator:v7`.
   * @default gliderlabs/registrator:v7
   */
  readonly image?: pulumi.Input<string>;
  /**
   * Flags both registrators run with (`hostIp` and `internal` are set by the host). Default: the
   * `Registrator` component's, {@link DEFAULT_REGISTRATOR_OPTIONS}.
   * @default the Registrator component's
   */
  readonly options?: pulumi.Input<RegistratorFlags>;
  /**
   * Also register container addresses into the host's internal datacenter. Default `true`.
   * @default true
   */
  readonly registerInternal?: boolean;
}

/** The service container a {@link ConsulHost} runs, registered by both of its registrators. */
export interface ConsulHostService {
  /** Image, an exact tag or digest. Required. */
  readonly image: pulumi.Input<string>;
  /**
   * Ports, each published N:N on the host address with its Consul name and check. Required,
   * non-empty; the first port's name names the service, its container and its query.
   */
  readonly ports: ServicePort[];
  /**
   * Environment variables, `NAME=value`. Default `[]`.
   * @default []
   */
  readonly envs?: pulumi.Input<string>[];
  /**
   * Command (overrides the image's). Default: the image's.
   * @default the image's
   */
  readonly command?: string[];
  /**
   * Memory limit in MB (no swap beyond it). Default: no limit.
   * @default no limit
   */
  readonly memoryMb?: number;
  /**
   * Declare `<service>.query.consul` in the internal datacenter, failing over to the global one.
   * Default `true`.
   * @default true
   */
  readonly preparedQuery?: boolean;
}

/** Arguments of {@link ConsulHost}. */
export interface ConsulHostArgs {
  /** This host's node name, unique across hosts (e.g. `node1`). Required. */
  readonly nodeName: pulumi.Input<string>;
  /** This host's address, reachable from every other host. Required. */
  readonly hostAddress: pulumi.Input<string>;
  /** This host's own datacenter (e.g. `vm1`), WAN-federated with the global one. Required. */
  readonly internalDatacenter: pulumi.Input<string>;
  /**
   * This host bootstraps the global datacenter and, unless `secrets` gives them, makes the
   * cluster's gossip key, ACL management token and CA. Default `false`.
   * @default false
   */
  readonly bootstrap?: boolean;
  /**
   * Instead of one bootstrapping host: every server waits for this many servers (then give every
   * host the same `secrets` and the others' `joinAddresses`). Default: unset.
   * @default unset
   */
  readonly bootstrapExpect?: number;
  /**
   * How many global servers (hosts) the cluster is built for: autopilot removes a dead server
   * only while a majority of this many remain (see `GlobalConsul`). Default: `bootstrapExpect`,
   * else 3.
   * @default bootstrapExpect, else 3
   */
  readonly serverCount?: number;
  /**
   * The cluster to join: another host's `cluster` output, passed on unchanged. Default: none (then
   * `bootstrap`, or `bootstrapExpect` with `joinAddresses` and `secrets`).
   * @default none
   */
  readonly cluster?: pulumi.Input<ConsulClusterArgs>;
  /**
   * The shared secrets, overriding the cluster's (or the generated ones on the bootstrap host).
   * Default: the cluster's; generated on the bootstrap host.
   * @default the cluster's; generated on the bootstrap host
   */
  readonly secrets?: ConsulClusterArgs;
  /**
   * LAN join addresses of other global servers. Default: the cluster's (none on the bootstrap host).
   * @default the cluster's
   */
  readonly joinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * WAN addresses of other global servers, which the internal datacenter joins besides this host's
   * own global server. Default: the cluster's (none on the bootstrap host).
   * @default the cluster's
   */
  readonly wanJoinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The global datacenter's name. Default `dc1`.
   * @default dc1
   */
  readonly globalDatacenter?: string;
  /**
   * ACLs with default deny and a least-privilege token for every agent, registrator and query.
   * `false` turns them off: each server, registrator and query then warns at every preview.
   * TLS and gossip encryption are always on. Default `true`.
   * @default true
   */
  readonly aclEnabled?: boolean;
  /**
   * Consul image for both servers, an exact tag or digest. Default `hashicorp/consul:1.22.7`.
   * @default hashicorp/consul:1.22.7
   */
  readonly consulImage?: pulumi.Input<string>;
  /**
   * Port overrides of the global server. Default: Consul's (8300, 8301, …).
   * @default Consul's
   */
  readonly globalPorts?: Partial<AgentPorts>;
  /**
   * Port overrides of the internal server. Default: Consul's plus 10000, DNS on 53.
   * @default Consul's plus 10000, DNS on 53
   */
  readonly internalPorts?: Partial<AgentPorts>;
  /**
   * Docker bridge gateway address, where containers reach the internal server's DNS. Default
   * `172.17.0.1`.
   * @default 172.17.0.1
   */
  readonly dockerBridgeAddress?: pulumi.Input<string>;
  /**
   * Upstream DNS servers for names outside Consul. Default `["1.1.1.1", "8.8.8.8"]`.
   * @default ["1.1.1.1", "8.8.8.8"]
   */
  readonly recursors?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Serve the web UI on both servers. Default `true`.
   * @default true
   */
  readonly ui?: pulumi.Input<boolean>;
  /**
   * Log level of both servers.
   * @default info
   */
  readonly logLevel?: pulumi.Input<LogLevel>;
  /**
   * Keep the servers' data volumes on destroy. Default `false`.
   * @default false
   */
  readonly keepDataOnDestroy?: boolean;
  /**
   * The Docker engine this host's containers run on, as the docker provider's `host`: when a
   * server does not become healthy, `pulumi up` reads its log through the docker CLI there and
   * says why. Default `unix:///var/run/docker.sock`.
   * @default unix:///var/run/docker.sock
   */
  readonly dockerHost?: pulumi.Input<string>;
  /**
   * Raft snapshots of the global datacenter saved before this host's global server is replaced
   * or destroyed (with the management token, from this server or else the cluster's others).
   * Default: on, into `snapshots/<datacenter>/` under the program's working directory, 5 per node.
   * @default on, dir snapshots, keep 5
   */
  readonly snapshots?: SnapshotSettings;
  /**
   * Seconds `pulumi up` waits for each of this host's servers to be healthy (the global server: a
   * voter autopilot reports healthy) before it fails and says why. Default `120`.
   * @default 120
   */
  readonly waitTimeoutSeconds?: number;
  /**
   * The registrators. Default: both, with the `Registrator` component's flags.
   * @default both, with the Registrator component's flags
   */
  readonly registrator?: ConsulHostRegistrator;
  /**
   * The service container this host runs. Default: none.
   * @default none
   */
  readonly service?: ConsulHostService;
}

/** How the topology check's settings are called among {@link ConsulHostArgs}. */
const CONSUL_HOST_ARGS: Record<string, string> = { nodeIp: "hostAddress" };

/** This host as the topology check sees it, from the plain part of its arguments. */
function consulHostTopology(component: string, args: ConsulHostArgs): HostTopology {
  const registrator = known(args.registrator?.options);
  const registratorImage = known(args.registrator?.image) ?? DEFAULT_REGISTRATOR_IMAGE;
  const consulImage = known(args.consulImage);
  const serviceImage = known(args.service?.image);
  const joinsLater = args.bootstrap || args.bootstrapExpect !== undefined ? [] : "later";
  return {
    keyOf: componentKeyNamer(component, CONSUL_HOST_ARGS),
    nodeName: known(args.nodeName),
    nodeIp: known(args.hostAddress),
    dockerBridgeAddress: known(args.dockerBridgeAddress),
    recursors: known(args.recursors) as string[] | undefined,
    global: {
      datacenter: args.globalDatacenter ?? DEFAULT_GLOBAL_DATACENTER,
      bootstrap: args.bootstrap ?? false,
      bootstrapExpect: args.bootstrapExpect,
      serverCount: args.serverCount,
      // Without its own list, a joining host's comes from the cluster: known later.
      joinAddresses: args.joinAddresses ? joinListOf(args.joinAddresses) : joinsLater,
      ports: args.globalPorts,
    },
    internal: {
      datacenter: known(args.internalDatacenter),
      wanJoinAddresses: args.wanJoinAddresses ? joinListOf(args.wanJoinAddresses) : joinsLater,
      ports: args.internalPorts,
    },
    registrator:
      registrator === undefined
        ? undefined
        : { image: registratorImage, options: { ...DEFAULT_REGISTRATOR_OPTIONS, ...registrator } },
    images: {
      ...(consulImage === undefined ? {} : { consulImage }),
      "registrator.image": registratorImage,
      ...(serviceImage === undefined ? {} : { "service.image": serviceImage }),
    },
    servicePorts: args.service?.ports,
  };
}

/**
 * One host, whole: its server of the global datacenter, its internal datacenter WAN-federated
 * with it, every ACL token and policy the host needs (least privilege, default deny), anonymous
 * DNS read, both registrators and, optionally, a service with its prepared query. The first host
 * bootstraps and makes the shared secrets; every other host joins with the first one's `cluster`
 * output. Its children are the four building blocks; the docker provider comes through the
 * resource options (`providers: [dockerProvider]`).
 *
 * Each child also answers to the name the shipped program gave it before this component existed
 * (a root-level `global`, `internal`, `registrator-global`, …): a stack deployed by that release
 * upgrades in place, with no replacement and no new secret.
 */
export class ConsulHost extends pulumi.ComponentResource {
  /** What the next host needs to join: pass it to its `cluster` argument unchanged (secret). */
  public readonly cluster: pulumi.Output<ConsulCluster>;
  /** The gossip key every agent shares (secret). */
  public readonly gossipKey: pulumi.Output<string>;
  /** The ACL management token (secret); `undefined` with ACLs off. */
  public readonly aclManagementToken: pulumi.Output<string | undefined>;
  /** The CA certificate every agent trusts (PEM; public). */
  public readonly tlsCaCertificate: pulumi.Output<string>;
  /** The CA's private key (secret). */
  public readonly tlsCaKey: pulumi.Output<string>;
  /** Global datacenter name. */
  public readonly globalDatacenter: pulumi.Output<string>;
  /** Node name of this host's global server. */
  public readonly globalNodeName: pulumi.Output<string>;
  /** LAN join address of this host's global server (`host:serf_lan`). */
  public readonly globalJoinAddress: pulumi.Output<string>;
  /** WAN address of this host's global server (`host:serf_wan`). */
  public readonly globalWanAddress: pulumi.Output<string>;
  /** API of this host's global server (HTTPS, verified with `tlsCaCertificate`). */
  public readonly globalApiAddress: pulumi.Output<string>;
  /** DNS interface of this host's global server. */
  public readonly globalDnsAddress: pulumi.Output<string>;
  /** The LAN join addresses this host's global server was given. */
  public readonly globalRetryJoin: pulumi.Output<string[]>;
  /** Container id of this host's global server. */
  public readonly globalContainerId: pulumi.Output<string>;
  /** This host's internal datacenter name. */
  public readonly internalDatacenter: pulumi.Output<string>;
  /** WAN address of this host's internal server. */
  public readonly internalWanAddress: pulumi.Output<string>;
  /** API of this host's internal server (HTTPS). */
  public readonly internalApiAddress: pulumi.Output<string>;
  /** The WAN join addresses this host's internal server was given. */
  public readonly internalRetryJoinWan: pulumi.Output<string[]>;
  /** Container id of this host's internal server. */
  public readonly internalContainerId: pulumi.Output<string>;
  /** Where this host's containers resolve Consul names (`bridge:53`). */
  public readonly containerDnsAddress: pulumi.Output<string>;
  /** The global registrator's arguments (options first, registry URI last). */
  public readonly globalRegistratorCommand: pulumi.Output<string[]>;
  /** The internal registrator's arguments; `undefined` without internal registration. */
  public readonly internalRegistratorCommand: pulumi.Output<string[] | undefined>;
  /** Consul DNS names of the service; `undefined` without a service. */
  public readonly serviceDnsNames: pulumi.Output<string[] | undefined>;
  /** Container id of the service; `undefined` without a service. */
  public readonly serviceContainerId: pulumi.Output<string | undefined>;

  constructor(name: string, args: ConsulHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const component = `ConsulHost(${name})`;
    const fail = (key: string, message: string): never => {
      throw new pulumi.ResourceError(`${component}.${key}: ${message}`, undefined, true);
    };
    const bootstrap = args.bootstrap ?? false;
    const expects = args.bootstrapExpect !== undefined;
    if (!bootstrap && !expects && args.cluster === undefined && args.joinAddresses === undefined) {
      fail(
        "cluster",
        "is missing; give the bootstrap host's cluster output, or set bootstrap: true on the first host.",
      );
    }
    // The host as a whole, as far as its arguments are plain: what no single child sees (a
    // service port that clashes with a Consul port, the two servers' ports) and what each would
    // report in its own name. Outputs are checked by the children when they resolve.
    failOnProblems(checkTopology({ quorum: false, hosts: [consulHostTopology(component, args)] }));
    super("distributed-consul:index:ConsulHost", name, {}, opts);

    // With ACLs off, each child that goes without them (servers, registrators, the query) warns
    // at every preview, naming itself.
    const aclEnabled = args.aclEnabled ?? DEFAULT_PROTECTION_ENABLED;
    const globalDatacenter = args.globalDatacenter ?? DEFAULT_GLOBAL_DATACENTER;
    // The cluster's values as they resolve (pulumi.output unwraps nested Inputs).
    const cluster = pulumi.output(args.cluster ?? {}) as pulumi.Output<Partial<ConsulCluster>>;
    /** The child named `${name}-${part}`, which the shipped program called `part` at its root. */
    const child = <O extends pulumi.ResourceOptions>(part: string, extra?: O): [string, O] => [
      `${name}-${part}`,
      {
        ...extra,
        parent: this,
        aliases: [{ name: part, parent: pulumi.rootStackResource }],
      } as unknown as O,
    ];
    /** The constructor arguments of the child `part`: its name, `childArgs` and its options. */
    const asChild = <A, O extends pulumi.ResourceOptions>(
      part: string,
      childArgs: A,
      extra?: O,
    ): [string, A, O] => {
      const [childName, childOpts] = child(part, extra);
      return [childName, childArgs, childOpts];
    };
    /**
     * A value read off the cluster, not secret itself: the cluster as a whole is a secret (it
     * carries the shared secrets), which would otherwise hide every configuration built from it
     * in `preview --diff`. Shared secrets read through here are wrapped again where used.
     */
    const fromClusterOpen = <T>(read: (c: Partial<ConsulCluster>) => T): pulumi.Output<T> =>
      pulumi.unsecret<T>(cluster.apply(read));
    /** A field of the cluster this host needs; fails naming it when absent. */
    const fromCluster = <K extends keyof ConsulCluster>(
      key: K,
    ): pulumi.Output<NonNullable<ConsulCluster[K]>> =>
      fromClusterOpen((c) => {
        const value = c[key];
        if (value === undefined || value === "") {
          fail(
            `cluster.${key}`,
            "is missing; pass the bootstrap host's cluster output unchanged, or give this value.",
          );
        }
        return value as NonNullable<ConsulCluster[K]>;
      });
    /** A shared value: given in `secrets`, else the cluster's. */
    const shared = (key: "gossipKey" | "aclManagementToken" | "tlsCaCertificate" | "tlsCaKey") =>
      pulumi.output<string>(args.secrets?.[key] ?? fromCluster(key));
    /** A shared secret: given, else made here on the bootstrap host, else the cluster's. */
    const secret = (
      key: "gossipKey" | "aclManagementToken",
      generate: (name: string, opts: pulumi.CustomResourceOptions) => pulumi.Output<string>,
      seed: string,
    ): pulumi.Output<string> =>
      pulumi.secret(
        bootstrap && args.secrets?.[key] === undefined ? generate(...child(seed)) : shared(key),
      );

    const gossipKey = secret("gossipKey", generatedGossipKey, "gossip-key-seed");
    const managementToken = aclEnabled
      ? secret("aclManagementToken", generatedAclToken, "acl-management-token-seed")
      : undefined;
    // The CA: given (certificate and key), else made here on the bootstrap host, else the cluster's.
    const ca =
      bootstrap && args.secrets?.tlsCaKey === undefined
        ? generatedCertificateAuthority(...child<pulumi.CustomResourceOptions>("tls-ca-seed"))
        : {
            certificatePem: shared("tlsCaCertificate"),
            privateKeyPem: pulumi.secret(shared("tlsCaKey")),
          };
    const tls = { caCertificate: ca.certificatePem, caPrivateKey: ca.privateKeyPem };

    const joinAddresses: pulumi.Input<pulumi.Input<string>[]> =
      args.joinAddresses ?? (bootstrap || expects ? [] : fromCluster("joinAddresses"));
    const wanJoinAddresses: pulumi.Input<pulumi.Input<string>[]> =
      args.wanJoinAddresses ??
      (bootstrap || expects ? [] : fromClusterOpen((c) => c.wanAddresses ?? []));

    /** The API of a server of the primary datacenter, with the management token. */
    const primaryApi = (address: pulumi.Input<string>): ConsulApi => ({
      address,
      datacenter: globalDatacenter,
      token: managementToken,
      caCertificate: ca.certificatePem,
    });

    // A server that may have to bootstrap ACLs holds the management token (the bootstrap host, or
    // every host with bootstrapExpect) and registers its own agent token with it; any other
    // global server gets an agent token made beforehand through the cluster's API.
    const holdsManagementToken = bootstrap || expects;
    let globalAgentToken: pulumi.Output<string> | undefined;
    if (managementToken) {
      globalAgentToken = holdsManagementToken
        ? generatedAclToken(...child<pulumi.CustomResourceOptions>("global-agent-token-seed"))
        : new ConsulAclToken(
            `${name}-global-agent-token`,
            {
              api: primaryApi(
                pulumi.all([fromClusterOpen((c) => c.apiAddress), joinAddresses]).apply(
                  ([given, list]) =>
                    // No API given: the first join address's host, on this host's HTTPS port.
                    given ??
                    hostPort(
                      (list[0] ?? "").split(":")[0],
                      args.globalPorts?.https ?? DEFAULT_GLOBAL_PORTS.https,
                    ),
                ),
              ),
              description: pulumi.interpolate`agent token of ${args.nodeName} (${globalDatacenter})`,
              nodeIdentity: { nodeName: args.nodeName, datacenter: globalDatacenter },
              // The server's healthcheck asks autopilot whether it is a healthy voter with it.
              rules: serverHealthRules(),
              policyName: pulumi.interpolate`server-health-${args.nodeName}`,
            },
            child("global-agent-token")[1],
          ).secretId;
    }
    // What both servers share: image, bridge, secrets, DNS, UI, log level, ACLs, TLS, data.
    const serverArgs = {
      image: args.consulImage,
      dockerBridgeAddress: args.dockerBridgeAddress,
      gossipKey,
      recursors: args.recursors,
      ui: args.ui,
      logLevel: args.logLevel,
      aclEnabled,
      tls,
      keepDataOnDestroy: args.keepDataOnDestroy,
      dockerHost: args.dockerHost,
      waitTimeoutSeconds: args.waitTimeoutSeconds,
    };
    const [globalName, globalOpts] = child("global");
    const global = new GlobalConsul(
      globalName,
      {
        nodeName: args.nodeName,
        hostAddress: args.hostAddress,
        bootstrap,
        bootstrapExpect: args.bootstrapExpect,
        serverCount: args.serverCount,
        retryJoin: joinAddresses,
        datacenter: globalDatacenter,
        ...serverArgs,
        ports: args.globalPorts,
        // Asked in turn when this server does not answer: the servers it joins, on their HTTPS.
        snapshots: {
          ...args.snapshots,
          token: managementToken,
          otherApiAddresses: pulumi
            .all([fromClusterOpen((c) => c.apiAddress), joinAddresses])
            .apply(([api, list]) => [
              ...(api ? [api] : []),
              ...list.map((a) =>
                hostPort(a.split(":")[0], args.globalPorts?.https ?? DEFAULT_GLOBAL_PORTS.https),
              ),
            ]),
        },
        acl:
          managementToken && globalAgentToken
            ? {
                agentToken: globalAgentToken,
                managementToken: holdsManagementToken ? managementToken : undefined,
              }
            : undefined,
      },
      globalOpts,
    );

    // On the bootstrap host the ACL objects live in the state of this host's own server: when a
    // destroy removes it, they go with it (no API call, which fails once dc1 has lost quorum).
    const aclObjectOptions: pulumi.ComponentResourceOptions = bootstrap
      ? { dependsOn: [global], deletedWith: global }
      : { dependsOn: [global] };
    /** A least-privilege token made through this host's global server. */
    const hostToken = (
      part: string,
      description: pulumi.Input<string>,
      token:
        | { rules: string; policyName: pulumi.Input<string> }
        | { nodeName: pulumi.Input<string>; datacenter: pulumi.Input<string> },
    ): pulumi.Output<string> =>
      new ConsulAclToken(
        `${name}-${part}`,
        {
          api: primaryApi(global.apiAddress),
          description,
          ...("rules" in token ? token : { nodeIdentity: token }),
        },
        child(part, aclObjectOptions)[1],
      ).secretId;

    const node = pulumi.output(args.nodeName);
    const internalDc = pulumi.output(args.internalDatacenter);
    const internalNode = pulumi.interpolate`${node}-${internalDc}`;
    const tokens = managementToken
      ? {
          internalAgent: hostToken(
            "internal-agent-token",
            pulumi.interpolate`agent token of ${internalNode} (${internalDc})`,
            { nodeName: internalNode, datacenter: internalDc },
          ),
          replication: hostToken(
            "replication-token",
            pulumi.interpolate`ACL replication of ${internalDc}`,
            { rules: replicationRules(), policyName: pulumi.interpolate`replication-${node}` },
          ),
          registrator: (which: "global" | "internal", datacenter: pulumi.Input<string>) =>
            hostToken(
              `registrator-${which}-token`,
              pulumi.interpolate`registrator of ${node} (${datacenter})`,
              {
                rules: registratorRules(),
                policyName: pulumi.interpolate`registrator-${node}-${datacenter}`,
              },
            ),
        }
      : undefined;

    // The internal datacenter WAN-joins this host's global server, which alone brings it the whole
    // WAN pool; the cluster's WAN addresses are added so it federates even while that one is down.
    const [internalName, internalOpts] = child("internal");
    const internal = new InternalDc(
      internalName,
      {
        nodeName: args.nodeName,
        hostAddress: args.hostAddress,
        datacenter: args.internalDatacenter,
        retryJoinWan: pulumi
          .all([global.wanAddress, wanJoinAddresses])
          .apply(([own, others]) => [own, ...others]),
        primaryDatacenter: globalDatacenter,
        ...serverArgs,
        ports: args.internalPorts,
        acl: tokens
          ? { agentToken: tokens.internalAgent, replicationToken: tokens.replication }
          : undefined,
      },
      internalOpts,
    );

    // With ACLs on (default deny), DNS answers only what the anonymous token may read: every host
    // grants it read on services and nodes with a policy of its own.
    if (managementToken) {
      new AnonymousDnsAccess(
        ...asChild(
          "anonymous-dns",
          { api: primaryApi(global.apiAddress), policyName: pulumi.interpolate`dns-read-${node}` },
          aclObjectOptions,
        ),
      );
    }

    // registrator, twice: host address and published ports into the global datacenter (so
    // <svc>.service.dc1.consul answers every host), container addresses into the internal one.
    // Both run on the host's network and reach their agent's plain HTTP on loopback, each with its
    // own token. Each starts once its agent is healthy (dependsOn): registrator retries only its
    // first connection, and a registration the agent refuses waits for the next resync. The
    // address itself does not carry the agent's container, so replacing an agent leaves its
    // registrator alone.
    const loopbackHttp = (agent: GlobalConsul | InternalDc): pulumi.Output<string> =>
      agent.ports.apply((ports) => hostPort("127.0.0.1", ports.http));
    const registratorOptions = pulumi.output(args.registrator?.options ?? {});
    const globalRegistrator = new Registrator(
      ...asChild(
        "registrator-global",
        {
          consulAddress: loopbackHttp(global),
          containerName: `registrator-${globalDatacenter}`,
          image: args.registrator?.image,
          options: pulumi
            .all([registratorOptions, args.hostAddress])
            .apply(([options, hostIp]) => ({ ...options, hostIp })),
          aclEnabled,
          aclToken: tokens?.registrator("global", globalDatacenter),
        },
        { dependsOn: [global] },
      ),
    );
    const internalRegistrator =
      (args.registrator?.registerInternal ?? true)
        ? new Registrator(
            ...asChild(
              "registrator-internal",
              {
                consulAddress: loopbackHttp(internal),
                containerName: pulumi.interpolate`registrator-${internalDc}`,
                image: args.registrator?.image,
                options: registratorOptions.apply((options) => ({ ...options, internal: true })),
                aclEnabled,
                aclToken: tokens?.registrator("internal", internalDc),
              },
              { dependsOn: [internal] },
            ),
          )
        : undefined;

    // The service (the original's Elasticsearch): published on the host address, registered by
    // both registrators, resolving through the internal datacenter's DNS, and found across
    // datacenters through a prepared query in the host's own datacenter.
    const service = args.service;
    const serviceName = service?.ports[0]?.name ?? "service";
    const consulService = service
      ? new ConsulService(
          ...asChild<ConsulServiceArgs, ConsulServiceOptions>(
            serviceName,
            {
              image: service.image,
              containerName: serviceName,
              ports: service.ports,
              hostAddress: args.hostAddress,
              dnsServer: internal.dnsServer,
              envs: service.envs,
              command: service.command,
              memoryMb: service.memoryMb,
              preparedQuery:
                (service.preparedQuery ?? true)
                  ? {
                      name: serviceName,
                      consulAddress: internal.apiAddress,
                      caCertificate: ca.certificatePem,
                      datacenter: internal.datacenter,
                      // Only the global datacenter: other hosts' internal datacenters hold container
                      // addresses that are unreachable from this host.
                      failover: { datacenters: [globalDatacenter] },
                      aclEnabled,
                      token: managementToken
                        ? hostToken(
                            "query-token",
                            pulumi.interpolate`prepared query ${serviceName} of ${node}`,
                            {
                              rules: preparedQueryRules(serviceName),
                              policyName: pulumi.interpolate`query-${serviceName}-${node}`,
                            },
                          )
                        : undefined,
                    }
                  : undefined,
            },
            {
              // The container needs no agent (registrator lists running containers when it
              // starts); the query waits for the internal server through consulAddress. The
              // query lives in the internal server's state: no API call when both go.
              queryDeletedWith: internal,
            },
          ),
        )
      : undefined;

    this.gossipKey = gossipKey;
    this.aclManagementToken = pulumi.secret(pulumi.output(managementToken));
    this.tlsCaCertificate = ca.certificatePem;
    this.tlsCaKey = ca.privateKeyPem;
    this.globalDatacenter = global.datacenter;
    this.globalNodeName = global.nodeName;
    this.globalJoinAddress = global.lanJoinAddress;
    this.globalWanAddress = global.wanAddress;
    this.globalApiAddress = global.apiAddress;
    this.globalDnsAddress = global.dnsAddress;
    this.globalRetryJoin = global.retryJoin;
    this.globalContainerId = global.containerId;
    this.internalDatacenter = internal.datacenter;
    this.internalWanAddress = internal.wanAddress;
    this.internalApiAddress = internal.apiAddress;
    this.internalRetryJoinWan = internal.retryJoinWan;
    this.internalContainerId = internal.containerId;
    this.containerDnsAddress = internal.dnsAddress;
    this.globalRegistratorCommand = globalRegistrator.command;
    this.internalRegistratorCommand = pulumi.output(internalRegistrator?.command);
    this.serviceDnsNames = pulumi.output(consulService?.dnsNames);
    this.serviceContainerId = pulumi.output(consulService?.containerId);
    // The next host joins every global server known so far, this one included.
    const union = (theirs: pulumi.Input<pulumi.Input<string>[]>, own: pulumi.Output<string>) =>
      pulumi.all([theirs, own]).apply(([list, mine]) => [...new Set([...list, mine])]);
    this.cluster = pulumi.secret(
      pulumi.output({
        datacenter: global.datacenter,
        joinAddresses: union(joinAddresses, global.lanJoinAddress),
        wanAddresses: union(wanJoinAddresses, global.wanAddress),
        apiAddress: global.apiAddress,
        gossipKey,
        aclManagementToken: managementToken,
        tlsCaCertificate: ca.certificatePem,
        tlsCaKey: ca.privateKeyPem,
      }),
    );
    this.registerOutputs({
      cluster: this.cluster,
      gossipKey: this.gossipKey,
      aclManagementToken: this.aclManagementToken,
      tlsCaCertificate: this.tlsCaCertificate,
      tlsCaKey: this.tlsCaKey,
      globalDatacenter: this.globalDatacenter,
      globalNodeName: this.globalNodeName,
      globalJoinAddress: this.globalJoinAddress,
      globalWanAddress: this.globalWanAddress,
      globalApiAddress: this.globalApiAddress,
      globalDnsAddress: this.globalDnsAddress,
      globalRetryJoin: this.globalRetryJoin,
      globalContainerId: this.globalContainerId,
      internalDatacenter: this.internalDatacenter,
      internalWanAddress: this.internalWanAddress,
      internalApiAddress: this.internalApiAddress,
      internalRetryJoinWan: this.internalRetryJoinWan,
      internalContainerId: this.internalContainerId,
      containerDnsAddress: this.containerDnsAddress,
      globalRegistratorCommand: this.globalRegistratorCommand,
      internalRegistratorCommand: this.internalRegistratorCommand,
      serviceDnsNames: this.serviceDnsNames,
      serviceContainerId: this.serviceContainerId,
    });
  }
}
