import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  AGENT_CONFIG_FILE,
  DATA_DIR,
  LOCAL_CONFIG_ENV,
  TLS_FILES,
  buildAgentSecretConfig,
  renderConfig,
  AgentSecrets,
  ConsulConfigDocument,
} from "../core/agent-config";
import { ServerSpec, hostPort } from "../core/server-settings";
import { AutopilotMembership, leaderHealthcheck } from "../core/health";
import { AGENT_ENTRYPOINT, AgentStart, TLS_KEY_ENV, agentStartScript } from "../core/agent-start";
import { ServerIdentity, ServerTlsFiles, issueServerTls } from "../core/server-tls";
import {
  DEFAULT_CONSUL_IMAGE,
  DEFAULT_DOCKER_BRIDGE_ADDRESS,
  DEFAULT_PROTECTION_ENABLED,
} from "../core/defaults";
import { AgentSettingName } from "../core/host-settings";
import { resolveAgentArguments } from "./agent-args";
import { AgentArguments } from "./host-arguments";
import { known } from "./input-checks";
import { ServerRole, ServerSecurity, serverSecurity } from "../core/secure-defaults";
import { Problem } from "../core/problems";
import { failOnProblems } from "./problems-error";
import { AgentPorts } from "../core/agent-ports";
import { LOCAL_DOCKER_HOST } from "../core/docker-host";
import { SnapshotHookArgs, beforeServerDelete } from "./snapshot-hook";
import { ConsulEndpoint } from "./consul-http";
import { explainFailureHook } from "./failure-hook";
import { ContainerLimits } from "../core/server-resources";

/**
 * Arguments every Consul server component takes (`GlobalConsul`, `InternalDc`). Whatever a
 * composing program could compute (another resource's address, a datacenter name, a locally built
 * image) is a `pulumi.Input`: plain values are checked before anything is registered, Outputs in
 * the same words when they resolve. Ports, `waitTimeoutSeconds` and `keepDataOnDestroy` shape the
 * resources themselves and stay plain. Each argument is named as the host setting it is (see
 * core/host-settings.ts); the settings every agent takes unchanged come from {@link AgentArguments}.
 */
export interface ConsulServerArgs extends AgentArguments {
  /** This host's node name, unique across hosts (e.g. `node1`). Required. */
  readonly nodeName: pulumi.Input<string>;
  /** This host's address, reachable from every other host; bound and advertised on LAN and WAN. Required. */
  readonly hostAddress: pulumi.Input<string>;
  /**
   * Consul image, an exact tag or digest. Default `hashicorp/consul:1.22.7`.
   * @default hashicorp/consul:1.22.7
   */
  readonly consulImage?: pulumi.Input<string>;
  /**
   * Docker bridge gateway address, added to `client_addr` (and DNS for `InternalDc`). Default `172.17.0.1`.
   * @default 172.17.0.1
   */
  readonly dockerBridgeAddress?: pulumi.Input<string>;
  /**
   * Gossip key shared by every agent (32 bytes, base64); kept a Pulumi secret. Default: a
   * bootstrap `GlobalConsul` makes one (its `gossipKey` output); every other server needs it,
   * unless `gossipEncryption: false`.
   * @default made by a bootstrap GlobalConsul; required otherwise
   */
  readonly gossipKey?: pulumi.Input<string>;
  /**
   * Encrypt gossip with `gossipKey`. `false` runs gossip unencrypted, warned about at every
   * preview and update; `gossipKey` must not be given then. Default `true`.
   * @default true
   */
  readonly gossipEncryption?: boolean;
  /**
   * Enforce ACLs with default deny (see `acl`). `false` turns them off, warned about at every
   * preview and update; `acl` must not be given then. Default `true`.
   * @default true
   */
  readonly aclEnabled?: boolean;
  /**
   * TLS from the CA in `tls`. `false` runs without TLS (plain RPC, plain HTTP also on the host
   * address), warned about at every preview and update; `tls` must not be given then. Default
   * `true`.
   * @default true
   */
  readonly tlsEnabled?: boolean;
  /**
   * TLS: the cluster's CA, from which the component issues this server's certificate (names
   * `server.<datacenter>.consul`, `<nodeName>.server.<datacenter>.consul`, `localhost`, the host
   * address and 127.0.0.1). Server RPC is then TLS verified both ways, HTTPS listens on the host
   * address and plain HTTP only on loopback and the Docker bridge. Default: a bootstrap
   * `GlobalConsul` makes its own CA (its `caCertificate` and `caPrivateKey` outputs); every other
   * server needs it, unless `tlsEnabled: false`.
   * @default made by a bootstrap GlobalConsul; required otherwise
   */
  readonly tls?: ConsulServerTls;
  /**
   * Seconds `pulumi up` waits for the agent to know a leader. Default `120`.
   * @default 120
   */
  readonly waitTimeoutSeconds?: number;
  /**
   * Keep the data volume (Raft state, KV, ACLs) when the component is deleted, e.g. by
   * `pulumi destroy`. The next `up` with the same node name and datacenter adopts the kept volume,
   * and its Raft state still lists the old peers: a server waits for them, so bring back the same
   * servers together. Replacing the container never touches the volume either way.
   * Default `false`: destroy removes what `up` created.
   * @default false
   */
  readonly keepDataOnDestroy?: boolean;
  /**
   * The Docker engine the container runs on (`unix://…`, `tcp://…`, `ssh://…`, as the docker
   * provider's `host`). When the container does not become healthy, `pulumi up` reads its log and
   * asks it for its leader and peers through the docker CLI on this engine, and says why in its
   * error. Default `unix:///var/run/docker.sock`.
   * @default unix:///var/run/docker.sock
   */
  readonly dockerHost?: pulumi.Input<string>;
}

