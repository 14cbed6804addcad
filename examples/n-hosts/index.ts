// N hosts in one program: one ConsulHost per host, each on its own docker provider. The first
// `servers` hosts run dc1's servers, each started with bootstrapExpect = servers and joining the
// other servers; every other host is a client agent (role: client) that joins them through the
// first server's cluster output. The shared secrets are made once. Each `hosts` entry uses
// ConsulHost's own argument names, so one shape is checked and deployed.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  ConsulHost,
  DEFAULT_GLOBAL_PORTS,
  HostRole,
  checkTopology,
  error,
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
/** How many of the hosts run a server (the first ones); 0 or unset: every host, at most five. */
const SERVERS = config.getNumber("servers") || Math.min(hosts.length, 5);
const isServer = (i: number): boolean => i < SERVERS;
/** The servers' addresses on a port (but `h`'s own): their LAN or WAN gossip. */
const servers = (h: Host, port: number): string[] =>
  hosts.filter((o, i) => isServer(i) && o !== h).map((o) => `${o.hostAddress}:${port}`);
/** Each host's arguments: its entry, its datacenter, its role, and the servers to join. */
const argsOf = (h: Host, i: number) => ({
  ...h,
  internalDatacenter: `vm${i + 1}`,
  role: isServer(i) ? HostRole.Server : HostRole.Client,
  bootstrapExpect: isServer(i) ? SERVERS : undefined,
  joinAddresses: servers(h, DEFAULT_GLOBAL_PORTS.serfLan),
  wanJoinAddresses: servers(h, DEFAULT_GLOBAL_PORTS.serfWan),
});

// The whole cluster at once (duplicate names or addresses, malformed values, server count), each
// problem named by its config entry: `consul-n-hosts:hosts[1].hostAddress`.
failOnProblems([
  ...(Number.isInteger(SERVERS) && SERVERS >= 1 && SERVERS <= hosts.length
    ? []
    : [
        error(
          `${config.name}:servers`,
          `is ${SERVERS}; give how many of the ${hosts.length} hosts run a server (the first ones), 3 or 5.`,
        ),
      ]),
  ...checkTopology({
    complete: true,
    hosts: hosts.map((h, i) =>
      hostTopologyOf(
        (setting) => `${config.name}:hosts${setting === "hosts" ? "" : `[${i}].${setting}`}`,
        argsOf(h, i),
      ),
    ),
  }),
]);

const secrets = generatedClusterSecrets("cluster");
const provider = (h: Host) => new docker.Provider(`docker-${h.nodeName}`, { host: h.dockerHost });
const serverNodes = hosts
  .filter((_, i) => isServer(i))
  .map(
    (h, i) =>
      new ConsulHost(h.nodeName, { ...argsOf(h, i), ...secrets }, { providers: [provider(h)] }),
  );
// A client's agent token is made through a server's API, so a client reads the first server's
// cluster output (its join lists, API and secrets), which is known once that server is healthy.
const clientNodes = hosts
  .map((h, i) => ({ h, i }))
  .filter(({ i }) => !isServer(i))
  .map(
    ({ h, i }) =>
      new ConsulHost(
        h.nodeName,
        {
          nodeName: h.nodeName,
          hostAddress: h.hostAddress,
          dockerHost: h.dockerHost,
          internalDatacenter: argsOf(h, i).internalDatacenter,
          role: HostRole.Client,
          joinAddresses: argsOf(h, i).joinAddresses,
          wanJoinAddresses: argsOf(h, i).wanJoinAddresses,
          cluster: serverNodes[0].cluster,
        },
        { providers: [provider(h)] },
      ),
  );
const nodes = [...serverNodes, ...clientNodes];

/** Each host's global agent (a server or a client): LAN join and API (HTTPS) addresses. */
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
