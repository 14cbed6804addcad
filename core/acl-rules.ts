/**
 * Accessor ID of Consul's built-in anonymous token: the token of every request that carries
 * none, DNS lookups from containers included.
 */
export const ANONYMOUS_TOKEN_ID = "00000000-0000-0000-0000-000000000002";

/**
 * ACL rules that let the anonymous token resolve service and node names (DNS and the catalog),
 * and nothing else: with `default_policy = "deny"`, DNS would otherwise answer no service at all.
 */
export function dnsReadRules(): string {
  return [
    'node_prefix "" {',
    '  policy = "read"',
    "}",
    'service_prefix "" {',
    '  policy = "read"',
    "}",
    "",
  ].join("\n");
}

/** Renders `resource "prefix" { policy = "…" }` blocks, or `resource = "…"` for a bare one. */
function rules(...blocks: readonly (readonly [string, string | null, string])[]): string {
  return blocks
    .map(([resource, prefix, policy]) =>
      prefix === null
        ? `${resource} = "${policy}"\n`
        : `${resource} "${prefix}" {\n  policy = "${policy}"\n}\n`,
    )
    .join("");
}

/**
 * registrator's rules: it registers and deregisters the containers it sees through the agent's
 * `/v1/agent/service/*` endpoints, for service names it learns at run time (any name), and reads
 * the agent's services to resync. Nothing else: no KV, no node, no ACL, no other agent endpoint.
 */
export function registratorRules(): string {
  return rules(["service_prefix", "", "write"]);
}

/**
 * A secondary datacenter's replication token, as Consul's documentation requires with token
 * replication: `acl:write` (ACL objects), `operator:write` (proxy defaults, CA signing),
 * `service:read` and `intention:read` (config entries and intentions).
 */
export function replicationRules(): string {
  return rules(
    ["acl", null, "write"],
    ["operator", null, "write"],
    ["service_prefix", "", "read"],
    ["intention_prefix", "", "read"],
  );
}

/**
 * What writing a prepared query named `name` needs: `query:write` on that name only, and read on
 * the services and nodes it answers with.
 */
export function preparedQueryRules(name: string): string {
  return rules(
    ["query", name, "write"],
    ["service_prefix", "", "read"],
    ["node_prefix", "", "read"],
  );
}

/**
 * What a global server's healthcheck needs besides its node identity: `operator:read`, to ask
 * autopilot (`/v1/operator/autopilot/health`) whether the server is a healthy voter. It reads the
 * Raft and autopilot state, and changes nothing.
 */
export function serverHealthRules(): string {
  return rules(["operator", null, "read"]);
}

/**
 * What a Prometheus scrape of `/v1/agent/metrics` needs: `agent:read`, which Consul checks
 * against the node of the agent asked. `agent_prefix ""` lets one token read every agent's metrics
 * (both servers of every host, any datacenter: tokens are global). `agent:read` is Consul's
 * smallest grant for the endpoint; it also reads an agent's configuration (`/v1/agent/self`, no
 * secrets), members and log stream (`/v1/agent/monitor`), and changes nothing.
 */
export function metricsRules(): string {
  return rules(["agent_prefix", "", "read"]);
}

/**
 * What an operator's read-only view of the web UI needs: the services and nodes pages (with their
 * health checks and intentions, which service read covers) and the key/value pages, read only. No
 * write, no ACL objects, no agent or operator endpoints: the UI shows the rest as denied.
 */
export function uiReadRules(): string {
  return rules(
    ["service_prefix", "", "read"],
    ["node_prefix", "", "read"],
    ["key_prefix", "", "read"],
  );
}

/**
 * What a scheduled snapshot needs: Consul allows `/v1/snapshot` only to a token with `acl:write`
 * (its authorizer's `Snapshot()` is `acl` write), since a snapshot holds every ACL token's secret.
 * That is management in all but name: whoever holds it can make a management token. It is the
 * smallest grant the endpoint accepts.
 */
export function snapshotRules(): string {
  return rules(["acl", null, "write"]);
}
