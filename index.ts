// The program: read this stack's config, build this host's docker provider and components,
// export what the other stacks need. All decisions live in components/.
import * as os from "os";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GlobalConsul } from "./components/global-consul";
import { InternalDc } from "./components/internal-dc";
import { Registrator } from "./components/registrator";
import { ConsulService } from "./components/consul-service";
import { AnonymousDnsAccess } from "./components/anonymous-dns-access";
import { ConsulAclToken } from "./components/consul-acl-token";
import {
  preparedQueryRules,
  registratorRules,
  replicationRules,
} from "./components/core/acl-rules";
import { failOnProblems } from "./components/problems-error";
import { DEFAULT_GLOBAL_PORTS } from "./components/core/agent-ports";
import { hostPort } from "./components/core/server-settings";
import { checkDockerContextEnv } from "./components/core/docker-host";
import { checkStack, joinSources } from "./components/core/stack-topology";
import {
  generatedAclToken,
  generatedCertificateAuthority,
  generatedGossipKey,
} from "./components/generated-secrets";
import {
  CONFIG_NAMESPACE,
  configKey,
  readStack,
  splitRegistratorSettings,
} from "./components/core/stack-settings";

const config = new pulumi.Config(CONFIG_NAMESPACE);
// Raw values for checking only; secrets are read through getSecret below and never logged.
const raw = (name: string): string | undefined => pulumi.runtime.getConfig(configKey(name));
// A secret key is "given" when non-empty (Pulumi.yaml defaults it to "": see there).
const given = (name: string): string | undefined => raw(name) || undefined;
// isConfigSecret is exported by the SDK's runtime but missing from its typings.
const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
const SECRET_KEYS = ["gossipKey", "aclManagementToken", "tlsCaKey"];

// Without nodeIp and with a local Docker engine, nodeIp is this machine's address (said below).
const { settings, problems, notice } = readStack(raw, os.networkInterfaces());
if (notice) void pulumi.log.info(notice);
// Every problem of this stack's config, reported at once before any resource is registered.
failOnProblems([
  ...checkStack(settings, problems, {
    gossipKey: given("gossipKey"),
    aclManagementToken: given("aclManagementToken") !== undefined,
    tlsCaKey: given("tlsCaKey"),
    tlsCaCertificate: given("tlsCaCertificate"),
    plainText: SECRET_KEYS.filter(
      (name) => given(name) !== undefined && !runtime.isConfigSecret(configKey(name)),
    ),
  }),
  ...checkDockerContextEnv(process.env.DOCKER_CONTEXT),
]);
if (!settings.aclEnabled) {
  void pulumi.log.warn(
    `${configKey("aclEnabled")} is false: Consul's ACLs are off, so anyone who reaches an agent's API (HTTPS on the host address, HTTP on the Docker bridge) may read and write everything, KV and catalog included. Remove the setting to turn them back on.`,
  );
}
const service = settings.service;
const serviceName = service.ports[0]?.name ?? "service";
const {
  image: registratorImage,
  registerInternal,
  options: registratorOptions,
} = splitRegistratorSettings(settings.registrator);

const dockerProvider = new docker.Provider(`docker-${settings.nodeName}`, {
  host: settings.dockerHost,
  sshOpts: [...settings.dockerSshOpts],
});

// Outputs of the bootstrap stack, read only by joining stacks and only for what config lacks: the
// StackReference is made on first use, so a stack configured explicitly needs no bootstrap stack.
let bootstrapStack: pulumi.StackReference | undefined;
function fromBootstrap(output: string, fix: string): pulumi.Output<string> {
  if (settings.bootstrap || settings.bootstrapStack === "") {
    throw new pulumi.ResourceError(
      `${configKey("bootstrapStack")}: is empty, so nothing provides "${output}"; ${fix}.`,
      undefined,
      true,
    );
  }
  bootstrapStack ??= new pulumi.StackReference(settings.bootstrapStack);
  return bootstrapStack.getOutput(output).apply((value: unknown) => {
    if (typeof value !== "string" || value === "") {
      throw new pulumi.ResourceError(
        `${configKey("bootstrapStack")}: stack "${settings.bootstrapStack}" has no output "${output}"; deploy the bootstrap stack first, point ${configKey("bootstrapStack")} at it, or ${fix}.`,
        undefined,
        true,
      );
    }
    return value;
  });
}

/**
 * A secret every stack shares: from this stack's config when set (with --secret), else made by
 * the bootstrap stack, else read from it.
 */
function sharedSecret(
  name: string,
  what: string,
  generate: () => pulumi.Output<string>,
): pulumi.Output<string> {
  return pulumi.secret(
    given(name)
      ? config.requireSecret(name)
      : settings.bootstrap
        ? generate()
        : fromBootstrap(name, `set ${configKey(name)} (--secret) to the bootstrap stack's ${what}`),
  );
}

