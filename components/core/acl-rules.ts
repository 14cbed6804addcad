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
