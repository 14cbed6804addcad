// N hosts in one program: one ConsulHost per host, each on its own docker provider. Every global
// server starts with bootstrapExpect N and joins the others; the shared secrets are made once.
// Each `hosts` entry uses ConsulHost's own argument names, so one shape is checked and deployed.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  ConsulHost,
  DEFAULT_GLOBAL_PORTS,
  checkTopology,
  failOnProblems,
  generatedClusterSecrets,
  hostTopologyOf,
} from "distributed-consul";

/** One entry of the `hosts` config list: ConsulHost's nodeName, hostAddress and dockerHost. */
type Host = {
  readonly nodeName: string;
  readonly hostAddress: string;
  readonly dockerHost: string;
};

// The project name, spelled out: the config namespace does not depend on where it runs.
const config = new pulumi.Config("consul-n-hosts");
const hosts = config.requireObject<Host[]>("hosts");
const N = hosts.length;
/** The other hosts' addresses on a port: their servers' LAN or WAN gossip. */
const others = (h: Host, port: number): string[] =>
  hosts.filter((o) => o !== h).map((o) => `${o.hostAddress}:${port}`);
/** Each host's arguments: its entry, its datacenter, and the others to join. */
const argsOf = (h: Host, i: number) => ({
  ...h,
  internalDatacenter: `vm${i + 1}`,
  bootstrapExpect: N,
  joinAddresses: others(h, DEFAULT_GLOBAL_PORTS.serfLan),
  wanJoinAddresses: others(h, DEFAULT_GLOBAL_PORTS.serfWan),
});

// The whole cluster at once (duplicate names or addresses, malformed values, server count), each
// problem named by its config entry: `consul-n-hosts:hosts[1].hostAddress`.
failOnProblems(
  checkTopology({
    complete: true,
    hosts: hosts.map((h, i) =>
      hostTopologyOf(
        (setting) => `${config.name}:hosts${setting === "hosts" ? "" : `[${i}].${setting}`}`,
        argsOf(h, i),
      ),
    ),
  }),
);

const secrets = generatedClusterSecrets("cluster");
const nodes = hosts.map(
  (h, i) =>
    new ConsulHost(
      h.nodeName,
      { ...argsOf(h, i), ...secrets },
      { providers: [new docker.Provider(`docker-${h.nodeName}`, { host: h.dockerHost })] },
    ),
);

/** Each host's global server: LAN join and API (HTTPS) addresses. */
export const globalServers = nodes.map((n) => ({
  join: n.globalJoinAddress,
  api: n.globalApiAddress,
}));
/** Each host's internal datacenter's API (HTTPS) address. */
export const internalApis = nodes.map((n) => n.internalApiAddress);
/** The CA certificate that verifies every API address. */
export const caCertificate = secrets.tlsCaCertificate;
/** The ACL management token (secret). */
export const aclManagementToken = secrets.aclManagementToken;