/** The gossip key every agent shares (secret); joining stacks read it. */
const gossipKey: pulumi.Output<string> = sharedSecret("gossipKey", "key", () =>
  generatedGossipKey("gossip-key-seed"),
);

const managementToken: pulumi.Output<string> | undefined = settings.aclEnabled
  ? sharedSecret("aclManagementToken", "token", () =>
      generatedAclToken("acl-management-token-seed"),
    )
  : undefined;

/** The CA every agent trusts: config (both keys), or made by the bootstrap stack, or read from it. */
const ca = ((): { certificatePem: pulumi.Output<string>; privateKeyPem: pulumi.Output<string> } => {
  if (given("tlsCaKey")) {
    return {
      certificatePem: pulumi.output(config.require("tlsCaCertificate")),
      privateKeyPem: config.requireSecret("tlsCaKey"),
    };
  }
  if (settings.bootstrap) return generatedCertificateAuthority("tls-ca-seed");
  const fix = (what: string) =>
    `set ${configKey("tlsCaKey")} (--secret) and ${configKey("tlsCaCertificate")} to the bootstrap stack's CA ${what}`;
  return {
    certificatePem: fromBootstrap("tlsCaCertificate", fix("certificate")),
    privateKeyPem: pulumi.secret(fromBootstrap("tlsCaKey", fix("key"))),
  };
})();
const tls = { caCertificate: ca.certificatePem, caPrivateKey: ca.privateKeyPem };

// Join lists: config, or the bootstrap stack's outputs (see joinSources).
const joins = joinSources(settings);
const joinAddresses: pulumi.Input<pulumi.Input<string>[]> =
  joins.lan !== "bootstrap-stack"
    ? [...joins.lan]
    : [
        // The bootstrap stack must be another host: same node name or address would be two
        // servers claiming one identity.
        pulumi
          .all([
            fromBootstrap(
              "globalJoinAddress",
              `set ${configKey("joinAddresses")} to the LAN address of a global server`,
            ),
            fromBootstrap("globalNodeName", `set ${configKey("joinAddresses")} instead`),
          ])
          .apply(([address, bootstrapNode]) => {
            const sameName = bootstrapNode === settings.nodeName;
            if (sameName || address.split(":")[0] === settings.nodeIp) {
              throw new pulumi.ResourceError(
                sameName
                  ? `${configKey("nodeName")}: "${settings.nodeName}" is also the bootstrap stack's node name; give every host its own.`
                  : `${configKey("nodeIp")}: ${settings.nodeIp} is also the bootstrap stack's address; give every host its own.`,
                undefined,
                true,
              );
            }
            return address;
          }),
      ];

// A server that may have to bootstrap ACLs holds the management token (the bootstrap host, or
// every host with bootstrapExpect) and registers its own agent token with it; any other global
// server gets an agent token made beforehand through the bootstrap host's API.
const holdsManagementToken = settings.bootstrap || settings.bootstrapExpect !== undefined;
/** The API of the primary datacenter's server this stack's own ACL objects are written through. */
const primaryApi = (address: pulumi.Input<string>) => ({
  address,
  datacenter: settings.globalDatacenter,
  token: managementToken,
  caCertificate: ca.certificatePem,
});
// On the bootstrap host the ACL objects live in the state of this host's own server: when a
// destroy removes it, they go with it (no API call, which fails once dc1 has lost its quorum).
const aclObjectOptions = (agent: pulumi.Resource): pulumi.ComponentResourceOptions =>
  settings.bootstrap ? { dependsOn: [agent], deletedWith: agent } : { dependsOn: [agent] };

let globalAgentToken: pulumi.Output<string> | undefined;
if (managementToken) {
  globalAgentToken = holdsManagementToken
    ? generatedAclToken("global-agent-token-seed")
    : new ConsulAclToken("global-agent-token", {
        api: primaryApi(
          joins.lan !== "bootstrap-stack"
            ? // Configured join list: the first server's API, on this stack's HTTPS port.
              hostPort(
                joins.lan[0].split(":")[0],
                settings.globalPorts.https ?? DEFAULT_GLOBAL_PORTS.https,
              )
            : fromBootstrap(
                "globalApiAddress",
                `set ${configKey("joinAddresses")} (the first one's host then serves the API)`,
              ),
        ),
        description: `agent token of ${settings.nodeName} (${settings.globalDatacenter})`,
        nodeIdentity: { nodeName: settings.nodeName, datacenter: settings.globalDatacenter },
      }).secretId;
}

