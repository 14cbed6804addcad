import { Problem, error, warning } from "./problems";

/**
 * What each building block protects unless told otherwise, what it needs for that, and the words
 * of its errors and opt-out warnings. A server (`GlobalConsul`, `InternalDc`) has three
 * protections, each on by default and turned off only by its flag set to `false`:
 *
 * | protection | flag               | value       |
 * | ---------- | ------------------ | ----------- |
 * | `acl`      | `aclEnabled`       | `acl`       |
 * | `tls`      | `tlsEnabled`       | `tls`       |
 * | `gossip`   | `gossipEncryption` | `gossipKey` |
 *
 * A server that bootstraps the global datacenter makes a value it is not given; any other server
 * shares the cluster's, so it must be given. A client of an agent's API (registrator, a prepared
 * query) needs an ACL token unless its ACL flag is `false`.
 */

/**
 * How a server comes by a shared secret it is not given:
 * - `bootstrap`: it bootstraps the global datacenter alone, so it makes the secret itself;
 * - `bootstrapExpect`: one of several servers that bootstrap together, which must all share it;
 * - `joining`: it joins a global datacenter that has the secret already;
 * - `internal`: an internal datacenter's server, federated with the global servers.
 */
export type ServerRole = "bootstrap" | "bootstrapExpect" | "joining" | "internal";

/** A server's protections. */
export type Protection = "acl" | "tls" | "gossip";

/** One protection as asked for. */
export interface ProtectionRequest {
  /** Its flag, defaulted (`true` unless the caller set it to `false`). */
  readonly enabled: boolean;
  /** Whether its value is given. */
  readonly given: boolean;
}

/** A server component's security arguments, as far as the decision needs them. */
export interface ServerSecurityRequest {
  /** The component in messages, e.g. `GlobalConsul(global)`. */
  readonly component: string;
  /** How the server comes by what it is not given. */
  readonly role: ServerRole;
  /** ACLs: `aclEnabled`, `acl`. */
  readonly acl: ProtectionRequest;
  /** TLS: `tlsEnabled`, `tls`. */
  readonly tls: ProtectionRequest;
  /** Gossip encryption: `gossipEncryption`, `gossipKey`. */
  readonly gossip: ProtectionRequest;
}

/**
 * Where a protection's value comes from: the caller (`given`), the component (`generated`), none
 * because the protection is off (`off`), or none although it is on (`missing`, an error).
 */
export type ProtectionSource = "given" | "generated" | "off" | "missing";

/** The decision for one server: each protection's source, the errors and the opt-outs. */
export interface ServerSecurity {
  /** Where the ACL settings come from. */
  readonly acl: ProtectionSource;
  /** Where the CA comes from. */
  readonly tls: ProtectionSource;
  /** Where the gossip key comes from. */
  readonly gossip: ProtectionSource;
  /** Contradictions and missing values, each naming the argument and the fix. */
  readonly errors: Problem[];
  /** One warning per protection turned off, reported at every preview and update. */
  readonly optOuts: Problem[];
}

/** The words of one protection. */
interface ProtectionWords {
  /** Its flag argument. */
  readonly flag: string;
  /** Its value argument. */
  readonly value: string;
  /** What is unprotected without it. */
  readonly without: string;
  /** How the opt-out reads in a fix: `set <flag>: false to …`. */
  readonly optOut: string;
  /** What a server of each role needs (for `bootstrap`: what it may be given instead). */
  readonly needs: Record<ServerRole, string>;
  /** What a bootstrap server makes when the protection is turned back on. */
  readonly made: string;
  /** "turn … back on". */
  readonly them: string;
}

