// The catalogue of bad input: each case is one mistake an operator can make in a stack's config,
// and the exact message that must name the key and the fix.
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import { certificateAuthority, keySeed, serverCertificate } from "../core/certificates";
import * as pulumi from "@pulumi/pulumi";
import { readStack } from "../program/stack-settings";
import { checkStack, stackTopology } from "../program/stack-topology";
import { HostTopology, checkServerCount, checkTopology } from "../core/topology";
import { Problem, describeProblem } from "../core/problems";
import { NODE1_INTERFACES, Registration, readStackConfig, runProgram } from "./harness";

const NS = "distributed-consul:";
const GOOD_KEY = Buffer.alloc(32, 9).toString("base64");
/** A CA as the bootstrap stack makes one, and another. */
const caMadeFrom = (seed: string) =>
  certificateAuthority({
    keySeed: keySeed(seed.repeat(64), "ca"),
    commonName: "configured CA",
    notBefore: new Date("2026-01-01T00:00:00Z"),
    notAfter: new Date("2036-01-01T00:00:00Z"),
  });
const CA = caMadeFrom("c");
const OTHER_CA = caMadeFrom("d");
/** The token and CA a stack with no bootstrap stack to read them from must configure. */
const ACL_AND_CA = {
  aclManagementToken: "44444444-4444-4444-8444-444444444444",
  tlsCaKey: CA.privateKeyPem,
  tlsCaCertificate: CA.certificatePem,
};