const global = new GlobalConsul(
  "global",
  {
    nodeName: settings.nodeName,
    hostAddress: settings.nodeIp,
    bootstrap: settings.bootstrap,
    bootstrapExpect: settings.bootstrapExpect,
    retryJoin: joinAddresses,
    datacenter: settings.globalDatacenter,
    image: settings.consulImage,
    ports: settings.globalPorts,
    dockerBridgeAddress: settings.dockerBridgeAddress,
    gossipKey,
    recursors: [...settings.recursors],
    ui: settings.ui,
    logLevel: settings.logLevel,
    acl:
      managementToken && globalAgentToken
        ? {
            agentToken: globalAgentToken,
            managementToken: holdsManagementToken ? managementToken : undefined,
          }
        : undefined,
    tls,
    keepDataOnDestroy: settings.keepDataOnDestroy,
  },
  { providers: [dockerProvider] },
);

/** A least-privilege token made through this host's global server (see ConsulAclToken). */
function hostToken(
  name: string,
  description: string,
  token: { rules: string; policyName: string } | { nodeName: string; datacenter: string },
): pulumi.Output<string> {
  return new ConsulAclToken(
    name,
    {
      api: primaryApi(global.apiAddress),
      description,
      ...("rules" in token ? token : { nodeIdentity: token }),
    },
    aclObjectOptions(global),
  ).secretId;
}
const internalNode = `${settings.nodeName}-${settings.internalDatacenter}`;
const tokens = managementToken
  ? {
      internalAgent: hostToken(
        "internal-agent-token",
        `agent token of ${internalNode} (${settings.internalDatacenter})`,
        { nodeName: internalNode, datacenter: settings.internalDatacenter },
      ),
      replication: hostToken(
        "replication-token",
        `ACL replication of ${settings.internalDatacenter}`,
        { rules: replicationRules(), policyName: `replication-${settings.nodeName}` },
      ),
      registrator: (datacenter: string) =>
        hostToken(
          `registrator-${datacenter === settings.globalDatacenter ? "global" : "internal"}-token`,
          `registrator of ${settings.nodeName} (${datacenter})`,
          {
            rules: registratorRules(),
            policyName: `registrator-${settings.nodeName}-${datacenter}`,
          },
        ),
    }
  : undefined;

// The internal datacenter WAN-joins this host's global server, which alone brings it the whole
// WAN pool (global servers flood-join their LAN peers into it); the bootstrap host's (or the
// configured) WAN addresses are added so it federates even while this host's server is down.
const otherGlobalWan: pulumi.Input<string>[] =
  joins.wan !== "bootstrap-stack"
    ? [...joins.wan]
    : [
        fromBootstrap(
          "globalWanAddress",
          `set ${configKey("wanJoinAddresses")} to the WAN address of a global server`,
        ),
      ];

const internal = new InternalDc(
  "internal",
  {
    nodeName: settings.nodeName,
    hostAddress: settings.nodeIp,
    datacenter: settings.internalDatacenter,
    retryJoinWan: [global.wanAddress, ...otherGlobalWan],
    primaryDatacenter: settings.globalDatacenter,
    image: settings.consulImage,
    ports: settings.internalPorts,
    dockerBridgeAddress: settings.dockerBridgeAddress,
    gossipKey,
    recursors: [...settings.recursors],
    ui: settings.ui,
    logLevel: settings.logLevel,
    acl: tokens
      ? { agentToken: tokens.internalAgent, replicationToken: tokens.replication }
      : undefined,
    tls,
    keepDataOnDestroy: settings.keepDataOnDestroy,
  },
  { providers: [dockerProvider] },
);

// With ACLs on (default deny), DNS answers only what the anonymous token may read: every stack
// grants it read on services and nodes with a policy of its own (ACLs replicate to every
// datacenter), whatever the topology.
if (managementToken) {
  new AnonymousDnsAccess(
    "anonymous-dns",
    { api: primaryApi(global.apiAddress), policyName: `dns-read-${settings.nodeName}` },
    aclObjectOptions(global),
  );
}

// registrator, twice: host address and published ports into dc1 (so <svc>.service.dc1.consul
// answers every host), and container addresses into this host's own datacenter. Both run on the
// host's network and reach their agent's plain HTTP on loopback, each with its own token. Each
// starts once its agent is healthy (dependsOn): registrator retries only its first connection,
// and a registration the agent refuses waits for the next resync. The address itself does not
// carry the agent's container, so replacing an agent leaves its registrator alone.
const loopbackHttp = (agent: GlobalConsul | InternalDc): pulumi.Output<string> =>
  agent.ports.apply((ports) => hostPort("127.0.0.1", ports.http));
