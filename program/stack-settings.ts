// Reads this stack's config (`distributed-consul:<name>`) by walking the settings declaration
// (program/settings.ts): each key by its declared type, defaulted, checked by its declared check,
// and a renamed key still read under its former name, with a warning.
import { FieldType, Problem, ServicePort, error, warning } from "../components";
import { CONFIG_NAMESPACE } from "../operations/config-namespace";
import { InterfaceAddress, resolveHostAddress } from "./host-address";
import {
  FORMER_NAMES,
  STACK_SETTING_NAMES,
  StackSettingName,
  StackSettings,
  declarationOf,
  isNotGiven,
} from "./settings";

export { CONFIG_NAMESPACE } from "../operations/config-namespace";

/** The full name of a project config key, as `pulumi config` and error messages spell it. */
export function configKey(name: string): string {
  return `${CONFIG_NAMESPACE}:${name}`;
}

/** Reads one raw config value (objects and arrays as JSON text); `undefined` when unset. */
export type RawConfig = (name: string) => string | undefined;

/** What {@link readStackSettings} found. */
export interface StackSettingsRead {
  /** Every setting, typed and defaulted; a malformed value is replaced by its default. */
  readonly settings: StackSettings;
  /** Every error found, each naming its `distributed-consul:` key. */
  readonly problems: Problem[];
  /** What works but should change (a key set under its former name), each naming its key. */
  readonly warnings: Problem[];
}

/** How a field type is named in a message. */
const FIELD_TYPE_WORDS: Readonly<Record<FieldType, string>> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  "string[]": "a list of strings",
  "object[]": "a list of objects",
};

/** Whether `value` is of the field type `type`. */
function isFieldType(type: FieldType, value: unknown): boolean {
  switch (type) {
    case "string[]":
      return Array.isArray(value) && value.every((x) => typeof x === "string");
    case "object[]":
      return Array.isArray(value) && value.every((x) => typeof x === "object" && x !== null);
    default:
      return typeof value === type;
  }
}

/** Whether `value` is a plain object (not a list, not null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The raw config with each former key read as its current name when only the former is set
 * (`""`, the default `Pulumi.yaml` declares, counts as not set): a warning says how to move it;
 * both set is an error naming both.
 */
function withFormerNames(raw: RawConfig, problems: Problem[], warnings: Problem[]): RawConfig {
  const moved = new Map<string, string>();
  for (const [former, current] of Object.entries(FORMER_NAMES)) {
    const formerValue = raw(former);
    if (formerValue === undefined || formerValue === "") continue;
    const currentValue = raw(current);
    const [from, to] = [configKey(former), configKey(current)];
    if (currentValue !== undefined && currentValue !== "") {
      problems.push(
        error(
          from,
          `is the former name of ${to}, and both are set; keep ${to} and remove the former: \`pulumi config rm ${from}\`.`,
        ),
      );
      continue;
    }
    const declaration = declarationOf(current);
    const shown = declaration.secret || declaration.type === "object" ? "<value>" : formerValue;
    warnings.push(
      warning(
        from,
        `is now named ${to}; its value is read as ${to} for now. Rename it: \`pulumi config rm ${from} && pulumi config set ${declaration.secret ? "--secret " : ""}${to} ${shown}\`.`,
      ),
    );
    moved.set(current, formerValue);
  }
  return (name) => moved.get(name) ?? raw(name);
}

/** Reads one setting's raw text by its declared type; problems go to `problems`. */
class SettingReader {
  constructor(
    private readonly name: StackSettingName,
    private readonly problems: Problem[],
  ) {}

  private get key(): string {
    return configKey(this.name);
  }

  private problem(key: string, message: string): undefined {
    this.problems.push(error(key, message));
    return undefined;
  }

  /**
   * The value of `text`: by the declared type, `undefined` (with a problem) when malformed. The
   * caller applies the default.
   */
  parse(text: string): unknown {
    const declaration = declarationOf(this.name);
    switch (declaration.type) {
      case "string":
        if (declaration.oneOf && !declaration.oneOf.includes(text)) {
          return this.problem(this.key, `"${text}" is not one of ${declaration.oneOf.join(", ")}.`);
        }
        return text;
      case "boolean":
        if (text === "true" || text === "false") return text === "true";
        return this.problem(this.key, `"${text}" is not a boolean; use true or false.`);
      case "integer":
        if (/^-?[0-9]+$/.test(text)) return Number(text);
        return this.problem(this.key, `"${text}" is not a whole number.`);
      case "array":
        return this.list(this.json(text));
      case "object": {
        const value = this.object(this.json(text), declaration.fields);
        // A service's ports are objects of their own: each entry is checked field by field.
        if (this.name === "service" && Array.isArray(value?.ports)) {
          return { ...value, ports: this.servicePorts(value.ports) };
        }
        return value;
      }
    }
  }

