import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { readStackSettings } from "../components/core/stack-settings";

interface Declared {
  type?: string;
  description?: string;
  default?: unknown;
  secret?: boolean;
  value?: unknown;
}
const project = yaml.load(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
  name: string;
  runtime: { name: string };
  config: Record<string, Declared>;
};

/** The keys the program reads with `readStackSettings`, found by watching it read. */
function keysReadBySettings(): string[] {
  const read: string[] = [];
  readStackSettings((name) => {
    read.push(name);
    return undefined;
  });
  return read;
}
/** Keys index.ts reads as secrets, outside readStackSettings. */
const SECRET_KEYS = ["gossipKey", "aclManagementToken"];

describe("Pulumi.yaml", () => {
  it("names the project and the Node.js runtime", () => {
    assert.strictEqual(project.name, "distributed-consul");
    assert.strictEqual(project.runtime.name, "nodejs");
  });

  it("disables the default docker and consul providers", () => {
    const disabled = project.config["pulumi:disable-default-providers"].value as string[];
    assert.ok(disabled.includes("docker") && disabled.includes("consul"), String(disabled));
  });

  it("declares every key the program reads, with a type and a description", () => {
    for (const key of [...keysReadBySettings(), ...SECRET_KEYS]) {
      const declared = project.config[key];
      assert.ok(declared, `${key} is read but not declared`);
      assert.ok(declared.type, `${key} has no type`);
      assert.ok(declared.description, `${key} has no description`);
    }
  });

  it("declares no key the program does not read", () => {
    const read = new Set([...keysReadBySettings(), ...SECRET_KEYS]);
    const declared = Object.keys(project.config).filter((k) => !k.includes(":"));
    assert.deepStrictEqual(
      declared.filter((k) => !read.has(k)),
      [],
    );
  });

  it("declares the same defaults the program applies", () => {
    const { settings, problems } = readStackSettings(() => undefined);
    // Only the required keys are missing from an empty config.
    assert.deepStrictEqual(
      problems.map((p) => p.key),
      [
        "distributed-consul:nodeName",
        "distributed-consul:nodeIp",
        "distributed-consul:internalDatacenter",
      ],
    );
    const applied = settings as unknown as Record<string, unknown>;
    for (const [key, declared] of Object.entries(project.config)) {
      if (!("default" in declared)) continue;
      assert.deepStrictEqual(applied[key], declared.default, key);
    }
  });

  it("marks the secret keys secret", () => {
    for (const key of SECRET_KEYS) assert.strictEqual(project.config[key].secret, true, key);
  });
});