/** ACL settings of a `GlobalConsul`; every token is handled as a Pulumi secret. */
export interface GlobalConsulAcl {
  /**
   * The management token. A server given it bootstraps ACLs with it (`initial_management`) and
   * registers its own agent token (node identity) with it once it answers: give it to the
   * bootstrap server, or to every server with `bootstrapExpect`. A server that joins an existing
   * cluster is not given it, but an `agentToken` made through the cluster's API. Default: none.
   * @default none
   */
  readonly managementToken?: pulumi.Input<string>;
  /**
   * The agent's own token (`acl.tokens.agent`), with this node's identity (node:write on itself)
   * and `operator:read`: without the management token, the server's healthcheck asks autopilot
   * with it whether the server is a healthy voter (`ConsulHost` makes it so). Default: with
   * `managementToken`, one the component generates (a RandomPassword-derived UUID) and registers;
   * without it, required.
   * @default generated with managementToken
   */
  readonly agentToken?: pulumi.Input<string>;
}

/** ACL settings of an `InternalDc`; every token is handled as a Pulumi secret. */
export interface InternalDcAcl {
  /**
   * The agent's own token (`acl.tokens.agent`): a global token with this server's node identity
   * (`<nodeName>-<datacenter>` in this datacenter), made through the primary's API. Required.
   */
  readonly agentToken: pulumi.Input<string>;
  /**
   * The token this secondary datacenter replicates ACLs from the primary with
   * (`acl.tokens.replication`; `acl:write`, `operator:write`, `service:read`, `intention:read`).
   * Required.
   */
  readonly replicationToken: pulumi.Input<string>;
}

/** TLS settings of a server component. */
export interface ConsulServerTls {
  /** The CA certificate (PEM) every agent trusts. Required. */
  readonly caCertificate: pulumi.Input<string>;
  /** The CA's private key (PEM), used to sign this server's certificate; a Pulumi secret. Required. */
  readonly caPrivateKey: pulumi.Input<string>;
}

/**
 * The arguments every server component resolves, with the defaults applied: the common part of
 * its {@link ServerSpec} (the agent-wide settings included), plus the image (which shapes the
 * container, not the configuration).
 */
export type ResolvedServerArgs = Pick<
  ServerSpec,
  "nodeName" | "hostAddress" | "dockerBridgeAddress" | AgentSettingName
> & {
  /** {@link ConsulServerArgs.consulImage}, defaulted. */
  readonly consulImage: string;
};

/**
 * The common arguments resolved (Inputs unwrapped) with their defaults: the one place a server
 * component's defaults are applied.
 */
export function resolveServerArgs(args: ConsulServerArgs): pulumi.Output<ResolvedServerArgs> {
  return pulumi
    .all([
      pulumi.output({
        nodeName: args.nodeName,
        hostAddress: args.hostAddress,
        consulImage: args.consulImage ?? DEFAULT_CONSUL_IMAGE,
        dockerBridgeAddress: args.dockerBridgeAddress ?? DEFAULT_DOCKER_BRIDGE_ADDRESS,
      }),
      resolveAgentArguments(args),
    ])
    .apply(([own, agent]) => ({ ...own, ...agent }));
}

/** What is known of the common arguments: each value, or `undefined` while it is an Output. */
export type KnownServerArgs = Partial<ResolvedServerArgs> & { readonly gossipKey?: string };

