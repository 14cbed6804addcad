import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
  ROOT,
  expectedConfigurationMd,
  expectedHostArguments,
  expectedPulumiYaml,
} from "../program/config-reference";
import { HOST_ARGUMENTS_FILE, declaredSettings } from "../program/generate-arguments";
import { HOST_SETTINGS } from "../core/host-settings";
import { HOST_OUTPUT_NAMES } from "../components/host-outputs";
import { DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { DEFAULT_REGISTRATOR_OPTIONS } from "../core/defaults";
import { DEFAULT_REGISTRATOR_SETTINGS, HostSettingName, defaultOf } from "../core/host-settings";
import {
  STACK_SETTINGS,
  STACK_SETTING_NAMES,
  StackSettingName,
  declarationOf,
  pulumiDefaultOf,
} from "../program/settings";
import { readStackConfig, runProgram } from "./harness";

const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("the settings declaration and what is generated from it", () => {
  it("Pulumi.yaml declares every setting with the declared type, description and default", () => {
    const config = (yaml.load(read("Pulumi.yaml")) as { config: Record<string, unknown> }).config;
    const declared = Object.keys(config).filter((k) => !k.includes(":"));
    assert.deepStrictEqual(declared, STACK_SETTING_NAMES);
    for (const name of STACK_SETTING_NAMES) {
      const d = declarationOf(name);
      const pulumiDefault = pulumiDefaultOf(name);
      const expected = {
        type: d.type,
        ...(d.items ? { items: { type: d.items } } : {}),
        description: d.description,
        ...(pulumiDefault !== undefined ? { default: pulumiDefault } : {}),
      };
      assert.deepStrictEqual(config[name], expected, `${name}: run npm run docs:config`);
    }
  });

  it("Pulumi.yaml is the text the generator writes", async () => {
    const current = read("Pulumi.yaml");
    assert.ok(current === (await expectedPulumiYaml(current)), "run npm run docs:config");
  });

  it("docs/configuration.md is the text the generator writes", async () => {
    const current = read("docs/configuration.md");
    assert.ok(current === (await expectedConfigurationMd()), "run npm run docs:config");
  });

  it("components/host-arguments.ts is the text the generator writes", async () => {
    const current = fs.readFileSync(HOST_ARGUMENTS_FILE, "utf8");
    assert.ok(current === (await expectedHostArguments()), "run npm run docs:config");
  });

  it("the generator reads every declared setting, required ones as declared", () => {
    const read = declaredSettings();
    assert.deepStrictEqual(
      read.map((s) => s.name),
      Object.keys(HOST_SETTINGS),
    );
    for (const s of read) {
      const declared = HOST_SETTINGS[s.name as keyof typeof HOST_SETTINGS] as {
        default?: unknown;
        example?: string;
        input: boolean;
        agent?: boolean;
      };
      assert.strictEqual(s.input, declared.input, `${s.name}: input`);
      assert.strictEqual(s.agent, declared.agent === true, `${s.name}: agent`);
      assert.strictEqual(
        s.required,
        declared.example !== undefined && declared.default === undefined,
        `${s.name}: required`,
      );
    }
  });

  it("docs/configuration.md lists every host output, which the program exports", async () => {
    const reference = read("docs/configuration.md");
    const outputs = reference.slice(reference.indexOf("## Stack outputs"));
    for (const name of HOST_OUTPUT_NAMES)
      assert.match(outputs, new RegExp(`^\\| \`${name}\` +\\|`, "m"));
    // node1's own config turns on everything that adds an output (ACLs, both registrators, the service).
    const run = await runProgram(readStackConfig("node1"), {}, "node1");
    const listed = HOST_OUTPUT_NAMES;
    // `default` is the module's own export = object, not an output.
    const exported = Object.keys(run.exports).filter((k) => k !== "default");
    assert.deepStrictEqual([...listed].sort(), exported.sort());
  });

  it("every setting's own check refuses a bad value, naming the key", () => {
    const bad: Partial<Record<StackSettingName, unknown>> = {
      nodeName: "node 1",
      internalDatacenter: "VM 1",
      globalDatacenter: "dc 1",
      dockerHost: "docker.example",
      dockerBridgeAddress: "172.17.0",
      dockerBridgeSubnet: "172.17.0.0",
      bootstrapExpect: 1.5,
      gossipKey: "short",
      consulImage: "hashicorp/consul:latest",
      internalPorts: { dns: 8600 },
      recursors: ["1.1.1.1", "one"],
    };
    for (const [name, value] of Object.entries(bad)) {
      const d = declarationOf(name as StackSettingName);
      assert.ok(d.check, `${name} declares no check`);
      const problems = d.check(`key:${name}`, value);
      assert.strictEqual(problems.length, 1, `${name}: ${JSON.stringify(problems)}`);
      assert.ok(problems[0].key.startsWith(`key:${name}`), problems[0].key);
      // …and accepts the declared default.
      if (d.default !== undefined) assert.deepStrictEqual(d.check(name, d.default), [], name);
    }
  });
});

/**
 * The `@default` tags of component arguments that restate a declared or shared default: the
 * component package shows them to YAML and Python users, so they must say what the code does.
 * Each entry: file, argument name, the value its every `@default` must state.
 */
const RESTATED_DEFAULTS: readonly [string, string, unknown][] = [
  ["components/consul-server-container.ts", "consulImage", STACK_SETTINGS.consulImage.default],
  [
    "components/consul-server-container.ts",
    "dockerBridgeAddress",
    STACK_SETTINGS.dockerBridgeAddress.default,
  ],
  ["components/host-arguments.ts", "logLevel", STACK_SETTINGS.logLevel.default],
  ["components/host-arguments.ts", "ui", STACK_SETTINGS.ui.default],
  ["components/host-arguments.ts", "recursors", STACK_SETTINGS.recursors.default],
  ["components/registrator.ts", "image", DEFAULT_REGISTRATOR_SETTINGS.image],
  ["components/global-consul.ts", "globalDatacenter", STACK_SETTINGS.globalDatacenter.default],
  // No overrides: Consul's own ports (DEFAULT_GLOBAL_PORTS, whose values the prose points at).
  ["components/global-consul.ts", "globalPorts", {}],
  ["components/internal-dc.ts", "globalDatacenter", STACK_SETTINGS.globalDatacenter.default],
  ["components/internal-dc.ts", "internalPorts", DEFAULT_INTERNAL_PORTS],
  ...(Object.entries(DEFAULT_REGISTRATOR_OPTIONS) as [string, unknown][]).map(
    ([field, value]): [string, string, unknown] => ["core/registrator-args.ts", field, value],
  ),
];

/**
 * The `@default` text of every TSDoc comment right above `readonly <name>` in `source` (or above
 * what `follows` matches).
 */
function defaultTags(source: string, name: string, follows = `readonly ${name}\\??:`): string[] {
  const pattern = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*${follows}`, "g");
  return [...source.matchAll(pattern)].flatMap((m) => {
    const tag = /@default (.*)/.exec(m[1]);
    return tag ? [tag[1].trim()] : [];
  });
}

/** A tag's text as a value: JSON when it parses, the text itself otherwise. */
function tagValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

describe("TSDoc @default tags that restate a default", () => {
  for (const [file, name, value] of RESTATED_DEFAULTS) {
    it(`${file}: ${name}`, () => {
      const tags = defaultTags(read(file), name);
      assert.ok(tags.length > 0, `no @default above readonly ${name} in ${file}`);
      for (const tag of tags) assert.deepStrictEqual(tagValue(tag), value, `@default ${tag}`);
    });
  }
});

describe("TSDoc @default tags of the settings declaration (ConsulHost's arguments show them)", () => {
  const source = read("core/host-settings.ts");
  for (const name of Object.keys(HOST_SETTINGS) as HostSettingName[]) {
    const value = defaultOf(name);
    // An object's default ({}: none given) is told in prose: what the component does without one.
    if (value === undefined || (typeof value === "object" && !Array.isArray(value))) continue;
    it(name, () => {
      const tags = defaultTags(source, name, `${name}: \\w+[<(]`);
      assert.strictEqual(tags.length, 1, `no @default above ${name} in core/host-settings.ts`);
      assert.deepStrictEqual(tagValue(tags[0]), value, `@default ${tags[0]}`);
    });
  }
});
