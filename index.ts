// The program: read this stack's config, build this host's docker provider and components,
// export what the other stacks need. All decisions live in components/.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GlobalConsul } from "./components/global-consul";
import { InternalDc } from "./components/internal-dc";
import { Registrator } from "./components/registrator";
import { ConsulService } from "./components/consul-service";
import { externalPort, protocolOf } from "./components/core/service-registration";
import { DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "./components/core/agent-ports";
import { planHostPorts } from "./components/core/port-plan";
import { checkRegistratorFlags } from "./components/core/registrator-args";
import { failOnProblems } from "./components/problems-error";
import { checkDockerContextEnv, checkDockerHost } from "./components/core/docker-host";
import { configKey, readStackSettings, CONFIG_NAMESPACE } from "./components/core/stack-settings";
import { checkGossipKey } from "./components/core/validators";

const config = new pulumi.Config(CONFIG_NAMESPACE);
// Raw values for checking only; secrets are read through getSecret below and never logged.
const raw = (name: string): string | undefined => pulumi.runtime.getConfig(configKey(name));

const { settings, problems } = readStackSettings(raw);
const rawGossipKey = raw("gossipKey");
const service = settings.service;
const serviceName = service.ports[0]?.name ?? "service";
const portPlan = planHostPorts(
  [
    {
      owner: `global server (${settings.globalDatacenter})`,
      key: configKey("globalPorts"),
      defaults: DEFAULT_GLOBAL_PORTS,
      overrides: settings.globalPorts,
    },
    {
      owner: `internal server (${settings.internalDatacenter})`,
      key: configKey("internalPorts"),
      defaults: DEFAULT_INTERNAL_PORTS,
      overrides: settings.internalPorts,
    },
  ],
  service.enabled
    ? service.ports.map((port, i) => ({
        owner: `service ${port.name}`,
        key: `${configKey("service")}.ports[${i}]`,
        port: externalPort(port),
        protocol: protocolOf(port),
      }))
    : [],
);
const { image: registratorImage, registerInternal, ...registratorOptions } = settings.registrator;
const registratorKey = (field: string): string =>
  field === "hostIp" ? configKey("nodeIp") : `${configKey("registrator")}.${field}`;
failOnProblems([
  ...problems,
  ...checkRegistratorFlags(
    { ...registratorOptions, hostIp: settings.nodeIp },
    registratorKey,
    registratorImage,
  ),
  ...portPlan.problems,
  ...checkDockerHost(configKey("dockerHost"), settings.dockerHost),
  ...checkDockerContextEnv(process.env.DOCKER_CONTEXT),
  ...(rawGossipKey === undefined ? [] : checkGossipKey(configKey("gossipKey"), rawGossipKey)),
]);

const dockerProvider = new docker.Provider(`docker-${settings.nodeName}`, {
  host: settings.dockerHost,
  sshOpts: [...settings.dockerSshOpts],
});

// Outputs of the bootstrap stack, read only by joining stacks and only for what config lacks.
const bootstrapStack = settings.bootstrap
  ? undefined
  : new pulumi.StackReference(settings.bootstrapStack);
function fromBootstrap(output: string, fix: string): pulumi.Output<string> {
  if (!bootstrapStack) throw new Error("only a joining stack reads the bootstrap stack");
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

/** The gossip key every agent shares (secret); joining stacks read it. */
export const gossipKey: pulumi.Output<string> = pulumi.secret(
  config.getSecret("gossipKey") ??
    (settings.bootstrap
      ? new random.RandomBytes("gossip-key", { length: 32 }).base64
      : fromBootstrap(
          "gossipKey",
          `set ${configKey("gossipKey")} (--secret) to the bootstrap stack's key`,
        )),
);

const managementToken: pulumi.Output<string> | undefined = settings.aclEnabled
  ? pulumi.secret(
      config.getSecret("aclManagementToken") ??
        (settings.bootstrap
          ? new random.RandomUuid("acl-management-token").result
          : fromBootstrap(
              "aclManagementToken",
              `set ${configKey("aclManagementToken")} (--secret) to the bootstrap stack's token`,
            )),
    )
  : undefined;

const joinAddresses: pulumi.Input<pulumi.Input<string>[]> = settings.bootstrap
  ? []
  : settings.joinAddresses
    ? [...settings.joinAddresses]
    : [
        fromBootstrap(
          "globalJoinAddress",
          `set ${configKey("joinAddresses")} to the LAN address of a global server`,
        ),
      ];

const global = new GlobalConsul(
  "global",
  {
    nodeName: settings.nodeName,
    hostAddress: settings.nodeIp,
    bootstrap: settings.bootstrap,
    retryJoin: joinAddresses,
    datacenter: settings.globalDatacenter,
    image: settings.consulImage,
    ports: settings.globalPorts,
    dockerBridgeAddress: settings.dockerBridgeAddress,
    gossipKey,
    recursors: settings.recursors,
    ui: settings.ui,
    logLevel: settings.logLevel,
    acl: managementToken ? { managementToken } : undefined,
  },
  { providers: [dockerProvider] },
);

// The internal datacenter WAN-joins every known global server: this host's own, and the others'
// from config or the bootstrap stack.
const otherGlobalWan: pulumi.Input<string>[] = settings.wanJoinAddresses
  ? [...settings.wanJoinAddresses]
  : settings.bootstrap
    ? []
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
    recursors: settings.recursors,
    ui: settings.ui,
    logLevel: settings.logLevel,
    acl: managementToken ? { managementToken } : undefined,
  },
  { providers: [dockerProvider] },
);

