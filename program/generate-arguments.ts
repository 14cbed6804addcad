// Generates components/host-arguments.ts from the one declaration of a host's settings
// (core/host-settings.ts): each setting as a declared property, typed and documented as the
// declaration says; and, from the one list of a host's outputs (components/host-outputs.ts), the
// block of components/consul-host.ts that declares ConsulHost's output properties. Pulumi's schema inference for other languages reads declared interface
// properties only (a type mapped from the declaration comes out untyped and undocumented), so
// the component arguments are written out here, never by hand; `npm run docs:config` writes the
// file and `test/config-reference.test.ts` fails when it is not current. The TypeScript types are
// checked equal to the ones derived from the declaration (components/host-args.ts).
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");
const SOURCE = path.join(ROOT, "core", "host-settings.ts");
/** The generated file. */
export const HOST_ARGUMENTS_FILE = path.join(ROOT, "components", "host-arguments.ts");

/** Where each type a setting's value may name comes from, relative to components/. */
const TYPE_MODULES: Readonly<Record<string, string>> = {
  AgentPorts: "../core/agent-ports",
  ExtraAgentConfig: "../core/extra-config",
  HostRole: "../core/host-role",
  LogLevel: "../core/log-level",
  RegistratorSettings: "../core/host-settings",
  ScheduledSnapshotSettings: "../core/host-settings",
  ServerResources: "../core/server-resources",
  ServiceSettings: "../core/host-settings",
  SnapshotSettings: "../core/host-settings",
};
const BUILT_IN = new Set(["string", "number", "boolean", "Partial"]);

/** One setting as the declaration's source states it. */
interface DeclaredSetting {
  readonly name: string;
  /** Its TSDoc comment, as written. */
  readonly doc: string;
  /** The value's type, as written (`optional<T, I>`'s T). */
  readonly type: string;
  /** Whether components take it as a `pulumi.Input` (`I`). */
  readonly input: boolean;
  /** Declared with `required(...)`. */
  readonly required: boolean;
  /** Declared with `agentWide(...)`. */
  readonly agent: boolean;
}

/** The object literal a top-level `const <name> = { … } (as const)` of `file` is made of. */
function objectLiteralNamed(file: ts.SourceFile, name: string): ts.ObjectLiteralExpression {
  for (const node of file.statements) {
    if (!ts.isVariableStatement(node)) continue;
    for (const d of node.declarationList.declarations) {
      if (d.name.getText(file) !== name || !d.initializer) continue;
      const init = ts.isAsExpression(d.initializer) ? d.initializer.expression : d.initializer;
      if (ts.isObjectLiteralExpression(init)) return init;
    }
  }
  throw new Error(`${file.fileName}: no ${name} object literal`);
}

/** The settings of `HOST_SETTINGS`, read from the declaration's source. */
export function declaredSettings(source = fs.readFileSync(SOURCE, "utf8")): DeclaredSetting[] {
  const file = ts.createSourceFile(SOURCE, source, ts.ScriptTarget.ES2022, true);
  return objectLiteralNamed(file, "HOST_SETTINGS").properties.map((property) => {
    if (!ts.isPropertyAssignment(property)) {
      throw new Error(`HOST_SETTINGS: ${property.getText(file)} is not name: declaration`);
    }
    const name = property.name.getText(file);
    let call = property.initializer;
    let agent = false;
    if (ts.isCallExpression(call) && call.expression.getText(file) === "agentWide") {
      agent = true;
      call = call.arguments[0];
    }
    if (!ts.isCallExpression(call) || call.typeArguments?.length !== 2) {
      throw new Error(`HOST_SETTINGS.${name}: declare it with optional/required/unset<T, I>(…)`);
    }
    const docs = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc);
    if (docs.length === 0) throw new Error(`HOST_SETTINGS.${name}: no TSDoc`);
    return {
      name,
      doc: docs.map((d) => d.getText(file)).join("\n"),
      type: call.typeArguments[0].getText(file),
      input: call.typeArguments[1].getText(file) === "true",
      required: call.expression.getText(file) === "required",
      agent,
    };
  });
}

/** A setting's type as a component argument: an Input (and a list of Inputs) where declared. */
function argumentType(setting: DeclaredSetting): string {
  if (!setting.input) return setting.type;
  const list = /^(.*)\[\]$/.exec(setting.type);
  return list ? `pulumi.Input<pulumi.Input<${list[1]}>[]>` : `pulumi.Input<${setting.type}>`;
}

/** The names a type text uses, each checked to be importable. */
function typeNames(settings: readonly DeclaredSetting[]): string[] {
  const names = new Set<string>();
  for (const s of settings) {
    for (const word of s.type.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
      if (BUILT_IN.has(word)) continue;
      if (!(word in TYPE_MODULES)) {
        throw new Error(`HOST_SETTINGS.${s.name}: add ${word}'s module to TYPE_MODULES`);
      }
      names.add(word);
    }
  }
  return [...names].sort();
}