/** The known (plain) part of the common arguments, for the check before registration. */
export function knownServerArgs(args: ConsulServerArgs): KnownServerArgs {
  return {
    nodeName: known(args.nodeName),
    hostAddress: known(args.hostAddress),
    consulImage: args.consulImage === undefined ? DEFAULT_CONSUL_IMAGE : known(args.consulImage),
    dockerBridgeAddress: known(args.dockerBridgeAddress),
    recursors: known(args.recursors) as string[] | undefined,
    extraConfig: args.extraConfig,
    gossipKey: known(args.gossipKey),
  };
}

/**
 * A server's security decision (see `core/secure-defaults`) from its arguments; `acl` is the
 * component's own ACL argument, whose shape differs between `GlobalConsul` and `InternalDc`.
 */
export function serverSecurityOf(
  component: string,
  role: ServerRole,
  args: ConsulServerArgs,
  acl: object | undefined,
): ServerSecurity {
  return serverSecurity({
    component,
    role,
    acl: { enabled: args.aclEnabled ?? DEFAULT_PROTECTION_ENABLED, given: acl !== undefined },
    tls: { enabled: args.tlsEnabled ?? DEFAULT_PROTECTION_ENABLED, given: args.tls !== undefined },
    gossip: {
      enabled: args.gossipEncryption ?? DEFAULT_PROTECTION_ENABLED,
      given: args.gossipKey !== undefined,
    },
  });
}

/**
 * A given gossip key, checked when it resolves: an Output that resolves to nothing (another
 * server's `gossipKey` output with encryption off, an empty config value) would otherwise leave
 * gossip unencrypted without a word. Fails with `whenEmpty` on `resource`.
 */
export function checkedGossipKey(
  gossipKey: pulumi.Input<string>,
  whenEmpty: Problem,
  resource: pulumi.Resource,
): pulumi.Output<string> {
  return pulumi.output(gossipKey).apply((key) => {
    if (typeof key !== "string" || key === "") failOnProblems([whenEmpty], resource);
    return key;
  });
}

/** A server's TLS files as the container gets them: public ones readable, the key a secret. */
export interface ServerTlsOutputs {
  /** The CA certificate and this server's certificate (public; uploaded, readable in diffs). */
  readonly publicFiles: pulumi.Output<Omit<ServerTlsFiles, "privateKey">>;
  /** This server's private key, a Pulumi secret. */
  readonly privateKey: pulumi.Output<string>;
}

/** The addresses a server component exports for its API, known once its container is healthy. */
export interface ServerApiOutputs {
  /** `host:https` with TLS, `host:http` without. */
  readonly apiAddress: pulumi.Output<string>;
  /** The CA certificate that verifies {@link apiAddress}, with TLS. */
  readonly caCertificate: pulumi.Output<string | undefined>;
  /** `127.0.0.1:http`, for containers on the host's network. */
  readonly localHttpAddress: pulumi.Output<string>;
}

/**
 * A server's API outputs. They carry the container (known once it is healthy), so whatever is
 * given them (a consul provider, a registrator) waits for the agent.
 */
export function serverApiOutputs(
  container: docker.Container,
  hostAddress: pulumi.Output<string>,
  ports: AgentPorts,
  tls: ConsulServerTls | undefined,
): ServerApiOutputs {
  return {
    apiAddress: pulumi
      .all([container.id, hostAddress])
      .apply(([, host]) => hostPort(host, tls ? ports.https : ports.http)),
    caCertificate: pulumi.output(tls?.caCertificate),
    localHttpAddress: container.id.apply(() => hostPort("127.0.0.1", ports.http)),
  };
}

/**
 * The server's TLS files, issued from the CA in `tls` for the resolved identity by `issue` (default
 * a server certificate; a client agent's is `issueClientTls`); `undefined` without TLS. The clock is read once per program run (see `core/server-tls`).
 */
export function serverTls(
  tls: ConsulServerTls | undefined,
  identity: pulumi.Output<ServerIdentity>,
  issue: typeof issueServerTls = issueServerTls,
): ServerTlsOutputs | undefined {
  if (tls === undefined) return undefined;
  const now = new Date();
  const files = pulumi
    .all([tls.caCertificate, tls.caPrivateKey, identity])
    .apply(([certificatePem, privateKeyPem, id]) =>
      issue({ certificatePem, privateKeyPem }, id, now),
    );
  return {
    publicFiles: pulumi.unsecret(
      files.apply((f) => ({ caCertificate: f.caCertificate, certificate: f.certificate })),
    ),
    privateKey: pulumi.secret(files.apply((f) => f.privateKey)),
  };
}

