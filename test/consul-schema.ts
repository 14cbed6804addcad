// Checks a generated agent configuration against the keys and types Consul accepts. The data
// (test/fixtures/consul-config-keys.json) was derived from Consul's own config definition
// (agent/config/config.go); its "source" field names the commit.
import keysFixture from "./fixtures/consul-config-keys.json";

type Schema = string | Schema[] | { [key: string]: Schema };

const ROOT = keysFixture.keys as unknown as { [key: string]: Schema };
const DEPRECATED = new Set(keysFixture.deprecated.map((k) => k.toLowerCase()));

function typeProblem(path: string, expected: string, value: unknown): string | undefined {
  const ok = (() => {
    switch (expected) {
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
        return typeof value === "object" && value !== null && !Array.isArray(value);
      default:
        return true; // a type word this checker does not know is not held against the config
    }
  })();
  return ok ? undefined : `${path}: expected ${expected}, got ${JSON.stringify(value)}`;
}

function check(path: string, schema: Schema, value: unknown, out: string[]): void {
  if (typeof schema === "string") {
    const problem = typeProblem(path, schema, value);
    if (problem) out.push(problem);
    return;
  }
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) {
      out.push(`${path}: expected a list`);
      return;
    }
    value.forEach((item, i) => check(`${path}[${i}]`, schema[0], item, out));
    return;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    out.push(`${path}: expected an object`);
    return;
  }
  // Consul matches keys case-insensitively.
  const byLower = new Map(Object.entries(schema).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const full = path ? `${path}.${key}` : key;
    const childSchema = byLower.get(key.toLowerCase());
    if (childSchema === undefined) {
      out.push(`${full}: not a key Consul accepts`);
    } else if (DEPRECATED.has(full.toLowerCase())) {
      out.push(`${full}: deprecated key`);
    } else {
      check(full, childSchema, child, out);
    }
  }
}

/** Every reason Consul would refuse (or frown upon) this configuration document; empty if none. */
export function consulSchemaProblems(document: unknown): string[] {
  const out: string[] = [];
  check("", ROOT, document, out);
  return out;
}