const WORDS: Record<Protection, ProtectionWords> = {
  acl: {
    flag: "aclEnabled",
    value: "acl",
    without:
      "Consul's ACLs are off, so anyone who reaches this server's API may read and write everything, KV and catalog included",
    optOut: "set aclEnabled: false to run without ACLs",
    needs: {
      bootstrap: "give acl.managementToken, or leave acl out and this server makes the token",
      bootstrapExpect:
        "every server of a bootstrapExpect cluster needs the cluster's management token, the same on each (acl.managementToken, e.g. from generatedAclToken)",
      joining:
        "a server that joins a cluster needs an agent token made through the cluster's API (acl.agentToken: a ConsulAclToken with this server's node identity, made with the bootstrap server's managementToken output)",
      internal:
        "an internal datacenter needs its agent and replication tokens, made through the primary datacenter's API (acl.agentToken: a ConsulAclToken with this server's node identity; acl.replicationToken: one with replicationRules())",
    },
    made: "the management token",
    them: "them",
  },
  tls: {
    flag: "tlsEnabled",
    value: "tls",
    without:
      "this server has no TLS, so its server RPC and its API (tokens included) travel in plain text on the host's network, and anyone who reaches its server port can pose as a server",
    optOut: "set tlsEnabled: false to run without TLS",
    needs: {
      bootstrap: "give tls, or leave it out and this server makes its own CA",
      bootstrapExpect:
        "every server of a bootstrapExpect cluster needs the cluster's CA, the same on each (tls.caCertificate and tls.caPrivateKey, e.g. from generatedCertificateAuthority)",
      joining:
        "a server that joins a cluster needs the cluster's CA (tls.caCertificate and tls.caPrivateKey: the bootstrap server's caCertificate and caPrivateKey outputs)",
      internal:
        "an internal datacenter needs the CA of the global servers it federates with (tls.caCertificate and tls.caPrivateKey: a global server's caCertificate and caPrivateKey outputs)",
    },
    made: "its own CA",
    them: "it",
  },
  gossip: {
    flag: "gossipEncryption",
    value: "gossipKey",
    without:
      "gossip is not encrypted, so anyone on the host's network can read the cluster's membership traffic and add agents to it",
    optOut: "set gossipEncryption: false to run unencrypted",
    needs: {
      bootstrap:
        "give the cluster's key (32 bytes, base64), or leave gossipKey out and this server makes one",
      bootstrapExpect:
        "every server of a bootstrapExpect cluster needs the cluster's gossip key, the same on each (e.g. from generatedGossipKey)",
      joining:
        "a server that joins a cluster needs the cluster's gossip key (the bootstrap server's gossipKey output)",
      internal:
        "an internal datacenter needs the gossip key of the global servers it WAN-joins (a global server's gossipKey output)",
    },
    made: "the gossip key",
    them: "encryption",
  },
};

/** The error for a server's value that is on but absent (`is missing`) or resolved empty (`is empty`). */
export function missingServerValue(
  component: string,
  role: ServerRole,
  protection: Protection,
  state: "is missing" | "is empty",
): Problem {
  const words = WORDS[protection];
  return error(
    `${component}.${words.value}`,
    `${state}; ${words.needs[role]}, or ${words.optOut}.`,
  );
}

/** The decision for one protection. */
function decide(
  request: ServerSecurityRequest,
  protection: Protection,
): { source: ProtectionSource; problems: Problem[] } {
  const { component, role } = request;
  const { enabled, given } = request[protection];
  const words = WORDS[protection];
  if (!enabled && given) {
    return {
      source: "off",
      problems: [
        error(
          `${component}.${words.value}`,
          `is given, but ${component}.${words.flag} is false; remove ${words.value} to run without it, or remove ${words.flag}: false to use it.`,
        ),
      ],
    };
  }
  if (!enabled) {
    const back =
      role === "bootstrap"
        ? `Remove the argument to turn ${words.them} back on (this server then makes ${words.made})`
        : `Remove the argument and give ${words.value} to turn ${words.them} back on`;
    return {
      source: "off",
      problems: [warning(`${component}.${words.flag}`, `is false: ${words.without}. ${back}.`)],
    };
  }
  if (given) return { source: "given", problems: [] };
  if (role === "bootstrap") return { source: "generated", problems: [] };
  return {
    source: "missing",
    problems: [missingServerValue(component, role, protection, "is missing")],
  };
}