  /** Objects and lists arrive as JSON text. */
  private json(text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return this.problem(this.key, `is not valid JSON/YAML structure: ${text}`);
    }
  }

  /** A list of strings (the only item type declared). */
  private list(value: unknown): readonly string[] | undefined {
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
    return this.problem(
      this.key,
      `must be a list of strings, e.g. \`pulumi config set --path '${this.key}[0]' value\`.`,
    );
  }

  /** An object whose fields are the declared ones, of their declared types; others are dropped. */
  private object(
    value: unknown,
    fields: Readonly<Record<string, FieldType>> | undefined,
  ): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    const names = Object.keys(fields ?? {});
    if (!isObject(value)) {
      return this.problem(this.key, `must be an object, e.g. { ${names[0] ?? "name"}: ... }.`);
    }
    if (!fields) return value;
    const result: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(value)) {
      const type = fields[field];
      if (type === undefined) {
        this.problem(
          `${this.key}.${field}`,
          `is not a known field; use one of ${names.join(", ")}.`,
        );
      } else if (!isFieldType(type, v)) {
        this.problem(
          `${this.key}.${field}`,
          `must be ${FIELD_TYPE_WORDS[type]}, not ${JSON.stringify(v)}.`,
        );
      } else {
        result[field] = v;
      }
    }
    return result;
  }

  /** `service.ports`, each entry checked; a malformed entry is dropped (with a problem per field). */
  private servicePorts(ports: readonly unknown[]): ServicePort[] {
    return ports.flatMap((entry, i) => {
      const port = this.servicePort(entry as Record<string, unknown>, `${this.key}.ports[${i}]`);
      return port ? [port] : [];
    });
  }

  /** One `service.ports[i]` entry, or `undefined` (with a problem per wrong field) when malformed. */
  private servicePort(e: Record<string, unknown>, key: string): ServicePort | undefined {
    const before = this.problems.length;
    const field = (name: string): string => `${key}.${name}`;
    const wrong = (name: string, what: string): void => {
      this.problem(field(name), `must be ${what}, not ${JSON.stringify(e[name])}.`);
    };
    if (typeof e.internal !== "number") wrong("internal", "a port number");
    if (e.external !== undefined && typeof e.external !== "number") {
      wrong("external", "a port number");
    }
    if (e.protocol !== undefined && e.protocol !== "tcp" && e.protocol !== "udp") {
      wrong("protocol", '"tcp" or "udp"');
    }
    if (typeof e.name !== "string") wrong("name", "a service name (a string)");
    if (e.tags !== undefined && !isFieldType("string[]", e.tags))
      wrong("tags", "a list of strings");
    const check = e.check;
    if (check !== undefined) {
      if (!isObject(check) || (check.kind !== "http" && check.kind !== "tcp")) {
        wrong("check", '{ kind: "http", path: "/…" } or { kind: "tcp" }');
      } else if (check.kind === "http" && typeof check.path !== "string") {
        this.problem(field("check.path"), 'is required for an HTTP check, e.g. "/health".');
      }
      for (const d of ["interval", "timeout"]) {
        if (isObject(check) && check[d] !== undefined && typeof check[d] !== "string") {
          this.problem(field(`check.${d}`), `must be a duration such as "10s".`);
        }
      }
    }
    return this.problems.length === before ? (e as unknown as ServicePort) : undefined;
  }
}

/**
 * One setting from its raw text: required and missing → a problem (and `""`); unset → its
 * default; malformed → a problem and its default; the "not given" value of a setting without a
 * default (`0`, `[]`, `""`) → `undefined`; an object → its fields over the default's. Then the
 * declared check, naming the full key.
 */
function readSetting(
  name: StackSettingName,
  text: string | undefined,
  problems: Problem[],
): unknown {
  const declaration = declarationOf(name);
  const key = configKey(name);
  if (declaration.default === undefined && declaration.example !== undefined) {
    if (text === undefined || text === "") {
      problems.push(
        error(key, `is required; set it with \`pulumi config set ${key} ${declaration.example}\`.`),
      );
      return "";
    }
  }
  const defaults = declaration.default;
  let value = text === undefined ? undefined : new SettingReader(name, problems).parse(text);
  if (value === undefined || isNotGiven(name, value)) value = defaults;
  else if (isObject(value) && isObject(defaults)) value = { ...defaults, ...value };
  if (value !== undefined && declaration.check) problems.push(...declaration.check(key, value));
  return value;
}

/**
 * Reads this stack's settings from raw config: every key of the declaration by its declared type,
 * defaulted, with each declared check run, and every problem found on the way (each naming its
 * `distributed-consul:` key). A key set under its former name (`FORMER_NAMES`) is read as its
 * current one, with a warning. Checks that span settings or hosts are the topology check's.
 * Secret settings come back as plain text: the caller keeps them secret.
 */
export function readStackSettings(raw: RawConfig): StackSettingsRead {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const config = withFormerNames(raw, problems, warnings);
  const settings: Record<string, unknown> = {};
  for (const name of STACK_SETTING_NAMES) {
    const value = readSetting(name, config(name), problems);
    if (value !== undefined) settings[name] = value;
  }
  // Built by walking the declaration StackSettings is derived from: one entry per setting, of
  // its declared type, absent only where a setting has no default.
  return { settings: settings as StackSettings, problems, warnings };
}

/**
 * This stack's settings as the program uses them: {@link readStackSettings}, then `hostAddress`
 * resolved (this machine's address when unset and Docker is local, on the interface of the default
 * route in `routeTable` when there is one; see `resolveHostAddress`).
 * `notice` says which address was chosen, for the program to print.
 */
export function readStack(
  raw: RawConfig,
  interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>,
  routeTable?: string,
): StackSettingsRead & { notice?: string } {
  const read = readStackSettings(raw);
  const address = resolveHostAddress(
    read.settings.hostAddress,
    read.settings.dockerHost,
    interfaces,
    read.settings.dockerBridgeSubnet,
    configKey("hostAddress"),
    routeTable,
  );
  return {
    settings: { ...read.settings, hostAddress: address.hostAddress },
    problems: [...read.problems, ...address.problems],
    warnings: read.warnings,
    notice: address.notice,
  };
}
