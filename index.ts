// The program: this stack's config → one ConsulHost on this host's Docker engine → the outputs the
// other stacks and the operator read. What a host is made of lives in components/consul-host.ts;
// where each value comes from (config, the bootstrap stack) in program/host-config.ts.
import * as docker from "@pulumi/docker";
import { ConsulHost } from "./components/consul-host";
import { readHostConfig } from "./program/host-config";

const { settings, args } = readHostConfig();

// Built from the project's own config keys: an explicit provider does not read `docker:host`.
const dockerProvider = new docker.Provider(`docker-${settings.nodeName}`, {
  host: settings.dockerHost,
  sshOpts: [...settings.dockerSshOpts],
});

const host = new ConsulHost("host", args, { providers: [dockerProvider] });

// Stack outputs. Optional ones are left out rather than exported as undefined, which Pulumi
// warns about on every run ("Undefined value ... will not show as a stack output").
export = {
  /** The gossip key every agent shares (secret); joining stacks read it. */
  gossipKey: host.gossipKey,
  /** LAN join address of this host's global server (`host:serf_lan`). */
  globalJoinAddress: host.globalJoinAddress,
  /** WAN address of this host's global server (`host:serf_wan`). */
  globalWanAddress: host.globalWanAddress,
  /** API of this host's global server (HTTPS, verified with tlsCaCertificate). */
  globalApiAddress: host.globalApiAddress,
  /** The CA certificate every agent trusts (PEM; public). */
  tlsCaCertificate: host.tlsCaCertificate,
  /** The CA's private key (secret); joining stacks sign their servers' certificates with it. */
  tlsCaKey: host.tlsCaKey,
  /** DNS interface of this host's global server. */
  globalDnsAddress: host.globalDnsAddress,
  /** The LAN join addresses this host's global server was given. */
  globalRetryJoin: host.globalRetryJoin,
  /** Global datacenter name. */
  globalDatacenter: host.globalDatacenter,
  /** Node name of this host's global server. */
  globalNodeName: host.globalNodeName,
  /** Container id of this host's global server. */
  globalContainerId: host.globalContainerId,
  /** This host's internal datacenter name. */
  internalDatacenter: host.internalDatacenter,
  /** WAN address of this host's internal datacenter server. */
  internalWanAddress: host.internalWanAddress,
  /** API of this host's internal datacenter server (HTTPS). */
  internalApiAddress: host.internalApiAddress,
  /** The WAN join addresses this host's internal server was given: every known global server. */
  internalRetryJoinWan: host.internalRetryJoinWan,
  /** Where this host's containers resolve Consul names (`bridge:53`). */
  containerDnsAddress: host.containerDnsAddress,
  /** Container id of this host's internal datacenter server. */
  internalContainerId: host.internalContainerId,
  /** The global registrator's arguments (options first, registry URI last). */
  globalRegistratorCommand: host.globalRegistratorCommand,
  /** The ACL management token (secret), when ACLs are on. */
  ...(settings.aclEnabled ? { aclManagementToken: host.aclManagementToken } : {}),
  /** The internal registrator's arguments, when internal registration is on. */
  ...(settings.registrator.registerInternal
    ? { internalRegistratorCommand: host.internalRegistratorCommand }
    : {}),
  ...(settings.service.enabled
    ? {
        /** Consul DNS names of this host's service (`<svc>.service.consul`, `<query>.query.consul`). */
        serviceDnsNames: host.serviceDnsNames,
        /** Container id of this host's service. */
        serviceContainerId: host.serviceContainerId,
      }
    : {}),
};