/**
 * Decides where each of a server's protections comes from: given, made by a bootstrap server,
 * or off (explicitly, warned about); a contradiction (a value with its flag `false`) or a value a
 * non-bootstrap server lacks is an error naming the argument and the fix.
 */
export function serverSecurity(request: ServerSecurityRequest): ServerSecurity {
  const acl = decide(request, "acl");
  const tls = decide(request, "tls");
  const gossip = decide(request, "gossip");
  const problems = [...acl.problems, ...tls.problems, ...gossip.problems];
  return {
    acl: acl.source,
    tls: tls.source,
    gossip: gossip.source,
    errors: problems.filter((p) => p.severity === "error"),
    optOuts: problems.filter((p) => p.severity === "warning"),
  };
}

/** Whether a protection is on (its value given or generated). */
export function isOn(source: ProtectionSource): boolean {
  return source === "given" || source === "generated";
}

/** Clients of an agent's API that authenticate with an ACL token. */
export type TokenClient = "registrator" | "preparedQuery" | "scheduledSnapshots";

/** A client's token as far as it is known. */
export type TokenState = "absent" | "empty" | "present";

/** A client's ACL arguments. */
export interface TokenRequest {
  /** Which client, for the words. */
  readonly client: TokenClient;
  /** The argument path the flag and the token sit under, e.g. `Registrator(r)`. */
  readonly at: string;
  /** The ACL flag, defaulted. */
  readonly enabled: boolean;
  /** The token: not given, given empty, or given (a value or an Output not resolved yet). */
  readonly token: TokenState;
}

const CLIENT_WORDS: Record<
  TokenClient,
  { flag: string; token: string; who: string; needs: string }
> = {
  registrator: {
    flag: "aclEnabled",
    token: "aclToken",
    who: "registrator calls its agent without a token",
    needs:
      "registrator writes to an agent whose ACLs deny by default, so it needs a token with service:write (e.g. a ConsulAclToken with registratorRules())",
  },
  preparedQuery: {
    flag: "aclEnabled",
    token: "token",
    who: "the query is written through the agent's API without a token",
    needs:
      "the query is written through an agent whose ACLs deny by default, so it needs a token with query:write on its name (e.g. a ConsulAclToken with preparedQueryRules(name))",
  },
  scheduledSnapshots: {
    flag: "aclEnabled",
    token: "token",
    who: "the sidecar asks its server for snapshots without a token",
    needs:
      "a snapshot of a datacenter whose ACLs deny by default needs a token with acl:write (e.g. a ConsulAclToken with snapshotRules())",
  },
};

/** The error for a client's token that is on but absent (`is missing`) or empty (`is empty`). */
export function missingToken(
  client: TokenClient,
  at: string,
  state: "is missing" | "is empty",
): Problem {
  const words = CLIENT_WORDS[client];
  return error(
    `${at}.${words.token}`,
    `${state}; ${words.needs}, or set ${words.flag}: false for an agent without ACLs.`,
  );
}

/**
 * A client's ACL arguments checked: with its flag on (default) it needs a non-empty token; with
 * the flag `false` it must have none, and the opt-out is warned about.
 */
export function clientTokenCheck(request: TokenRequest): {
  errors: Problem[];
  optOuts: Problem[];
} {
  const { client, at, enabled, token } = request;
  const words = CLIENT_WORDS[client];
  if (enabled) {
    if (token === "present") return { errors: [], optOuts: [] };
    return {
      errors: [missingToken(client, at, token === "empty" ? "is empty" : "is missing")],
      optOuts: [],
    };
  }
  if (token === "present") {
    return {
      errors: [
        error(
          `${at}.${words.token}`,
          `is given, but ${at}.${words.flag} is false; remove ${words.token} to call the agent anonymously, or remove ${words.flag}: false to use it.`,
        ),
      ],
      optOuts: [],
    };
  }
  return {
    errors: [],
    optOuts: [
      warning(
        `${at}.${words.flag}`,
        `is false: ${words.who}, which works only while that agent's ACLs are off, and then anyone who reaches the agent may read and write everything. Remove the argument and give ${words.token} to turn ACLs back on.`,
      ),
    ],
  };
}
