// N hosts in one program: one ConsulHost per host, each on its own docker provider. Every global
// server starts with bootstrapExpect N and joins the others; the shared secrets are made once.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  ConsulHost,
  checkTopology,
  failOnProblems,
  generatedClusterSecrets,
} from "../../components";

/** One host of the `hosts` config list: node name, IPv4 address, Docker engine URI. */
type Host = { readonly name: string; readonly address: string; readonly dockerHost: string };

// The project name, spelled out: the config namespace does not depend on where it runs.
const config = new pulumi.Config("consul-n-hosts");
const hosts = config.requireObject<Host[]>("hosts");
const N = hosts.length;
/** The other hosts' addresses on a port: their servers' LAN (8301) or WAN (8302) gossip. */
const others = (h: Host, port: number): string[] =>
  hosts.filter((o) => o !== h).map((o) => `${o.address}:${port}`);
const [lan, wan] = [(h: Host) => others(h, 8301), (h: Host) => others(h, 8302)];

// The whole cluster at once (duplicate names or addresses, malformed values, server count).
failOnProblems(
  checkTopology({
    complete: true,
    hosts: hosts.map((h, i) => ({
      keyOf: (setting: string) =>
        `${config.name}:hosts${setting === "hosts" ? "" : `[${i}].${{ nodeName: "name", nodeIp: "address" }[setting] ?? setting}`}`,
      nodeName: h.name,
      nodeIp: h.address,
      dockerHost: h.dockerHost,
      global: { datacenter: "dc1", bootstrap: false, bootstrapExpect: N, joinAddresses: lan(h) },
      internal: { datacenter: `vm${i + 1}`, wanJoinAddresses: wan(h) },
    })),
  }),
);

const secrets = generatedClusterSecrets("cluster");
const nodes = hosts.map(
  (h, i) =>
    new ConsulHost(
      h.name,
      {
        nodeName: h.name,
        hostAddress: h.address,
        internalDatacenter: `vm${i + 1}`,
        bootstrapExpect: N,
        joinAddresses: lan(h),
        wanJoinAddresses: wan(h),
        secrets,
      },
      { providers: [new docker.Provider(`docker-${h.name}`, { host: h.dockerHost })] },
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