const globalRegistrator = new Registrator(
  "registrator-global",
  {
    consulAddress: loopbackHttp(global),
    containerName: `registrator-${settings.globalDatacenter}`,
    image: registratorImage,
    options: { ...registratorOptions, hostIp: settings.nodeIp },
    aclToken: tokens?.registrator(settings.globalDatacenter),
  },
  { providers: [dockerProvider], dependsOn: [global] },
);
const internalRegistrator = registerInternal
  ? new Registrator(
      "registrator-internal",
      {
        consulAddress: loopbackHttp(internal),
        containerName: `registrator-${settings.internalDatacenter}`,
        image: registratorImage,
        options: { ...registratorOptions, internal: true },
        aclToken: tokens?.registrator(settings.internalDatacenter),
      },
      { providers: [dockerProvider], dependsOn: [internal] },
    )
  : undefined;

// The service every host runs (the original's Elasticsearch): published on this host's address,
// registered by both registrators, resolving through the internal datacenter's DNS, and found
// across datacenters through a prepared query defined in this host's own datacenter.
const consulService = service.enabled
  ? new ConsulService(
      serviceName,
      {
        image: service.image,
        containerName: serviceName,
        ports: [...service.ports],
        hostAddress: settings.nodeIp,
        dnsServer: internal.dnsServer,
        envs: [...service.envs],
        command: service.command ? [...service.command] : undefined,
        memoryMb: service.memoryMb,
        preparedQuery: service.preparedQuery
          ? {
              name: serviceName,
              consulAddress: internal.apiAddress,
              caCertificate: ca.certificatePem,
              datacenter: internal.datacenter,
              // Only the global datacenter: other hosts' internal datacenters hold container
              // addresses that are unreachable from this host.
              failover: { datacenters: [settings.globalDatacenter] },
              token: managementToken
                ? hostToken(
                    "query-token",
                    `prepared query ${serviceName} of ${settings.nodeName}`,
                    {
                      rules: preparedQueryRules(serviceName),
                      policyName: `query-${serviceName}-${settings.nodeName}`,
                    },
                  )
                : undefined,
            }
          : undefined,
      },
      // The container needs no agent (registrator lists running containers when it starts);
      // the query waits for the internal server through consulAddress. The query lives in the
      // internal server's state: no API call when both go.
      { providers: [dockerProvider], queryDeletedWith: internal },
    )
  : undefined;

// Stack outputs. Optional ones are left out rather than exported as undefined, which Pulumi
// warns about on every run ("Undefined value ... will not show as a stack output").
export = {
  /** The gossip key every agent shares (secret); joining stacks read it. */
  gossipKey,
  /** LAN join address of this host's global server (`host:serf_lan`). */
  globalJoinAddress: global.lanJoinAddress,
  /** WAN address of this host's global server (`host:serf_wan`). */
  globalWanAddress: global.wanAddress,
  /** API of this host's global server (HTTPS, verified with tlsCaCertificate). */
  globalApiAddress: global.apiAddress,
  /** The CA certificate every agent trusts (PEM; public). */
  tlsCaCertificate: ca.certificatePem,
  /** The CA's private key (secret); joining stacks sign their servers' certificates with it. */
  tlsCaKey: ca.privateKeyPem,
  /** DNS interface of this host's global server. */
  globalDnsAddress: global.dnsAddress,
  /** The LAN join addresses this host's global server was given. */
  globalRetryJoin: global.retryJoin,
  /** Global datacenter name. */
  globalDatacenter: global.datacenter,
  /** Node name of this host's global server. */
  globalNodeName: global.nodeName,
  /** Container id of this host's global server. */
  globalContainerId: global.containerId,
  /** This host's internal datacenter name. */
  internalDatacenter: internal.datacenter,
  /** WAN address of this host's internal datacenter server. */
  internalWanAddress: internal.wanAddress,
  /** API of this host's internal datacenter server (HTTPS). */
  internalApiAddress: internal.apiAddress,
  /** The WAN join addresses this host's internal server was given: every known global server. */
  internalRetryJoinWan: internal.retryJoinWan,
  /** Where this host's containers resolve Consul names (`bridge:53`). */
  containerDnsAddress: internal.dnsAddress,
  /** Container id of this host's internal datacenter server. */
  internalContainerId: internal.containerId,
  /** The global registrator's arguments (options first, registry URI last). */
  globalRegistratorCommand: globalRegistrator.command,
  /** The ACL management token (secret), when ACLs are on. */
  ...(managementToken ? { aclManagementToken: managementToken } : {}),
  /** The internal registrator's arguments, when internal registration is on. */
  ...(internalRegistrator ? { internalRegistratorCommand: internalRegistrator.command } : {}),
  ...(consulService
    ? {
        /** Consul DNS names of this host's service (`<svc>.service.consul`, `<query>.query.consul`). */
        serviceDnsNames: consulService.dnsNames,
        /** Container id of this host's service. */
        serviceContainerId: consulService.containerId,
      }
    : {}),
};