/** How long a server's container may take to leave and stop before it is removed, in seconds. */
export const SERVER_STOP_GRACE_SECONDS = 30;

/** What {@link declareConsulServer} needs to declare one server agent's Docker resources. */
export interface ConsulServerDeclaration {
  /** The component the resources belong to; every resource is its child. */
  readonly parent: pulumi.Resource;
  /** Prefix of every child's logical name (the component's name). */
  readonly name: string;
  /** Image reference, e.g. `hashicorp/consul:1.22.7`. */
  readonly image: pulumi.Input<string>;
  /** Docker container name, unique on the Docker host. */
  readonly containerName: pulumi.Input<string>;
  /** Docker volume name for the Raft state, unique on the Docker host. */
  readonly volumeName: pulumi.Input<string>;
  /** The agent's configuration document, built from its {@link ServerSpec}. */
  readonly config: pulumi.Output<ConsulConfigDocument>;
  /** The secret part, written by the image's entrypoint from `CONSUL_LOCAL_CONFIG`. */
  readonly secrets: pulumi.Output<AgentSecrets>;
  /**
   * What else the container prepares before the agent starts (its own token); writing the TLS key
   * follows from `tls`. Default: nothing else.
   * @default nothing else
   */
  readonly start?: pulumi.Output<Omit<AgentStart, "tlsKey">>;
  /** The agent's TLS files (see {@link serverTls}), when it has TLS. */
  readonly tls?: ServerTlsOutputs;
  /** Secret environment variables for the start script besides the TLS key (tokens to register). */
  readonly secretEnv?: pulumi.Output<string[]>;
  /** Extra environment variables (e.g. `CONSUL_ALLOW_PRIVILEGED_PORTS`). */
  readonly env?: readonly string[];
  /** How long `pulumi up` waits for the container to be healthy, in seconds. */
  readonly waitTimeoutSeconds: number;
  /** The HTTP port, for the healthcheck. */
  readonly httpPort: number;
  /**
   * Datacenters that must answer over the WAN before the agent counts as healthy. Default none.
   * @default none
   */
  readonly remoteDatacenters?: pulumi.Input<string[]>;
  /**
   * For a server of a datacenter with several servers: autopilot must list it as a healthy voter
   * before it counts as healthy (the probe's token comes from `secretEnv`, see
   * `core/health`). Default: not asked (a one-server datacenter).
   * @default not asked
   */
  readonly autopilot?: pulumi.Input<AutopilotMembership>;
  /** Keep the data volume when the resources are deleted (see {@link ConsulServerArgs}). */
  readonly keepDataOnDestroy: boolean;
  /**
   * The container's memory and CPU limits (see `core/server-resources`). Default: none.
   * @default none
   */
  readonly limits?: ContainerLimits;
  /**
   * The Docker engine of the container, for the explanation of a failed start (see
   * {@link ConsulServerArgs.dockerHost}). Default `unix:///var/run/docker.sock`.
   * @default unix:///var/run/docker.sock
   */
  readonly dockerHost?: pulumi.Input<string>;
  /**
   * Save a Raft snapshot before the container is deleted (replaced or destroyed): for servers of
   * the global datacenter. Default: none.
   * @default none
   */
  readonly snapshot?: Omit<SnapshotHookArgs, "containerName">;
  /**
   * This server's own API, asked to leave its cluster before Pulumi deletes its container (see
   * `beforeServerDelete`): then only a removal Pulumi makes is a leave. Its container's restart
   * policy is `on-failure`, so that the agent's clean exit after that leave is not undone, while
   * a crash or a stop by its engine's or host's shutdown (exit 1: no leave on SIGTERM) restarts
   * it. Default: no leave; restart `unless-stopped`.
   * @default no leave
   */
  readonly leave?: pulumi.Input<ConsulEndpoint>;
}

/** The Docker resources behind one Consul server agent. */
export interface ConsulServerResources {
  /** The pulled image. */
  readonly image: docker.RemoteImage;
  /** The named volume holding `/consul/data`; it survives replacement of the container. */
  readonly volume: docker.Volume;
  /** The agent's container. */
  readonly container: docker.Container;
}

/**
 * Declares the image, data volume and container of one Consul server, as children of `parent`.
 * Shared by `GlobalConsul` and `InternalDc`, which differ only in the settings they compute.
 */
