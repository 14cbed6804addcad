// `extraConfig`: Consul agent settings the project does not model, merged into every server
// agent's configuration. Checked before anything is deployed against the keys Consul accepts
// (./consul-config-keys.ts) and against the keys the project writes itself, so that a typo or a
// key that would undo what the project guarantees (addresses, ports, TLS, ACLs, joins, gossip
// encryption) fails at preview, naming the key and what to do instead.
import {
  CONSUL_CONFIG_KEYS,
  ConsulKeySchema,
  DEPRECATED_CONSUL_KEYS,
  ENTERPRISE_ONLY_CONSUL_KEYS,
  INTERNAL_CONSUL_KEYS,
} from "./consul-config-keys";
import { Problem, error } from "./problems";

/**
 * Extra Consul agent configuration: Consul's own keys (snake_case, as in an agent's JSON
 * configuration file), merged into every Consul server agent's configuration (objects deeply,
 * e.g. `limits`). Typed `any` for its values because they are JSON of any shape, which Pulumi's
 * schema inference expresses for other languages only as a map of `Any`; every value is checked
 * against Consul's keys and types before anything is deployed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape, checked by checkExtraConfig
export type ExtraAgentConfig = { [key: string]: any };

/** A JSON object as the merge reads and writes it. */
type JsonObject = { readonly [key: string]: unknown };

/**
 * The keys the project writes into an agent's configuration itself (dotted, lower case), each
 * with the settings that set it (`null`: the project alone, no setting). An owned object owns
 * everything under it; `ui_config.enabled`, `dns_config.enable_truncate` and the two telemetry
 * keys are owned alone, so the
 * rest of their objects stays open to `extraConfig`.
 */
export const OWNED_CONSUL_KEYS: Readonly<Record<string, readonly string[] | null>> = {
  datacenter: ["globalDatacenter", "internalDatacenter"],
  primary_datacenter: ["globalDatacenter"],
  node_name: ["nodeName"],
  server: null,
  bootstrap: ["bootstrap"],
  bootstrap_expect: ["bootstrapExpect"],
  data_dir: null,
  bind_addr: ["hostAddress"],
  serf_lan: ["hostAddress"],
  serf_wan: ["hostAddress"],
  advertise_addr: ["hostAddress"],
  advertise_addr_ipv4: ["hostAddress"],
  advertise_addr_ipv6: ["hostAddress"],
  advertise_addr_wan: ["hostAddress"],
  advertise_addr_wan_ipv4: ["hostAddress"],
  advertise_addr_wan_ipv6: ["hostAddress"],
  tagged_addresses: ["hostAddress"],
  client_addr: ["hostAddress", "dockerBridgeAddress"],
  addresses: ["hostAddress", "dockerBridgeAddress"],
  "ports.server": ["globalPorts", "internalPorts"],
  "ports.serf_lan": ["globalPorts", "internalPorts"],
  "ports.serf_wan": ["globalPorts", "internalPorts"],
  "ports.http": ["globalPorts", "internalPorts"],
  "ports.https": ["globalPorts", "internalPorts"],
  "ports.dns": ["globalPorts", "internalPorts"],
  "ports.grpc": null,
  "ports.grpc_tls": ["globalPorts", "internalPorts"],
  tls: ["tlsCaCertificate", "tlsCaKey"],
  auto_encrypt: ["tlsCaCertificate", "tlsCaKey"],
  acl: ["aclEnabled", "aclManagementToken"],
  encrypt: ["gossipKey"],
  encrypt_verify_incoming: ["gossipKey"],
  encrypt_verify_outgoing: ["gossipKey"],
  disable_keyring_file: ["gossipKey"],
  retry_join: ["joinAddresses"],
  retry_join_wan: ["wanJoinAddresses"],
  recursors: ["recursors"],
  "dns_config.enable_truncate": null,
  "ui_config.enabled": ["ui"],
  log_level: ["logLevel"],
  "telemetry.prometheus_retention_time": ["metrics"],
  "telemetry.disable_hostname": ["metrics"],
  // How a server leaves and rejoins, how fast Raft reacts, and autopilot's removal of dead
  // servers: what the day-two operations (roll, failover, restore) are built and measured on.
  leave_on_terminate: null,
  rejoin_after_leave: null,
  skip_leave_on_interrupt: null,
  performance: null,
  autopilot: ["serverCount"],
  disable_update_check: null,
  // Every DNS name the project outputs and registers ends in .consul.
  domain: null,
};

