// The stack program's settings (`distributed-consul:<name>`): every host setting as
// core/host-settings.ts declares it, plus the two only the program has (how to reach a remote
// Docker engine, and which stack a joining host reads), with the program's own defaults where they
// differ from the library's. The program reads config through it (program/stack-settings.ts);
// Pulumi.yaml's `config:` block and docs/configuration.md are generated from it
// (`npm run docs:config`, program/config-reference.ts).
import {
  HOST_SETTINGS,
  PulumiConfigType,
  ServiceSettings,
  SettingDeclaration,
  SettingSection,
  SettingValues,
} from "../components";

/**
 * The service a stack runs when config names none: the original setup's Elasticsearch, as a
 * single node.
 */
export const DEFAULT_SERVICE_SETTINGS = {
  enabled: true,
  image: "elasticsearch:9.5.3",
  envs: [
    "discovery.type=single-node",
    "ES_JAVA_OPTS=-Xms1g -Xmx1g",
    "xpack.security.enabled=false",
  ],
  ports: [
    { internal: 9200, name: "elasticsearch", check: { kind: "http", path: "/_cluster/health" } },
    { internal: 9300, name: "elasticsearch-transport", check: { kind: "tcp" } },
  ],
  memoryMb: 2048,
  preparedQuery: true,
} as const satisfies ServiceSettings;

/** A host setting with the program's own default (and the description that says it). */
function withProgramDefault<T, I extends boolean>(
  declaration: SettingDeclaration<T, I>,
  program: { readonly default: T; readonly description: string },
): SettingDeclaration<T, I> & { readonly default: T } {
  return { ...declaration, ...program };
}

/** A setting only the stack program has (no component takes it). */
function programSetting<T>(
  declaration: Omit<SettingDeclaration<T, false>, "input"> & { readonly default: T },
): SettingDeclaration<T, false> & { readonly default: T } {
  return { ...declaration, input: false };
}

const service = DEFAULT_SERVICE_SETTINGS;

/**
 * Every stack setting, in the order of `Pulumi.yaml`: each host setting as declared in
 * core/host-settings.ts, then the program's own.
 */
export const STACK_SETTINGS = {
  ...HOST_SETTINGS,
  // Override: empty by default, because with a local Docker engine the program finds this
  // machine's address itself (program/host-address.ts); a component is always given one.
  hostAddress: withProgramDefault(HOST_SETTINGS.hostAddress, {
    default: "",
    description:
      "This host's IPv4 address, reachable from every other host; every Consul agent binds and advertises it. Empty - with a local Docker engine (unix://), this machine's IPv4 address on the interface of the default route (Linux; elsewhere the first non-container one by interface name), named in the output; required with a remote Docker host.",
  }),
  // Override: a stack runs the original setup's Elasticsearch unless config says otherwise (the
  // component runs no service unless given one).
  service: withProgramDefault<ServiceSettings, false>(HOST_SETTINGS.service, {
    default: DEFAULT_SERVICE_SETTINGS,
    description: `The service container every host runs - enabled (${service.enabled}), image (${service.image}), envs (${service.envs.join(" ")}), ports (${service.ports.map((p) => `${p.internal} ${p.name} with a ${p.check.kind} check`).join(", ")}), command, memoryMb (${service.memoryMb}), preparedQuery (${service.preparedQuery}). Fields given replace these one by one.`,
  }),
  dockerSshOpts: programSetting<readonly string[]>({
    section: SettingSection.Docker,
    type: "array",
    items: "string",
    default: [],
    description: 'Extra ssh options for an ssh:// dockerHost (e.g. ["-i", "~/.ssh/id_node2"]).',
  }),
  bootstrapStack: programSetting<string>({
    section: SettingSection.Cluster,
    type: "string",
    default: "organization/distributed-consul/node1",
    description:
      'Stack whose cluster output (join addresses, gossip key, ACL management token, CA) a joining stack reads; "" for none (then set them in config).',
  }),
} as const;

/** The name of a stack setting (`nodeName`, `hostAddress`, `ui`, …). */
export type StackSettingName = keyof typeof STACK_SETTINGS;

/** Every stack setting's name, in declaration order. */
export const STACK_SETTING_NAMES = Object.keys(STACK_SETTINGS) as StackSettingName[];

/** A stack setting's declaration, as the reader and the generator walk them. */
export function declarationOf(name: StackSettingName): SettingDeclaration<unknown> {
  return STACK_SETTINGS[name] as SettingDeclaration<unknown>;
}

/** The settings a stack always has a value for: a default, or required (an example, no default). */
type ValuedSettingName = {
  [K in StackSettingName]: (typeof STACK_SETTINGS)[K] extends { readonly default: unknown }
    ? K
    : (typeof STACK_SETTINGS)[K] extends { readonly example: string }
      ? K
      : never;
}[StackSettingName];

/**
 * A stack's settings as the program reads them (`readStackSettings`): a value for every setting
 * with a default or required, and the others (secrets and lists read from the bootstrap stack,
 * counts that default to another) only when given.
 */
export type StackSettings = SettingValues<typeof STACK_SETTINGS, ValuedSettingName>;

/**
 * Config keys that were renamed, former name → current name. A stack that still sets the former
 * key keeps working: the program reads it as the current one, with a warning that says how to
 * move it.
 */
export const FORMER_NAMES = {
  nodeIp: "hostAddress",
} as const satisfies Readonly<Record<string, StackSettingName>>;

/** A former config key's name. */
export type FormerName = keyof typeof FORMER_NAMES;

/** The value that means "not given" for a setting of `type` without a default. */
const NOT_GIVEN: Readonly<Record<PulumiConfigType, unknown>> = {
  string: "",
  integer: 0,
  array: [],
  object: {},
  boolean: false,
};

/**
 * The default `Pulumi.yaml` declares for a setting: its own, or, for an optional setting without
 * one, the value that means "not given" (`""`, `0`, `[]`), because Pulumi requires every declared
 * key that has no default. `undefined` for a required setting.
 */
export function pulumiDefaultOf(name: StackSettingName): unknown {
  const declaration = declarationOf(name);
  if (declaration.default !== undefined) return declaration.default;
  return declaration.example === undefined ? NOT_GIVEN[declaration.type] : undefined;
}

/** Whether `value` is the "not given" value of a setting without a default (see {@link pulumiDefaultOf}). */
export function isNotGiven(name: StackSettingName, value: unknown): boolean {
  const declaration = declarationOf(name);
  if (declaration.default !== undefined || declaration.example !== undefined) return false;
  return JSON.stringify(value) === JSON.stringify(NOT_GIVEN[declaration.type]);
}

/** The settings whose value is a secret (set with `--secret`; kept a Pulumi secret). */
export const SECRET_SETTING_NAMES = STACK_SETTING_NAMES.filter(
  (name) => declarationOf(name).secret === true,
);