// registrator, twice: host address and published ports into dc1 (so <svc>.service.dc1.consul
// answers every host), and container addresses into this host's own datacenter.
const globalRegistrator = new Registrator(
  "registrator-global",
  {
    consulAddress: global.httpAddress,
    containerName: `registrator-${settings.globalDatacenter}`,
    image: registratorImage,
    options: { ...registratorOptions, hostIp: settings.nodeIp },
    aclToken: managementToken,
  },
  { providers: [dockerProvider], dependsOn: [global] },
);
const internalRegistrator = registerInternal
  ? new Registrator(
      "registrator-internal",
      {
        consulAddress: internal.httpAddress,
        containerName: `registrator-${settings.internalDatacenter}`,
        image: registratorImage,
        options: { ...registratorOptions, internal: true },
        aclToken: managementToken,
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
        ports: service.ports,
        hostAddress: settings.nodeIp,
        dnsServer: internal.dnsServer,
        envs: [...service.envs],
        command: service.command,
        memoryMb: service.memoryMb,
        preparedQuery: service.preparedQuery
          ? {
              name: serviceName,
              consulAddress: internal.httpAddress,
              datacenter: internal.datacenter,
              // Only the global datacenter: other hosts' internal datacenters hold container
              // addresses that are unreachable from this host.
              failover: { datacenters: [settings.globalDatacenter] },
              token: managementToken,
              agent: internal,
            }
          : undefined,
      },
      { providers: [dockerProvider], dependsOn: [globalRegistrator] },
    )
  : undefined;

/** LAN join address of this host's global server (`host:serf_lan`). */
export const globalJoinAddress = global.lanJoinAddress;
/** WAN address of this host's global server (`host:serf_wan`). */
export const globalWanAddress = global.wanAddress;
/** HTTP API of this host's global server. */
export const globalHttpAddress = global.httpAddress;
/** DNS interface of this host's global server. */
export const globalDnsAddress = global.dnsAddress;
/** Global datacenter name. */
export const globalDatacenter = global.datacenter;
/** Node name of this host's global server. */
export const globalNodeName = global.nodeName;
/** Container id of this host's global server. */
export const globalContainerId = global.containerId;
/** The ACL management token (secret), when ACLs are on. */
export const aclManagementToken = managementToken;
/** This host's internal datacenter name. */
export const internalDatacenter = internal.datacenter;
/** WAN address of this host's internal datacenter server. */
export const internalWanAddress = internal.wanAddress;
/** HTTP API of this host's internal datacenter server. */
export const internalHttpAddress = internal.httpAddress;
/** Where this host's containers resolve Consul names (`bridge:53`). */
export const containerDnsAddress = internal.dnsAddress;
/** Container id of this host's internal datacenter server. */
export const internalContainerId = internal.containerId;
/** The global registrator's arguments (options first, registry URI last). */
export const globalRegistratorCommand = globalRegistrator.command;
/** The internal registrator's arguments, when internal registration is on. */
export const internalRegistratorCommand = internalRegistrator?.command;
/** Consul DNS names of this host's service (`<svc>.service.consul`, `<query>.query.consul`). */
export const serviceDnsNames = consulService?.dnsNames;
/** Container id of this host's service. */
export const serviceContainerId = consulService?.containerId;
