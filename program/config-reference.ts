// Generates, from the settings declaration (core/host-settings.ts, program/settings.ts) and the
// outputs' (components/host-outputs.ts), the `config:` block of Pulumi.yaml and
// docs/configuration.md, and the component arguments components/host-arguments.ts
// (./generate-arguments.ts). `npm run docs:config` writes all three; `--check` only says whether
// they are current. test/config-reference.test.ts fails when a committed copy differs.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as prettier from "prettier";
import {
  AgentPorts,
  DEFAULT_GLOBAL_PORTS,
  DEFAULT_INTERNAL_PORTS,
  DEFAULT_REGISTRATOR_SETTINGS,
  HOST_OUTPUT_NAMES,
  HOST_OUTPUTS,
  PORT_NAMES,
  SettingDeclaration,
  SettingSection,
} from "../components";
import { CONFIG_NAMESPACE } from "../operations/config-namespace";
import {
  CONSUL_HOST_FILE,
  HOST_ARGUMENTS_FILE,
  consulHostSource,
  hostArgumentsSource,
} from "./generate-arguments";
import {
  DEFAULT_SERVICE_SETTINGS,
  FORMER_NAMES,
  STACK_SETTING_NAMES,
  declarationOf,
  pulumiDefaultOf,
} from "./settings";

/** The project folder. */
export const ROOT = path.join(__dirname, "..");

/** The line of Pulumi.yaml after which everything is generated. */
export const PULUMI_YAML_MARKER =
  "  # Generated from core/host-settings.ts and program/settings.ts by `npm run docs:config`; do not edit below.";

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

/** `value` shown, or `unset` with what applies instead. */
function shownOrUnset(value: unknown, instead: string): string {
  return value === undefined ? `unset (${instead})` : shown(value);
}

