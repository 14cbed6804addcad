// Generates, from the settings declaration (program/settings.ts), the `config:` block of
// Pulumi.yaml and docs/configuration.md. `npm run docs:config` writes both; `--check` only says
// whether they are current. test/config-reference.test.ts fails when a committed copy differs.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as prettier from "prettier";
import { AgentPorts, DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import {
  DEFAULT_REGISTRATOR_SETTINGS,
  DEFAULT_SERVICE_SETTINGS,
  PORT_NAMES,
  SETTING_NAMES,
  STACK_SETTINGS,
  SettingDeclaration,
  SettingSection,
} from "./settings";
import { CONFIG_NAMESPACE } from "./stack-settings";
import { DEFAULT_DOCKER_BRIDGE_ADDRESS } from "../core/defaults";

/** The project folder. */
export const ROOT = path.join(__dirname, "..");

/** The line of Pulumi.yaml after which everything is generated. */
export const PULUMI_YAML_MARKER =
  "  # Generated from program/settings.ts by `npm run docs:config`; do not edit below.";

/** One stack output, as the reference lists it. */
interface StackOutputRow {
  /** The output names (several when they share a row). */
  readonly names: readonly string[];
  /** An example value on node1. */
  readonly example: string;
  /** What it is. */
  readonly meaning: string;
}

const NODE1 = "192.168.99.100";
const g = DEFAULT_GLOBAL_PORTS;
const i = DEFAULT_INTERNAL_PORTS;

/** The stack outputs of index.ts (tested against the program's exports). */
export const STACK_OUTPUTS: readonly StackOutputRow[] = [
  {
    names: ["globalJoinAddress"],
    example: `\`${NODE1}:${g.serfLan}\``,
    meaning: "LAN join address of this host's global server",
  },
  {
    names: ["globalWanAddress"],
    example: `\`${NODE1}:${g.serfWan}\``,
    meaning: "its WAN address, joined by internal datacenters",
  },
  {
    names: ["globalApiAddress"],
    example: `\`${NODE1}:${g.https}\``,
    meaning: "its API (HTTPS, verified with `tlsCaCertificate`)",
  },
  {
    names: ["globalDnsAddress"],
    example: `\`${NODE1}:${g.dns}\``,
    meaning: "its DNS interface",
  },
  {
    names: ["globalRetryJoin"],
    example: `\`[]\` (node2: \`["${NODE1}:${g.serfLan}"]\`)`,
    meaning: "the LAN join list it was given",
  },
  {
    names: ["globalDatacenter", "globalNodeName", "globalContainerId"],
    example: `\`${String(STACK_SETTINGS.globalDatacenter.default)}\`, \`node1\`, …`,
    meaning: "identity",
  },
  {
    names: [
      "internalDatacenter",
      "internalWanAddress",
      "internalApiAddress",
      "internalContainerId",
    ],
    example: `\`vm1\`, \`${NODE1}:${i.serfWan}\`, …`,
    meaning: "this host's internal datacenter server",
  },
  {
    names: ["internalRetryJoinWan"],
    example: `\`["${NODE1}:${g.serfWan}"]\``,
    meaning: "the WAN join list it was given",
  },
  {
    names: ["containerDnsAddress"],
    example: `\`${DEFAULT_DOCKER_BRIDGE_ADDRESS}:${i.dns}\``,
    meaning: "where this host's containers resolve Consul names",
  },
  {
    names: ["globalRegistratorCommand", "internalRegistratorCommand"],
    example: `\`["-ip=${NODE1}", …, "consul://127.0.0.1:${g.http}"]\``,
    meaning: "the registrators' arguments (the internal one while `registrator.registerInternal`)",
  },
  {
    names: ["serviceDnsNames", "serviceContainerId"],
    example: `\`["${DEFAULT_SERVICE_SETTINGS.ports[0].name}.service.consul", …]\``,
    meaning: "this host's service (while `service.enabled`)",
  },
  { names: ["gossipKey"], example: "secret", meaning: "the shared gossip key" },
  {
    names: ["aclManagementToken"],
    example: "secret, ACLs on only",
    meaning: "the management token",
  },
  {
    names: ["tlsCaCertificate", "tlsCaKey"],
    example: "PEM; the key a secret",
    meaning: "the CA joining stacks read",
  },
];

/** A value as the reference shows it: in backticks, strings as they are, others as JSON. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? (value === "" ? '""' : value) : JSON.stringify(value);
  return `\`${text}\``;
}

/** A table cell: pipes escaped. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function typeWord(d: SettingDeclaration<unknown>): string {
  const base = d.type === "array" ? `list of ${d.items ?? "values"}s` : d.type;
  return d.secret ? `${base}, secret` : base;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** docs/configuration.md, before formatting. */
function configurationMarkdown(): string {
  const sections = Object.values(SettingSection).map((section) => {
    const rows = SETTING_NAMES.filter((n) => STACK_SETTINGS[n].section === section).map((n) => {
      const d = STACK_SETTINGS[n] as SettingDeclaration<unknown>;
      return [
        `\`${n}\``,
        typeWord(d),
        d.default === undefined ? "required" : shown(d.default),
        d.description,
      ];
    });
    return `## ${section}\n\n${table(["key", "type", "default", "meaning"], rows)}`;
  });
  const portRows = PORT_NAMES.map((name: keyof AgentPorts) => [
    `\`${name}\``,
    shown(DEFAULT_GLOBAL_PORTS[name]),
    shown(DEFAULT_INTERNAL_PORTS[name]),
  ]);
  const registratorFields = [
    "image",
    "registerInternal",
    "cleanup",
    "resyncSeconds",
    "retryAttempts",
    "retryIntervalMs",
    "deregister",
    "ttlSeconds",
    "ttlRefreshSeconds",
    "tags",
    "explicit",
  ] as const;
  const registratorRows = registratorFields.map((field) => {
    const value = DEFAULT_REGISTRATOR_SETTINGS[field];
    return [`\`${field}\``, value === undefined ? "unset (registrator's own)" : shown(value)];
  });
  const serviceRows = (
    Object.keys(DEFAULT_SERVICE_SETTINGS) as (keyof typeof DEFAULT_SERVICE_SETTINGS)[]
  ).map((field) => [`\`${field}\``, shown(DEFAULT_SERVICE_SETTINGS[field])]);
  const outputRows = STACK_OUTPUTS.map((o) => [
    o.names.map((n) => `\`${n}\``).join(", "),
    o.example,
    o.meaning,
  ]);
  return `<!-- Generated from program/settings.ts by \`npm run docs:config\`; do not edit. -->

# Configuration reference

All keys are in the \`${CONFIG_NAMESPACE}:\` namespace. Each is declared once, with its type,
default, meaning and check, in \`program/settings.ts\`; the \`config:\` block of
\`Pulumi.yaml\` and this page are generated from that declaration (\`npm run docs:config\`), and a
unit test fails when either differs from it.

Pulumi requires every declared key that has no default, so each optional key has a default that
means "not given" (\`0\`, \`[]\`, \`{}\`, \`""\`). Pulumi also refuses a plaintext default on a key
marked secret, so the secret keys are not marked secret in \`Pulumi.yaml\`; instead the program
refuses them unless they were set with \`--secret\`.

${sections.join("\n\n")}

## Fields of the object settings

\`globalPorts\` and \`internalPorts\` override single ports of the global and the internal server:

${table(["port", "global default", "internal default"], portRows)}

\`registrator\` sets the options of both of this host's registrators:

${table(["field", "default"], registratorRows)}

\`service\` describes the service container every host runs:

${table(["field", "default"], serviceRows)}

## Docker and Consul providers

Default providers for \`docker\` and \`consul\` are disabled in \`Pulumi.yaml\`
(\`pulumi:disable-default-providers\`): every resource uses the provider this program builds from
the stack's own config, never an ambient \`DOCKER_HOST\`. The docker provider lets
\`DOCKER_CONTEXT\` override its host, so the program refuses to run while \`DOCKER_CONTEXT\` is set.

## Stack outputs

${table(["output", "example (node1)", "meaning"], outputRows)}
`;
}

/** The generated `config:` entries of Pulumi.yaml, before formatting. */
function pulumiYamlEntries(): string {
  const scalar = (value: unknown): string =>
    yaml.dump(value, { flowLevel: 0, lineWidth: -1 }).trimEnd();
  return SETTING_NAMES.map((name) => {
    const d = STACK_SETTINGS[name] as SettingDeclaration<unknown>;
    const lines = [`  ${name}:`, `    type: ${d.type}`];
    if (d.items) lines.push("    items:", `      type: ${d.items}`);
    lines.push(`    description: ${scalar(d.description)}`);
    if (d.default !== undefined) lines.push(`    default: ${scalar(d.default)}`);
    return lines.join("\n");
  }).join("\n");
}

async function formatted(text: string, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

/** What docs/configuration.md must hold. */
export function expectedConfigurationMd(): Promise<string> {
  const file = path.join(ROOT, "docs", "configuration.md");
  return formatted(configurationMarkdown(), file);
}

/** What Pulumi.yaml must hold, given its current text (kept up to the marker line). */
export function expectedPulumiYaml(current: string): Promise<string> {
  const at = current.indexOf(PULUMI_YAML_MARKER);
  if (at < 0) throw new Error(`Pulumi.yaml has no line "${PULUMI_YAML_MARKER.trim()}"`);
  const head = current.slice(0, at + PULUMI_YAML_MARKER.length);
  return formatted(`${head}\n${pulumiYamlEntries()}\n`, path.join(ROOT, "Pulumi.yaml"));
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const files: [string, (current: string) => Promise<string>][] = [
    [path.join(ROOT, "Pulumi.yaml"), expectedPulumiYaml],
    [path.join(ROOT, "docs", "configuration.md"), () => expectedConfigurationMd()],
  ];
  let stale = 0;
  for (const [file, expected] of files) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const text = await expected(current);
    if (text === current) continue;
    stale++;
    if (check)
      console.error(`${path.relative(ROOT, file)} is not current; run npm run docs:config`);
    else fs.writeFileSync(file, text);
  }
  if (check && stale > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