export function declareConsulServer(decl: ConsulServerDeclaration): ConsulServerResources {
  const childOpts = { parent: decl.parent };
  const image = new docker.RemoteImage(
    `${decl.name}-image`,
    // keepLocally: another component on the same host may run the same image.
    { name: decl.image, keepLocally: true },
    childOpts,
  );
  const volume = new docker.Volume(
    `${decl.name}-data`,
    { name: decl.volumeName },
    // The volume is not replaced when the container is; it is deleted with the component unless
    // the caller asked to keep it.
    { ...childOpts, retainOnDelete: decl.keepDataOnDestroy },
  );
  const healthcheck = pulumi
    .all([decl.remoteDatacenters ?? [], decl.autopilot])
    .apply(([remote, autopilot]) => {
      const check = leaderHealthcheck(decl.httpPort, remote, {}, autopilot);
      return {
        tests: check.tests,
        interval: check.interval,
        timeout: check.timeout,
        retries: check.retries,
        startPeriod: check.startPeriod,
      };
    });
  const agentConfig = decl.config.apply(renderConfig);
  // The secret part travels in CONSUL_LOCAL_CONFIG, which the image's entrypoint writes to
  // /consul/config/local.json. Pulumi marks a whole property secret when any element is, so
  // keeping secrets out of `uploads` keeps the agent config readable in `pulumi preview --diff`;
  // `envs` is wrapped in pulumi.secret unconditionally: the gossip key and tokens are never plain.
  const envs = pulumi.secret(
    pulumi
      .all([decl.secrets, decl.tls?.privateKey, decl.secretEnv ?? []])
      .apply(([s, tlsKey, secretEnv]) => [
        ...(decl.env ?? []),
        `${LOCAL_CONFIG_ENV}=${renderConfig(buildAgentSecretConfig(s))}`,
        ...(tlsKey === undefined ? [] : [`${TLS_KEY_ENV}=${tlsKey}`]),
        ...secretEnv,
      ]),
  );
  const script = pulumi
    .output(decl.start ?? {})
    .apply((start) => agentStartScript({ ...start, tlsKey: decl.tls !== undefined }));
  // The CA and the certificate are public: uploaded beside the configuration, readable in diffs.
  const uploads = pulumi.all([agentConfig, decl.tls?.publicFiles]).apply(([config, tls]) => [
    { file: AGENT_CONFIG_FILE, content: config },
    ...(tls
      ? [
          { file: TLS_FILES.ca, content: tls.caCertificate },
          { file: TLS_FILES.certificate, content: tls.certificate },
        ]
      : []),
  ]);
  const container = new docker.Container(
    `${decl.name}-agent`,
    {
      name: decl.containerName,
      image: image.imageId,
      entrypoints: [...AGENT_ENTRYPOINT],
      command: [script],
      networkMode: "host",
      restart: decl.leave ? "on-failure" : "unless-stopped",
      envs,
      // Consul's own containers are not services for registrator to publish.
      labels: [{ label: "SERVICE_IGNORE", value: "true" }],
      volumes: [{ volumeName: volume.name, containerPath: DATA_DIR }],
      uploads,
      healthcheck,
      // Memory without swap beyond it, and a CFS CPU quota (the docker provider's `cpus`, Docker's
      // --cpus); absent: no limit.
      memory: decl.limits?.memoryMb,
      memorySwap: decl.limits?.memoryMb,
      cpus: decl.limits?.cpus,
      wait: true,
      waitTimeout: decl.waitTimeoutSeconds,
      // Stop (SIGTERM) before removing, on destroy and on replacement, so an agent shuts down
      // cleanly (a server asked to leave has left by then, see `leave`) rather than be killed.
      destroyGraceSeconds: SERVER_STOP_GRACE_SECONDS,
    },
    {
      ...childOpts,
      // Fixed name and host ports: the old container must go before the new one starts.
      deleteBeforeReplace: true,
      // The docker provider does not apply a changed healthcheck in place.
      replaceOnChanges: ["healthcheck"],
      // One snapshot hook serves every server of the program (a fixed name: see snapshot-hook);
      // error hooks run only for this resource's own create or update, named after it.
      hooks: {
        beforeDelete:
          decl.snapshot || decl.leave
            ? [
                beforeServerDelete({
                  containerName: decl.containerName,
                  snapshot: decl.snapshot,
                  leave: decl.leave,
                }),
              ]
            : [],
        onError: [
          explainFailureHook({
            name: `${decl.name}-explain-failure`,
            target: pulumi
              .all([decl.dockerHost ?? LOCAL_DOCKER_HOST, decl.containerName])
              .apply(([dockerHost, containerName]) => ({
                dockerHost,
                containerName,
                httpPort: decl.httpPort,
              })),
          }),
        ],
      },
    },
  );
  return { image, volume, container };
}