/** A shipped stack's config with `overrides` (keys without namespace), as raw config text. */
function rawConfig(stack: string, overrides: Record<string, unknown>): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(readStackConfig(stack))) {
    raw[key.slice(NS.length)] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    raw[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return raw;
}

/** Runs the stack check on a shipped stack's config (node2's by default) with `overrides`. */
function problemsOf(overrides: Record<string, unknown>, stack = "node2"): Problem[] {
  const raw = rawConfig(stack, overrides);
  // As the program reads it, on the simulated machine (the original node1).
  const { settings, problems } = readStack((name) => raw[name], NODE1_INTERFACES);
  return checkStack(settings, problems, { plainText: [] });
}

function errorsOf(overrides: Record<string, unknown>, stack?: string): string[] {
  return problemsOf(overrides, stack)
    .filter((p) => p.severity === "error")
    .map(describeProblem);
}

const FIX_HOST = "give the host's own address on the network the other hosts share";
const FIX_JOIN = "give the host address of a server on another host";

/** [what is wrong, config overrides, the exact errors]. */
const CATALOGUE: [string, Record<string, unknown>, string[]][] = [
  [
    "a truncated node address",
    { hostAddress: "192.168.99" },
    [
      `${NS}hostAddress: "192.168.99" is not an IPv4 address; give a dotted quad such as 192.168.99.100.`,
    ],
  ],
  [
    "an octet out of range",
    { hostAddress: "192.168.99.256" },
    [
      `${NS}hostAddress: "192.168.99.256" is not an IPv4 address; give a dotted quad such as 192.168.99.100.`,
    ],
  ],
  [
    "a loopback node address",
    { hostAddress: "127.0.0.1" },
    [
      `${NS}hostAddress: "127.0.0.1" is a loopback address, unreachable from other hosts; ${FIX_HOST}.`,
    ],
  ],
  [
    "a container address as node address (the original flapping)",
    { hostAddress: "172.17.0.5" },
    [
      `${NS}hostAddress: "172.17.0.5" is inside the Docker bridge subnet 172.17.0.0/16: every host has that range and cannot reach another host's copy (the original WAN flapping); ${FIX_HOST}.`,
    ],
  ],
  [
    "the unspecified address",
    { hostAddress: "0.0.0.0" },
    [`${NS}hostAddress: "0.0.0.0" cannot be advertised or joined; ${FIX_HOST}.`],
  ],
  [
    "a link-local address",
    { hostAddress: "169.254.10.1" },
    [`${NS}hostAddress: "169.254.10.1" is link-local, unreachable from other hosts; ${FIX_HOST}.`],
  ],
  [
    "a node name with an underscore",
    { nodeName: "node_2" },
    [
      `${NS}nodeName: "node_2" is not a valid node name; use letters, digits and inner "-" only, at most 63 characters (e.g. node1).`,
    ],
  ],
  [
    "a global datacenter in capitals",
    { globalDatacenter: "DC1" },
    [
      `${NS}globalDatacenter: "DC1" is not a valid datacenter name; use lowercase letters, digits, "-" and "_" only (e.g. dc1, vm1).`,
    ],
  ],
  [
    "an internal datacenter with a dot",
    { internalDatacenter: "vm.2" },
    [
      `${NS}internalDatacenter: "vm.2" is not a valid datacenter name; use lowercase letters, digits, "-" and "_" only (e.g. dc1, vm1).`,
    ],
  ],
  [
    "the internal datacenter named like the global one",
    { internalDatacenter: "dc1" },
    [
      `${NS}internalDatacenter: is "dc1", the global datacenter's name; give this host's own datacenter a name of its own (e.g. vm1).`,
    ],
  ],
  [
    "a port out of range",
    { globalPorts: { http: 70000 } },
    [`${NS}globalPorts.http: 70000 is not a port; give a whole number from 1 to 65535.`],
  ],
  [
    "port 0",
    { internalPorts: { serfWan: 0 } },
    [`${NS}internalPorts.serfWan: 0 is not a port; give a whole number from 1 to 65535.`],
  ],
  [
    "the internal server on the global server's RPC port",
    { internalPorts: { server: 8300 } },
    [
      `${NS}internalPorts.server: port 8300 (tcp) of internal server (vm2) clashes with global server (dc1) (${NS}globalPorts.server); give ${NS}internalPorts.server a free port.`,
    ],
  ],
  [
    "the global gRPC-TLS port moved onto the internal one",
    { globalPorts: { grpcTls: 18503 } },
    [
      `${NS}internalPorts.grpcTls: port 18503 (tcp) of internal server (vm2) clashes with global server (dc1) (${NS}globalPorts.grpcTls); give ${NS}internalPorts.grpcTls a free port.`,
    ],
  ],
  [
    "the containers' DNS moved off port 53",
    { internalPorts: { dns: 5353 } },
    [
      `${NS}internalPorts.dns: is 5353, but containers can only use a resolver on port 53 (resolv.conf has no port); leave the internal server's DNS port at 53.`,
    ],
  ],
  [
    "a service published on a Consul port",
    { service: { ports: [{ internal: 80, external: 8301, name: "web" }] } },
    [
      `${NS}service.ports[0]: port 8301 (tcp) of service web clashes with global server (dc1) (${NS}globalPorts.serfLan); give ${NS}service.ports[0] a free port.`,
    ],
  ],
  [
    "a service name Consul DNS cannot carry",
    { service: { ports: [{ internal: 80, name: "Web_Server" }] } },
    [
      `${NS}service.ports[0].name: "Web_Server" is not a valid service name; use lowercase letters, digits and inner "-" only, at most 63 characters (it is the DNS label in <name>.service.consul).`,
    ],
  ],
  [
    "a service port given as a string",
    { service: { ports: [{ internal: "80", name: "web" }] } },
    [`${NS}service.ports[0].internal: must be a port number, not "80".`],
  ],
  [
    "a service port without a name",
    { service: { ports: [{ internal: 80 }] } },
    [`${NS}service.ports[0].name: must be a service name (a string), not undefined.`],
  ],
  [
    "an HTTP check without a path",
    { service: { ports: [{ internal: 80, name: "web", check: { kind: "http" } }] } },
    [`${NS}service.ports[0].check.path: is required for an HTTP check, e.g. "/health".`],
  ],
  [
    "a check kind registrator does not know",
    { service: { ports: [{ internal: 80, name: "web", check: { kind: "grpc" } }] } },
    [
      `${NS}service.ports[0].check: must be { kind: "http", path: "/…" } or { kind: "tcp" }, not {"kind":"grpc"}.`,
    ],
  ],
  [
    "a service memory limit below Docker's minimum",
    { service: { memoryMb: 4 } },
    [
      `${NS}service.memoryMb: 4 is not a memory limit; give whole megabytes, at least 6 (Docker's minimum).`,
    ],
  ],
  [
    "service ports that are not a list",
    { service: { ports: "9200" } },
    [`${NS}service.ports: must be a list of objects, not "9200".`],
  ],
  [
    "bootstrap combined with bootstrapExpect",
    { bootstrap: true, bootstrapExpect: 3, joinAddresses: ["192.168.99.100:8301"] },
    [
      `${NS}bootstrapExpect: cannot be combined with bootstrap: true (a bootstrapping server elects itself alone); set only one of them.`,
    ],
  ],
  [
    "a negative bootstrapExpect",
    {
      bootstrapExpect: -1,
      joinAddresses: ["192.168.99.100:8301"],
      gossipKey: GOOD_KEY,
      ...ACL_AND_CA,
    },
    [`${NS}bootstrapExpect: -1 is not a server count; give a whole number, 3 or 5.`],
  ],
  [
    "a serverCount that is no count of servers",
    { serverCount: -3 },
    [`${NS}serverCount: -3 is not a server count; give a whole number, 3 or 5.`],
  ],
  [
    "a wait for the servers too short to start one",
    { waitTimeoutSeconds: 3 },
    [`${NS}waitTimeoutSeconds: 3 is too short a wait; give whole seconds, at least 10.`],
  ],
  [
    "bootstrapExpect that is not a number",
    { bootstrapExpect: "three" },
    [`${NS}bootstrapExpect: "three" is not a whole number.`],
  ],
  [
    "bootstrapExpect without the other servers",
    { bootstrapExpect: 3, gossipKey: GOOD_KEY, ...ACL_AND_CA },
    [
      `${NS}joinAddresses: with bootstrapExpect every server lists the others; set joinAddresses to their LAN addresses (host:8301).`,
    ],
  ],
  [
    "bootstrapExpect without a shared gossip key",
    {
      bootstrapExpect: 3,
      joinAddresses: ["192.168.99.100:8301", "192.168.99.102:8301"],
      ...ACL_AND_CA,
    },
    [
      `${NS}gossipKey: is not set and with bootstrapExpect no stack generates it; set the same key on every stack: pulumi config set --secret ${NS}gossipKey "$(openssl rand -base64 32)".`,
    ],
  ],
  [
    "a joining stack with no join address (no bootstrap stack, no config)",
    { bootstrapStack: "", gossipKey: GOOD_KEY, ...ACL_AND_CA },
    [
      `${NS}joinAddresses: this server neither bootstraps nor has a server to join; give the LAN address of an existing global server (or a bootstrap stack to read it from), or bootstrap: true on the first host.`,
    ],
  ],
  [
    "a joining stack with no gossip key source",
    { bootstrapStack: "", joinAddresses: ["192.168.99.100:8301"], ...ACL_AND_CA },
    [
      `${NS}gossipKey: is not set and bootstrapStack is empty; set the same key on every stack: pulumi config set --secret ${NS}gossipKey "$(openssl rand -base64 32)".`,
    ],
  ],
  [
    "ACLs on with no token source",
    {
      aclEnabled: true,
      bootstrapStack: "",
      joinAddresses: ["192.168.99.100:8301"],
      gossipKey: GOOD_KEY,
      tlsCaKey: ACL_AND_CA.tlsCaKey,
      tlsCaCertificate: ACL_AND_CA.tlsCaCertificate,
    },
    [
      `${NS}aclManagementToken: is not set and bootstrapStack is empty; set the same token on every stack: pulumi config set --secret ${NS}aclManagementToken "$(uuidgen)".`,
    ],
  ],
  [
    "a joining stack with no CA source",
    {
      bootstrapStack: "",
      joinAddresses: ["192.168.99.100:8301"],
      gossipKey: GOOD_KEY,
      aclManagementToken: ACL_AND_CA.aclManagementToken,
    },
    [
      `${NS}tlsCaKey: is not set and bootstrapStack is empty; make one CA (e.g. with the bootstrap stack, then copy its tlsCaKey and tlsCaCertificate outputs) and set the same on every stack: pulumi config set --secret ${NS}tlsCaKey < ca-key.pem.`,
    ],
  ],
  [
    "a CA certificate that is not PEM",
    { tlsCaCertificate: "MIIB…", tlsCaKey: CA.privateKeyPem },
    [
      `${NS}tlsCaCertificate: is not a PEM certificate; give the CA's certificate (-----BEGIN CERTIFICATE-----…), e.g. the bootstrap stack's tlsCaCertificate output.`,
    ],
  ],
  [
    "a CA key of another CA",
    { tlsCaCertificate: CA.certificatePem, tlsCaKey: OTHER_CA.privateKeyPem },
    [
      `${NS}tlsCaKey: does not belong to the certificate in ${NS}tlsCaCertificate; give the key and the certificate of the same CA.`,
    ],
  ],
  [
    "a CA key that is not Ed25519",
    {
      tlsCaCertificate: CA.certificatePem,
      tlsCaKey: generateKeyPairSync("ec", { namedCurve: "P-256" })
        .privateKey.export({ format: "pem", type: "pkcs8" })
        .toString(),
    },
    [
      `${NS}tlsCaKey: is not an Ed25519 private key (PEM, PKCS#8) as the bootstrap stack makes; give the CA's key, e.g. its tlsCaKey output.`,
    ],
  ],
  [
    "a server certificate given as the CA",
    {
      tlsCaCertificate: serverCertificate({
        ca: { keySeed: keySeed("c".repeat(64), "ca"), commonName: "configured CA" },
        keySeed: keySeed("e".repeat(64), "server"),
        commonName: "server.dc1.consul",
        dnsNames: ["server.dc1.consul"],
        ipAddresses: [],
        notBefore: new Date("2026-01-01T00:00:00Z"),
        notAfter: new Date("2027-01-01T00:00:00Z"),
      }).certificatePem,
      tlsCaKey: CA.privateKeyPem,
    },
    [
      `${NS}tlsCaCertificate: is not a CA certificate; give the certificate of the CA itself.`,
      `${NS}tlsCaKey: does not belong to the certificate in ${NS}tlsCaCertificate; give the key and the certificate of the same CA.`,
    ],
  ],
  [
    "a CA key without its certificate",
    { tlsCaKey: ACL_AND_CA.tlsCaKey },
    [
      `${NS}tlsCaCertificate: is not set but ${NS}tlsCaKey is; set both (the CA's certificate and its private key) or neither.`,
    ],
  ],
  [
    "joining loopback",
    { joinAddresses: ["127.0.0.1:8301"] },
    [
      `${NS}joinAddresses[0]: "127.0.0.1" is a loopback address, unreachable from other hosts; ${FIX_JOIN}.`,
    ],
  ],
  [
    "joining itself",
    { joinAddresses: ["192.168.99.101:8301"] },
    [
      `${NS}joinAddresses[0]: "192.168.99.101:8301" is this host itself; give another host's server to join.`,
    ],
  ],
  [
    "a join address with an impossible port",
    { joinAddresses: ["node1:99999"] },
    [
      `${NS}joinAddresses[0]: "node1:99999" is not a join address; give host or host:port, e.g. 192.168.99.100:8301.`,
    ],
  ],
  [
    "WAN-joining a container address",
    { wanJoinAddresses: ["172.17.0.2:8302"] },
    [
      `${NS}wanJoinAddresses[0]: "172.17.0.2" is inside the Docker bridge subnet 172.17.0.0/16: every host has that range and cannot reach another host's copy (the original WAN flapping); ${FIX_JOIN}.`,
    ],
  ],
  [
    "a registrator TTL without refresh",
    { registrator: { ttlSeconds: 30 } },
    [
      `${NS}registrator.ttlSeconds: ttlSeconds needs ttlRefreshSeconds (registrator refuses -ttl without -ttl-refresh); set ttlRefreshSeconds below ttlSeconds, or drop ttlSeconds.`,
    ],
  ],
  [
    "a registrator refresh without TTL",
    { registrator: { ttlRefreshSeconds: 10 } },
    [
      `${NS}registrator.ttlRefreshSeconds: ttlRefreshSeconds needs ttlSeconds (registrator refuses -ttl-refresh without -ttl); set ttlSeconds above ttlRefreshSeconds, or drop ttlRefreshSeconds.`,
    ],
  ],
  [
    "a registrator TTL equal to its refresh",
    { registrator: { ttlSeconds: 10, ttlRefreshSeconds: 10 } },
    [
      `${NS}registrator.ttlSeconds: ttlSeconds (10) must be greater than ttlRefreshSeconds (10), or services expire between refreshes; raise ttlSeconds or lower ttlRefreshSeconds.`,
    ],
  ],
  [
    "-explicit on the v7 image",
    { registrator: { explicit: true } },
    [
      `${NS}registrator.explicit: registrator v7 has no -explicit flag and would not start; set the image to one built from registrator master (e.g. gliderlabs/registrator:master, pinned by digest) instead of gliderlabs/registrator:v7, or drop explicit.`,
    ],
  ],
  [
    "an unknown deregister mode",
    { registrator: { deregister: "never" } },
    [
      `${NS}registrator.deregister: "never" is not a deregister mode; give "always" or "on-success".`,
    ],
  ],
  [
    "a gossip key that is not base64",
    { gossipKey: "not-a-key" },
    [
      `${NS}gossipKey: the gossip key must be 32 random bytes in base64 (44 characters ending in "="); make one with \`consul keygen\` or \`openssl rand -base64 32\`.`,
    ],
  ],
  [
    "a 16-byte gossip key (the old Consul size)",
    { gossipKey: Buffer.alloc(16, 1).toString("base64") },
    [
      `${NS}gossipKey: the gossip key must be 32 random bytes in base64 (44 characters ending in "="); make one with \`consul keygen\` or \`openssl rand -base64 32\`.`,
    ],
  ],
  [
    "a Docker host over plain HTTP",
    { dockerHost: "http://192.168.99.101:2375" },
    [
      `${NS}dockerHost: "http://192.168.99.101:2375" is not a Docker host the docker provider can use; give unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host.`,
    ],
  ],
  [
    "a tcp Docker host without a port",
    { dockerHost: "tcp://192.168.99.101" },
    [
      `${NS}dockerHost: "tcp://192.168.99.101" is not a Docker host the docker provider can use; give unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host.`,
    ],
  ],
  [
    "a bridge subnet that is not CIDR",
    { dockerBridgeSubnet: "172.17.0.0/33" },
    [
      `${NS}dockerBridgeSubnet: "172.17.0.0/33" is not a subnet; give CIDR notation, usually 172.17.0.0/16.`,
    ],
  ],
  [
    "a bridge address that is not an address",
    { dockerBridgeAddress: "docker0" },
    [
      `${NS}dockerBridgeAddress: "docker0" is not an IPv4 address; give the docker0 gateway, usually 172.17.0.1.`,
    ],
  ],
  [
    "a recursor given by name",
    { recursors: ["dns.google"] },
    [
      `${NS}recursors[0]: "dns.google" is not an IPv4 address; give a DNS server's address such as 1.1.1.1.`,
    ],
  ],
  [
    "a moving Consul image tag",
    { consulImage: "hashicorp/consul:latest" },
    [
      `${NS}consulImage: "hashicorp/consul:latest" does not name an exact image version; pin a tag other than latest (e.g. hashicorp/consul:1.22.7) or a digest (@sha256:…).`,
    ],
  ],
  [
    "a moving service image tag",
    { service: { image: "elasticsearch:latest" } },
    [
      `${NS}service.image: "elasticsearch:latest" does not name an exact image version; pin a tag other than latest (e.g. hashicorp/consul:1.22.7) or a digest (@sha256:…).`,
    ],
  ],
  [
    "an unknown log level",
    { logLevel: "verbose" },
    [`${NS}logLevel: "verbose" is not one of trace, debug, info, warn, error.`],
  ],
  [
    "bootstrap that is not a boolean",
    { bootstrap: "yes" },
    [`${NS}bootstrap: "yes" is not a boolean; use true or false.`],
  ],
];

describe("validation catalogue: every bad input fails at preview, naming its key and fix", () => {
  for (const [what, overrides, expected] of CATALOGUE) {
    it(what, () => {
      assert.deepStrictEqual(errorsOf(overrides), expected);
    });
  }

  it("reports every problem at once, not only the first", () => {
    const errors = errorsOf({
      hostAddress: "127.0.0.1",
      globalDatacenter: "DC1",
      registrator: { ttlSeconds: 5 },
    });
    // Each setting's own check runs as config is read, the checks across settings after it.
    assert.deepStrictEqual(errors.map((e) => e.split(":").slice(0, 2).join(":")).sort(), [
      `${NS}globalDatacenter`,
      `${NS}hostAddress`,
      `${NS}registrator.ttlSeconds`,
    ]);
  });
});

describe("the shipped stacks", () => {
  it("node1 and node2 have no error, and warn about their server counts", () => {
    assert.deepStrictEqual(problemsOf({}, "node1").map(describeProblem), [
      `${NS}joinAddresses: 1 global server tolerates no failure; run 3 or 5 servers (one per host) for a cluster that survives losing one.`,
    ]);
    assert.deepStrictEqual(problemsOf({}, "node2").map(describeProblem), [
      `${NS}joinAddresses: 2 global servers need a quorum of 2 and tolerate 0 failures, no more than 1 would; run an odd number, 3 or 5 recommended.`,
    ]);
  });

  it("a third host that joins both gives three servers and no warning", () => {
    const problems = problemsOf({
      nodeName: "node3",
      hostAddress: "192.168.99.102",
      internalDatacenter: "vm3",
      joinAddresses: ["192.168.99.100:8301", "192.168.99.101:8301"],
    });
    assert.deepStrictEqual(problems, []);
  });
});

describe("server count warnings", () => {
  it("give the fault tolerance of 1, 2 and 4 servers, the cost of more than five, and say nothing for 3 and 5", () => {
    const message = (n: number): string[] => checkServerCount("k", n).map((p) => p.message);
    assert.deepStrictEqual(message(1), [
      "1 global server tolerates no failure; run 3 or 5 servers (one per host) for a cluster that survives losing one.",
    ]);
    assert.deepStrictEqual(message(2), [
      "2 global servers need a quorum of 2 and tolerate 0 failures, no more than 1 would; run an odd number, 3 or 5 recommended.",
    ]);
    assert.deepStrictEqual(message(4), [
      "4 global servers need a quorum of 3 and tolerate 1 failure, no more than 3 would; run an odd number, 3 or 5 recommended.",
    ]);
    assert.deepStrictEqual(message(6), [
      "6 global servers: every Raft commit waits for a majority of the voters (4), so each voter beyond 5 slows every write and widens elections, and an even count tolerates no more failures (2) than 5 would; run 3 or 5 servers and make every other host a client agent (role: client).",
    ]);
    assert.deepStrictEqual(message(7), [
      "7 global servers: every Raft commit waits for a majority of the voters (4), so each voter beyond 5 slows every write and widens elections; run 3 or 5 servers and make every other host a client agent (role: client).",
    ]);
    for (const n of [3, 5]) assert.deepStrictEqual(message(n), []);
    for (const n of [1, 2, 4, 6, 7])
      assert.strictEqual(checkServerCount("k", n)[0].severity, "warning");
  });
});

/** A program composing several hosts: each host is a shipped stack with `overrides`. */
function composed(...hosts: [string, Record<string, unknown>][]): string[] {
  const topology: HostTopology[] = hosts.map(([stack, overrides], i) => {
    const raw = rawConfig(stack, overrides);
    const host = stackTopology(readStack((name) => raw[name], NODE1_INTERFACES).settings);
    return { ...host, keyOf: (setting: string) => `hosts[${i}].${setting}` };
  });
  return checkTopology({ hosts: topology, complete: true }).map(describeProblem);
}

describe("topology of a program composing all hosts", () => {
  it("accepts the two shipped hosts, warning that two servers tolerate no failure", () => {
    assert.deepStrictEqual(composed(["node1", {}], ["node2", {}]), [
      "hosts[0].hosts: 2 global servers need a quorum of 2 and tolerate 0 failures, no more than 1 would; run an odd number, 3 or 5 recommended.",
    ]);
  });

  it("refuses a node name used twice", () => {
    assert.ok(
      composed(["node1", {}], ["node2", { nodeName: "node1" }]).includes(
        'hosts[1].nodeName: node name "node1" is already used by hosts[0].nodeName; give every host its own.',
      ),
    );
  });

  it("refuses one address for two hosts", () => {
    assert.ok(
      composed(["node1", {}], ["node2", { hostAddress: "192.168.99.100" }]).includes(
        'hosts[1].hostAddress: address "192.168.99.100" is already used by hosts[0].hostAddress; give every host its own.',
      ),
    );
  });

  it("refuses one internal datacenter for two hosts", () => {
    assert.ok(
      composed(["node1", {}], ["node2", { internalDatacenter: "vm1" }]).includes(
        'hosts[1].internalDatacenter: datacenter "vm1" is already used by hosts[0].internalDatacenter; give every host its own.',
      ),
    );
  });

  it("refuses bootstrap on more than one server", () => {
    assert.ok(
      composed(["node1", {}], ["node2", { bootstrap: true }]).includes(
        "hosts[1].bootstrap: node2 bootstraps as well as node1: two servers that elect themselves form two clusters; set bootstrap: true on one host only.",
      ),
    );
  });

  it("refuses a cluster where nobody bootstraps", () => {
    assert.ok(
      composed(
        ["node1", { bootstrap: false, joinAddresses: ["192.168.99.101:8301"] }],
        ["node2", {}],
      ).includes(
        "hosts[0].bootstrap: no host bootstraps the global datacenter, so no leader is ever elected; set bootstrap: true on the first host.",
      ),
    );
  });

  it("refuses hosts that disagree on the global datacenter", () => {
    assert.ok(
      composed(["node1", {}], ["node2", { globalDatacenter: "dc2" }]).includes(
        "hosts[0].globalDatacenter: hosts disagree on the global datacenter (dc1, dc2); give every host the same.",
      ),
    );
  });
});

describe("the program refuses bad input before registering anything", () => {
  it("throws one ResourceError listing every problem, with no resource registered", async () => {
    const config = {
      ...readStackConfig("node1"),
      [`${NS}hostAddress`]: "127.0.0.1",
      [`${NS}registrator`]: JSON.stringify({ ttlSeconds: 5 }),
    };
    const registrations: Registration[] = [];
    await assert.rejects(
      runProgram(config, {}, "node1", registrations),
      (e: Error) =>
        e instanceof pulumi.ResourceError &&
        e.message.startsWith("distributed-consul found 2 configuration problems:") &&
        e.message.includes(`${NS}hostAddress: "127.0.0.1" is a loopback address`) &&
        e.message.includes(`${NS}registrator.ttlSeconds: ttlSeconds needs ttlRefreshSeconds`),
    );
    assert.deepStrictEqual(registrations, []);
  });

  it("refuses a gossip key stored in plain text in the stack file", async () => {
    const config = { ...readStackConfig("node1"), [`${NS}gossipKey`]: GOOD_KEY };
    const registrations: Registration[] = [];
    await assert.rejects(
      runProgram(config, {}, "node1", registrations, []),
      (e: Error) =>
        e.message.includes(
          `${NS}gossipKey: is stored in plain text in the stack file; set it again with \`pulumi config set --secret ${NS}gossipKey <value>\` so it is encrypted.`,
        ) && !e.message.includes(GOOD_KEY),
    );
    assert.deepStrictEqual(registrations, []);
    // The same key set with --secret is accepted.
    await runProgram(config, {}, "node1");
  });

  it("refuses to run while DOCKER_CONTEXT could override the configured Docker host", async () => {
    process.env.DOCKER_CONTEXT = "remote";
    try {
      await assert.rejects(
        runProgram(readStackConfig("node1"), {}, "node1"),
        /DOCKER_CONTEXT \(environment\): is "remote" and would override distributed-consul:dockerHost/,
      );
    } finally {
      delete process.env.DOCKER_CONTEXT;
    }
  });

  it("reports warnings through pulumi.log.warn and goes on", async () => {
    const run = await runProgram(readStackConfig("node1"), {}, "node1");
    assert.deepStrictEqual(run.warnings, [
      `warning: [runtime] ${NS}joinAddresses: 1 global server tolerates no failure; run 3 or 5 servers (one per host) for a cluster that survives losing one.`,
    ]);
  });
});