/** The property lines of one interface. */
function properties(settings: readonly DeclaredSetting[]): string {
  return settings
    .map((s) => {
      const doc = s.doc
        .split("\n")
        .map((line) => `  ${line.trim().startsWith("*") ? ` ${line.trim()}` : line.trim()}`)
        .join("\n");
      return `${doc}\n  readonly ${s.name}${s.required ? "" : "?"}: ${argumentType(s)};`;
    })
    .join("\n");
}

/** The text components/host-arguments.ts must hold (before formatting). */
export function hostArgumentsSource(settings = declaredSettings()): string {
  const imports = new Map<string, string[]>();
  for (const name of typeNames(settings)) {
    const module = TYPE_MODULES[name];
    imports.set(module, [...(imports.get(module) ?? []), name]);
  }
  return `// Generated from core/host-settings.ts by \`npm run docs:config\`; do not edit.
import * as pulumi from "@pulumi/pulumi";
${[...imports].map(([module, names]) => `import type { ${names.join(", ")} } from "${module}";`).join("\n")}

/**
 * Every host setting as a component argument: the same names, meaning and defaults as the stack
 * settings (\`core/host-settings.ts\` declares each once; this file is generated from it).
 */
export interface HostArguments {
${properties(settings)}
}

/**
 * The settings every Consul agent takes unchanged (\`agentWide\` in the declaration), as the
 * arguments of every component that runs Consul servers.
 */
export interface AgentArguments {
${properties(settings.filter((s) => s.agent).map((s) => ({ ...s, required: false })))}
}
`;
}

const OUTPUTS_SOURCE = path.join(ROOT, "components", "host-outputs.ts");
/** The file whose marked block declares ConsulHost's output properties. */
export const CONSUL_HOST_FILE = path.join(ROOT, "components", "consul-host.ts");
/** The lines around the generated block in {@link CONSUL_HOST_FILE}. */
export const OUTPUTS_BEGIN =
  "// Generated from HOST_OUTPUTS (components/host-outputs.ts) by `npm run docs:config`; do not edit.";
export const OUTPUTS_END = "// End of the generated block.";

/** One output as `HOST_OUTPUTS`'s source states it. */
interface DeclaredOutput {
  readonly name: string;
  /** Its value's type, as written (`output<T>`'s T). */
  readonly type: string;
  /** Its description. */
  readonly description: string;
}

/** The outputs of `HOST_OUTPUTS`, read from their declaration's source. */
export function declaredOutputs(
  source = fs.readFileSync(OUTPUTS_SOURCE, "utf8"),
): DeclaredOutput[] {
  const file = ts.createSourceFile(OUTPUTS_SOURCE, source, ts.ScriptTarget.ES2022, true);
  return objectLiteralNamed(file, "HOST_OUTPUTS").properties.map((property) => {
    const name = property.name?.getText(file) ?? "?";
    const call = ts.isPropertyAssignment(property) ? property.initializer : undefined;
    const options = call && ts.isCallExpression(call) ? call.arguments[0] : undefined;
    if (!call || !ts.isCallExpression(call) || call.typeArguments?.length !== 1 || !options) {
      throw new Error(`HOST_OUTPUTS.${name}: declare it with output<T>({ … })`);
    }
    const description =
      ts.isObjectLiteralExpression(options) &&
      options.properties.find(
        (p): p is ts.PropertyAssignment =>
          ts.isPropertyAssignment(p) && p.name.getText(file) === "description",
      )?.initializer;
    if (!description || !ts.isStringLiteralLike(description)) {
      throw new Error(`HOST_OUTPUTS.${name}: give its description as a string literal`);
    }
    return { name, type: call.typeArguments[0].getText(file), description: description.text };
  });
}

/** The generated block of {@link CONSUL_HOST_FILE}: ConsulHost's output properties. */
export function consulHostOutputsBlock(outputs = declaredOutputs()): string {
  const properties = outputs
    .map((o) => `  /** ${o.description} */\n  readonly ${o.name}: pulumi.Output<${o.type}>;`)
    .join("\n");
  return `${OUTPUTS_BEGIN}
/**
 * ConsulHost's output properties, one per entry of \`HOST_OUTPUTS\` (declaration merging: the
 * constructor assigns each; Pulumi's schema inference reads them as the component's outputs).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface ConsulHost {
${properties}
}
${OUTPUTS_END}`;
}

/** {@link CONSUL_HOST_FILE}'s text with its generated block made current (before formatting). */
export function consulHostSource(current: string): string {
  const begin = current.indexOf(OUTPUTS_BEGIN);
  const end = current.indexOf(OUTPUTS_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      `${CONSUL_HOST_FILE}: no block between "${OUTPUTS_BEGIN}" and "${OUTPUTS_END}"`,
    );
  }
  return (
    current.slice(0, begin) + consulHostOutputsBlock() + current.slice(end + OUTPUTS_END.length)
  );
}