/** docs/configuration.md, before formatting. */
function configurationMarkdown(): string {
  const sections = Object.values(SettingSection).map((section) => {
    const rows = STACK_SETTING_NAMES.filter((n) => declarationOf(n).section === section).map(
      (n) => {
        const d = declarationOf(n);
        const pulumiDefault = pulumiDefaultOf(n);
        return [
          `\`${n}\``,
          typeWord(d),
          pulumiDefault === undefined ? "required" : shown(pulumiDefault),
          d.description,
        ];
      },
    );
    return `## ${section}\n\n${table(["key", "type", "default", "meaning"], rows)}`;
  });
  const portRows = PORT_NAMES.map((name: keyof AgentPorts) => [
    `\`${name}\``,
    shown(DEFAULT_GLOBAL_PORTS[name]),
    shown(DEFAULT_INTERNAL_PORTS[name]),
  ]);
  const registratorDefaults: Readonly<Record<string, unknown>> = DEFAULT_REGISTRATOR_SETTINGS;
  const registratorRows = Object.keys(declarationOf("registrator").fields ?? {}).map((field) => [
    `\`${field}\``,
    shownOrUnset(registratorDefaults[field], "registrator's own"),
  ]);
  const serviceDefaults: Readonly<Record<string, unknown>> = DEFAULT_SERVICE_SETTINGS;
  const serviceRows = Object.keys(declarationOf("service").fields ?? {}).map((field) => [
    `\`${field}\``,
    shownOrUnset(serviceDefaults[field], "the image's"),
  ]);
  const formerRows = Object.entries(FORMER_NAMES).map(([former, current]) => [
    `\`${former}\``,
    `\`${current}\``,
  ]);
  const outputRows = HOST_OUTPUT_NAMES.map((name) => {
    const o: { readonly description: string; readonly secret?: boolean } = HOST_OUTPUTS[name];
    return [`\`${name}\``, o.secret ? "yes" : "", o.description];
  });
  return `<!-- Generated from core/host-settings.ts, program/settings.ts and components/host-outputs.ts by \`npm run docs:config\`; do not edit. -->

# Configuration reference

All keys are in the \`${CONFIG_NAMESPACE}:\` namespace. Each is declared once, with its type,
default, meaning and check: a host's settings in \`core/host-settings.ts\` (the same names are
\`ConsulHost\`'s arguments), the stack program's own settings and defaults in
\`program/settings.ts\`. The \`config:\` block of \`Pulumi.yaml\` and this page are generated from
that declaration (\`npm run docs:config\`), and a unit test fails when either differs from it.

Pulumi requires every declared key that has no default, so each optional key has a default that
means "not given" (\`0\`, \`[]\`, \`""\`). Pulumi also refuses a plaintext default on a key
marked secret, so the secret keys are not marked secret in \`Pulumi.yaml\`; instead the program
refuses them unless they were set with \`--secret\`.

${sections.join("\n\n")}

## Fields of the object settings

\`globalPorts\` and \`internalPorts\` override single ports of the global and the internal server:

${table(["port", "global default", "internal default"], portRows)}

\`registrator\` sets the options of both of this host's registrators:

${table(["field", "default"], registratorRows)}

\`service\` describes the service container every host runs; the fields given replace the
defaults one by one:

${table(["field", "default"], serviceRows)}

## Renamed keys

A stack that still sets a key under its former name keeps working: the program reads it as the
current key and warns at every preview, naming the command that renames it. Setting both is an
error.

${table(["former key", "current key"], formerRows)}

## Docker and Consul providers

Default providers for \`docker\` and \`consul\` are disabled in \`Pulumi.yaml\`
(\`pulumi:disable-default-providers\`): every resource uses the provider this program builds from
the stack's own config, never an ambient \`DOCKER_HOST\`: while \`DOCKER_HOST\` names another engine
and \`dockerHost\` is not set, the program refuses to run and says how to pin that engine
(\`pulumi config set distributed-consul:dockerHost "$DOCKER_HOST"\`) or to unset the variable; when
\`dockerHost\` is set, it wins and the program says that \`DOCKER_HOST\` is not used. The docker
provider lets \`DOCKER_CONTEXT\` override its host, so the program refuses to run while
\`DOCKER_CONTEXT\` is set. A local engine (\`unix://\`) is asked what it is (\`docker info\`): Docker
Desktop, whose host networking binds inside its VM, is refused at preview.

## Stack outputs

Each stack exports its host's outputs, \`ConsulHost\`'s own (\`components/host-outputs.ts\`); an
output that is absent (a feature turned off) is not exported. A joining stack reads the bootstrap
stack's \`cluster\`.

${table(["output", "secret", "meaning"], outputRows)}
`;
}

/** The generated \`config:\` entries of Pulumi.yaml, before formatting. */
function pulumiYamlEntries(): string {
  const scalar = (value: unknown): string =>
    yaml.dump(value, { flowLevel: 0, lineWidth: -1 }).trimEnd();
  return STACK_SETTING_NAMES.map((name) => {
    const d = declarationOf(name);
    const pulumiDefault = pulumiDefaultOf(name);
    const lines = [`  ${name}:`, `    type: ${d.type}`];
    if (d.items) lines.push("    items:", `      type: ${d.items}`);
    lines.push(`    description: ${scalar(d.description)}`);
    if (pulumiDefault !== undefined) lines.push(`    default: ${scalar(pulumiDefault)}`);
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

/** What components/host-arguments.ts must hold. */
export function expectedHostArguments(): Promise<string> {
  return formatted(hostArgumentsSource(), HOST_ARGUMENTS_FILE);
}

/** What components/consul-host.ts must hold, given its current text (its outputs block). */
export function expectedConsulHost(current: string): Promise<string> {
  return formatted(consulHostSource(current), CONSUL_HOST_FILE);
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
    [HOST_ARGUMENTS_FILE, () => expectedHostArguments()],
    [CONSUL_HOST_FILE, expectedConsulHost],
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