/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/** The candidate nearest to `key` by edit distance (ties: the first in order). */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Whether `value` is a plain object (not a list, not null). */
function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How a type word is named in a message. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  bool: "true or false",
  int: "a whole number",
  float: "a number",
  string: "a string",
  "duration-string": 'a duration string such as "10s"',
  "[]string": "a list of strings",
  map: "an object",
};

/** Whether `value` is of the type word `type` (a word this check does not know: yes). */
function isOfType(type: string, value: unknown): boolean {
  switch (type) {
    case "bool":
      return typeof value === "boolean";
    case "int":
      return typeof value === "number" && Number.isInteger(value);
    case "float":
      return typeof value === "number";
    case "string":
    case "duration-string":
      return typeof value === "string";
    case "[]string":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "map":
      return isObject(value);
    default:
      return true;
  }
}

/** How one extraConfig key (dotted, lower case) is refused, when it is. */
interface Refusal {
  /** The owner: the settings that set it, `null` for the project alone. */
  readonly owned?: readonly string[] | null;
  /** Why it is refused otherwise. */
  readonly reason?: string;
}

/** Why `path` (dotted, lower case) cannot be given, or `undefined` when it can. */
function refusalOf(path: string): Refusal | undefined {
  if (path in OWNED_CONSUL_KEYS) return { owned: OWNED_CONSUL_KEYS[path] };
  if (path in DEPRECATED_CONSUL_KEYS) {
    const replacement = DEPRECATED_CONSUL_KEYS[path];
    if (replacement === null) return { reason: "is deprecated and has no effect; remove it." };
    const owner = ownerOf(replacement);
    if (owner !== undefined) return { owned: owner };
    return { reason: `is deprecated; give ${replacement} instead.` };
  }
  if (ENTERPRISE_ONLY_CONSUL_KEYS.includes(path)) {
    return {
      reason: "is a Consul Enterprise key; the Consul image runs Consul CE, which refuses it.",
    };
  }
  if (INTERNAL_CONSUL_KEYS.includes(path)) {
    return { reason: "is internal to Consul (its builds and tests), not an agent setting." };
  }
  return undefined;
}

/** The owner of a dotted key or of an object that holds it; `undefined` when not owned. */
function ownerOf(path: string): readonly string[] | null | undefined {
  const parts = path.toLowerCase().split(".");
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join(".");
    if (prefix in OWNED_CONSUL_KEYS) return OWNED_CONSUL_KEYS[prefix];
  }
  return undefined;
}

/** The settings named in a message: `key`'s own namespace (`distributed-consul:`, `ConsulHost(x).`). */
function ownerWords(owner: readonly string[] | null, settingKey: string): string {
  if (owner === null) {
    return "is owned by the project (it sets it the same on every server); remove it.";
  }
  const prefix = settingKey.endsWith("extraConfig")
    ? settingKey.slice(0, -"extraConfig".length)
    : "";
  return `is set by the project from ${owner.map((o) => prefix + o).join(" / ")}; set that instead and remove this key.`;
}

/** The problems of `value` at `path` (dotted, as given) under `schema`. */
function checkValue(
  key: string,
  path: string,
  schema: ConsulKeySchema,
  value: unknown,
  out: Problem[],
  settingKey: string,
): void {
  if (value === null) {
    out.push(error(`${key}.${path}`, "is null; give a value or remove the key."));
    return;
  }
  if (typeof schema === "string") {
    if (!isOfType(schema, value)) {
      out.push(
        error(
          `${key}.${path}`,
          `must be ${TYPE_WORDS[schema] ?? schema}, not ${JSON.stringify(value)}.`,
        ),
      );
    }
    return;
  }
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) {
      out.push(error(`${key}.${path}`, `must be a list, not ${JSON.stringify(value)}.`));
      return;
    }
    const element = (schema as readonly ConsulKeySchema[])[0];
    value.forEach((item, i) => checkValue(key, `${path}[${i}]`, element, item, out, settingKey));
    return;
  }
  if (!isObject(value)) {
    out.push(error(`${key}.${path}`, `must be an object, not ${JSON.stringify(value)}.`));
    return;
  }
  checkObject(
    key,
    path,
    schema as { readonly [k: string]: ConsulKeySchema },
    value,
    out,
    settingKey,
  );
}

