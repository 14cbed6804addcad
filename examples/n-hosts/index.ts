// N hosts in one program: each host gets its own docker provider, a global server (every one
// started with bootstrapExpect N, joining the others), an internal datacenter WAN-joined to every
// global server, and a registrator. The whole topology is checked before anything is declared.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  AnonymousDnsAccess,
  ConsulAclToken,
  ConsulAclTokenArgs,
  GlobalConsul,
  InternalDc,
  Registrator,
  checkTopology,
  failOnProblems,
  generatedAclToken,
  generatedCertificateAuthority,
  generatedGossipKey,
  registratorRules,
  replicationRules,
} from "../../components";

/** One host of the `hosts` config list. */
interface Host {
  /** Node name, unique across hosts. */
  readonly name: string;
  /** IPv4 address reachable from every other host. */
  readonly address: string;
  /** Its Docker engine: unix://, tcp:// or ssh:// URI. */
  readonly dockerHost: string;
}

// The project name, spelled out: the config namespace does not depend on where the program runs.
const config = new pulumi.Config("consul-n-hosts");
const hosts = config.requireObject<Host[]>("hosts");
const key = (i: number, field: string): string => `${config.name}:hosts[${i}].${field}`;
const lanJoin = (h: Host): string => `${h.address}:8301`;

// The whole cluster at once: duplicate names or addresses, malformed values, server count.
failOnProblems(
  checkTopology({
    complete: true,
    hosts: hosts.map((h, i) => ({
      keyOf: (setting: string) =>
        setting === "hosts"
          ? `${config.name}:hosts`
          : key(i, { nodeName: "name", nodeIp: "address" }[setting] ?? setting),
      nodeName: h.name,
      nodeIp: h.address,
      dockerHost: h.dockerHost,
      global: {
        datacenter: "dc1",
        bootstrap: false,
        bootstrapExpect: hosts.length,
        joinAddresses: hosts.filter((o) => o !== h).map(lanJoin),
      },
      internal: { datacenter: `vm${i + 1}`, wanJoinAddresses: "later" },
    })),
  }),
);

// One gossip key for every agent, kept secret (and never a resource ID in the state); one CA from
// which every server's TLS certificate is issued (RPC verified both ways, HTTPS on the host
// address, plain HTTP only on loopback and the Docker bridge); one ACL management token, which
// every global server holds (with bootstrapExpect any of them may bootstrap ACLs).
const gossipKey = generatedGossipKey("gossip-key-seed");
const ca = generatedCertificateAuthority("tls-ca-seed");
const tls = { caCertificate: ca.certificatePem, caPrivateKey: ca.privateKeyPem };
const managementToken = generatedAclToken("acl-management-token-seed");

const providers = hosts.map((h) => new docker.Provider(`docker-${h.name}`, { host: h.dockerHost }));
const globals = hosts.map(
  (h, i) =>
    new GlobalConsul(
      `global-${h.name}`,
      {
        nodeName: h.name,
        hostAddress: h.address,
        bootstrapExpect: hosts.length,
        retryJoin: hosts.filter((o) => o !== h).map(lanJoin),
        gossipKey,
        tls,
        // Each server registers its own node-identity token with the management token at start.
        acl: { managementToken, agentToken: generatedAclToken(`agent-token-seed-${h.name}`) },
      },
      { providers: [providers[i]] },
    ),
);

/** The API of host i's global server, for the ACL objects made through it. */
const api = (i: number) => ({
  address: globals[i].apiAddress,
  datacenter: "dc1",
  token: managementToken,
  caCertificate: ca.certificatePem,
});
/** A least-privilege token made through host i's global server. */
const token = (i: number, name: string, args: Omit<ConsulAclTokenArgs, "api">) =>
  new ConsulAclToken(`${name}-${hosts[i].name}`, { api: api(i), ...args }).secretId;

// Anonymous DNS read on every host (policies add up), so containers resolve names.
hosts.forEach(
  (h, i) =>
    new AnonymousDnsAccess(`anonymous-dns-${h.name}`, {
      api: api(i),
      policyName: `dns-read-${h.name}`,
    }),
);
const internals = hosts.map(
  (h, i) =>
    new InternalDc(
      `internal-${h.name}`,
      {
        nodeName: h.name,
        hostAddress: h.address,
        datacenter: `vm${i + 1}`,
        // Outputs of other components: every global server's WAN address and the datacenter name.
        retryJoinWan: globals.map((g) => g.wanAddress),
        primaryDatacenter: globals[0].datacenter,
        gossipKey,
        tls,
        acl: {
          agentToken: token(i, "internal-agent-token", {
            description: `agent token of ${h.name}-vm${i + 1}`,
            nodeIdentity: { nodeName: `${h.name}-vm${i + 1}`, datacenter: `vm${i + 1}` },
          }),
          replicationToken: token(i, "replication-token", {
            description: `ACL replication of vm${i + 1}`,
            rules: replicationRules(),
            policyName: `replication-${h.name}`,
          }),
        },
      },
      { providers: [providers[i]] },
    ),
);
hosts.forEach(
  (h, i) =>
    new Registrator(
      `registrator-${h.name}`,
      {
        // registrator runs on the host's network: plain HTTP on loopback.
        consulAddress: globals[i].localHttpAddress,
        containerName: "registrator-dc1",
        options: { hostIp: h.address },
        aclToken: token(i, "registrator-token", {
          description: `registrator of ${h.name}`,
          rules: registratorRules(),
          policyName: `registrator-${h.name}`,
        }),
      },
      { providers: [providers[i]], dependsOn: [globals[i]] },
    ),
);

/** Each host's global server: LAN join and API (HTTPS) addresses. */
export const globalServers = globals.map((g) => ({ join: g.lanJoinAddress, api: g.apiAddress }));
/** Each host's internal datacenter and its API (HTTPS) address. */
export const internalDatacenters = internals.map((d) => ({
  name: d.datacenter,
  api: d.apiAddress,
}));
/** The CA certificate that verifies every API address. */
export const caCertificate = ca.certificatePem;
/** The gossip key (secret). */
export const sharedGossipKey = gossipKey;
/** The ACL management token (secret). */
export const aclManagementToken = managementToken;
