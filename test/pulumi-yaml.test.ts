import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { FORMER_NAMES, SECRET_SETTING_NAMES } from "../program/settings";
import { readStackSettings } from "../program/stack-settings";
import { ProgramRun, readStackConfig, runProgram } from "./harness";

interface Declared {
  type?: string;
  description?: string;
  default?: unknown;
  secret?: boolean;
  value?: unknown;
}
const project = yaml.load(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
  name: string;
  main: string;
  runtime: { name: string };
  config: Record<string, Declared>;
};

/** Former names of renamed keys: read when a stack still sets them, never declared. */
const FORMER = Object.keys(FORMER_NAMES);

/** The keys the program reads with `readStackSettings`, found by watching it read. */
function keysReadBySettings(): string[] {
  const read: string[] = [];
  readStackSettings((name) => {
    read.push(name);
    return undefined;
  });
  return read.filter((key) => !FORMER.includes(key));
}

describe("Pulumi.yaml", () => {
  it("names the project and the Node.js runtime", () => {
    assert.strictEqual(project.name, "distributed-consul");
    assert.strictEqual(project.runtime.name, "nodejs");
  });

  it("runs the stack program, index.ts: package.json's main is the library's entry", () => {
    // Without `main`, Pulumi would run package.json's `exports`/`main`: the library, which
    // registers nothing.
    assert.strictEqual(project.main, "index.ts");
    const packageJson = JSON.parse(
      fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"),
    ) as { main: string };
    assert.notStrictEqual(packageJson.main, "index.ts");
  });

  it("disables the default docker and consul providers", () => {
    const disabled = project.config["pulumi:disable-default-providers"].value as string[];
    assert.ok(disabled.includes("docker") && disabled.includes("consul"), String(disabled));
  });

  it("declares every key the program reads, with a type and a description", () => {
    for (const key of keysReadBySettings()) {
      const declared = project.config[key];
      assert.ok(declared, `${key} is read but not declared`);
      assert.ok(declared.type, `${key} has no type`);
      assert.ok(declared.description, `${key} has no description`);
    }
  });

  it("declares no key the program does not read", () => {
    const read = new Set(keysReadBySettings());
    const declared = Object.keys(project.config).filter((k) => !k.includes(":"));
    assert.deepStrictEqual(
      declared.filter((k) => !read.has(k)),
      [],
    );
  });

  it("declares no former name of a renamed key (Pulumi would hand the program its default)", () => {
    assert.deepStrictEqual(
      FORMER.filter((k) => k in project.config),
      [],
    );
  });

  it("declares defaults that the program reads exactly as if the key were unset", () => {
    const unset = readStackSettings(() => undefined);
    // Only the required keys (no default) are missing from an empty config.
    assert.deepStrictEqual(
      unset.problems.map((p) => p.key),
      ["distributed-consul:nodeName", "distributed-consul:internalDatacenter"],
    );
    for (const [key, declared] of Object.entries(project.config)) {
      if (!("default" in declared)) continue;
      const text =
        typeof declared.default === "string" ? declared.default : JSON.stringify(declared.default);
      const withDefault = readStackSettings((name) => (name === key ? text : undefined));
      assert.deepStrictEqual(withDefault, unset, key);
    }
  });

  it("gives every optional key a default (a declared key without one is required by Pulumi)", () => {
    const required = Object.entries(project.config)
      .filter(([key, declared]) => !key.includes(":") && !("default" in declared))
      .map(([key]) => key);
    assert.deepStrictEqual(required, ["nodeName", "internalDatacenter"]);
  });

  it("defaults the secret keys to empty and does not mark them secret (Pulumi refuses a plaintext default on a secret key)", () => {
    assert.deepStrictEqual(SECRET_SETTING_NAMES, ["gossipKey", "aclManagementToken", "tlsCaKey"]);
    for (const key of SECRET_SETTING_NAMES) {
      assert.strictEqual(project.config[key].default, "", key);
      assert.strictEqual(project.config[key].secret, undefined, key);
      assert.match(String(project.config[key].description), /--secret/, key);
    }
  });

  it("deploys the same with Pulumi's project defaults merged in as without them", async () => {
    // The CLI hands the program every declared default the stack file lacks.
    const withDefaults = (stack: string): Record<string, string> => {
      const merged = readStackConfig(stack);
      for (const [key, declared] of Object.entries(project.config)) {
        const full = `distributed-consul:${key}`;
        if (!("default" in declared) || full in merged) continue;
        merged[full] =
          typeof declared.default === "string"
            ? declared.default
            : JSON.stringify(declared.default);
      }
      return merged;
    };
    // The generated CA's creation time is the clock's (kept in state by ignoreChanges in a real
    // deployment): left out, with what is built from it.
    const inputs = (run: ProgramRun): string =>
      JSON.stringify(run.registrations.map((r) => [r.type, r.name, r.inputs])).replace(
        /"createdAt":"[^"]*"|-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g,
        "(clock)",
      );
    const node1 = await runProgram(readStackConfig("node1"), {}, "node1");
    assert.strictEqual(inputs(await runProgram(withDefaults("node1"), {}, "node1")), inputs(node1));
    const refs = { "organization/distributed-consul/node1": node1.outputs };
    const node2 = await runProgram(readStackConfig("node2"), refs, "node2");
    assert.strictEqual(
      inputs(await runProgram(withDefaults("node2"), refs, "node2")),
      inputs(node2),
    );
  });
});