/** The problems of the keys of `value`, an object at `path` ("" at the top). */
function checkObject(
  key: string,
  path: string,
  schema: { readonly [k: string]: ConsulKeySchema },
  value: JsonObject,
  out: Problem[],
  settingKey: string,
): void {
  const names = Object.keys(schema);
  const byLower = new Map(names.map((name) => [name.toLowerCase(), name]));
  for (const [given, child] of Object.entries(value)) {
    const full = path === "" ? given : `${path}.${given}`;
    // Consul matches keys case-insensitively; list indexes are not part of the key's name.
    const dotted = full.replace(/\[\d+\]/g, "").toLowerCase();
    const known = byLower.get(given.toLowerCase());
    if (known === undefined) {
      const nearest = nearestKey(given, names);
      const nearestPath = path === "" ? nearest : `${path}.${nearest}`;
      out.push(
        error(
          `${key}.${full}`,
          `is not a key Consul accepts${nearest ? `; the nearest is ${nearestPath}` : ""}.`,
        ),
      );
      continue;
    }
    const refusal = refusalOf(dotted);
    if (refusal) {
      out.push(
        error(
          `${key}.${full}`,
          refusal.owned !== undefined
            ? ownerWords(refusal.owned, settingKey)
            : (refusal.reason ?? ""),
        ),
      );
      continue;
    }
    checkValue(key, full, schema[known], child, out, settingKey);
  }
}

/**
 * The problems of an `extraConfig` value, each naming `key` and the Consul key at fault: a key
 * Consul does not accept (with the nearest one it does), a key the project sets (with the setting
 * that sets it), a deprecated, Enterprise-only or internal key, a value of the wrong type.
 */
export function checkExtraConfig(key: string, value: ExtraAgentConfig): Problem[] {
  if (!isObject(value)) {
    return [error(key, `must be an object of Consul agent settings, e.g. { limits: { ... } }.`)];
  }
  const out: Problem[] = [];
  checkObject(key, "", CONSUL_CONFIG_KEYS, value, out, key);
  return out;
}

/** The name Consul's key set gives `given` under `schema` (the given one when not found). */
function canonicalName(given: string, schema: ConsulKeySchema | undefined): string {
  if (!isObject(schema)) return given;
  const lower = given.toLowerCase();
  return Object.keys(schema).find((name) => name.toLowerCase() === lower) ?? given;
}

/** `extra` merged into `base`: objects key by key (deeply), anything else replaced. */
function merge(
  base: JsonObject,
  extra: JsonObject,
  schema: ConsulKeySchema | undefined,
): JsonObject {
  const result: Record<string, unknown> = { ...base };
  for (const [given, value] of Object.entries(extra)) {
    const name = canonicalName(given, schema);
    const childSchema = isObject(schema) ? schema[name] : undefined;
    const current = result[name];
    result[name] =
      isObject(current) && isObject(value) ? merge(current, value, childSchema) : value;
  }
  return result;
}

/**
 * An agent configuration document with `extra` merged in: objects deeply (a `limits` or
 * `telemetry` object adds its keys to the one the project writes), keys renamed to Consul's
 * spelling (Consul matches them case-insensitively; two spellings of one key would be ambiguous).
 * The document's own keys are never overwritten by a checked `extra`: the project's are refused.
 */
export function mergeExtraConfig<T extends JsonObject>(document: T, extra: ExtraAgentConfig): T {
  if (Object.keys(extra).length === 0) return document;
  return merge(document, extra, CONSUL_CONFIG_KEYS) as T;
}
