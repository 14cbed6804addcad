// The component package (component-package/) as Pulumi infers its schema for YAML, Python and the other
// languages: the same analyzer `pulumi package get-schema` runs, here offline and without the CLI,
// on a copy outside this checkout whose node_modules holds what its `npm install` gives it: the
// package distributed-consul (this repository, linked) and the Pulumi SDKs. The analyzer reads the
// package's shipped TypeScript sources, as component-package/tsconfig.json maps the name (the
// declarations lose what makes an enum an enum); `npm test` builds dist/ first.
// It refuses argument types it cannot express (readonly arrays, string-literal unions, anonymous
// or Omit<> types...), so a change that makes an argument inexpressible fails here.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { AnalyzeResult, Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";

const ROOT = path.join(__dirname, "..");
const SOURCE = path.join(ROOT, "component-package");
const COMPONENTS = [
  "ConsulHost",
  "GlobalConsul",
  "InternalDc",
  "Registrator",
  "ConsulService",
  "ScheduledSnapshots",
  "ConsulAclToken",
  "AnonymousDnsAccess",
  "CertificateAuthority",
];

/**
 * component-package/ copied to a temporary folder, with node_modules as `npm install` makes it
 * there (linked, not copied): distributed-consul is this repository (its package.json names the
 * built entry), the Pulumi SDKs this repository's.
 */
function standaloneCopy(): string {
  assert.ok(
    fs.existsSync(path.join(ROOT, "dist", "components", "index.d.ts")),
    "dist/ is missing: run `npm run build:package` (npm test does)",
  );
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "component-package-")), "package");
  fs.cpSync(SOURCE, dir, {
    recursive: true,
    filter: (src) => path.basename(src) !== "node_modules",
  });
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "distributed-consul"), "dir");
  fs.symlinkSync(
    path.join(ROOT, "node_modules", "@pulumi"),
    path.join(dir, "node_modules", "@pulumi"),
    "dir",
  );
  return dir;
}

let analyzed: AnalyzeResult | undefined;
function schema(): AnalyzeResult {
  if (analyzed) return analyzed;
  const dir = standaloneCopy();
  try {
    const packageJson = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      name: string;
    };
    analyzed = new Analyzer(dir, packageJson.name, packageJson, new Set(COMPONENTS)).analyze();
    return analyzed;
  } finally {
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }
}

describe("the component package's schema (component-package/)", () => {
  it("is named distributed-consul and holds the components", () => {
    const packageJson = JSON.parse(fs.readFileSync(path.join(SOURCE, "package.json"), "utf8")) as {
      name: string;
      dependencies: Record<string, string>;
    };
    assert.strictEqual(packageJson.name, "distributed-consul");
    // It stands alone: it installs the library and the Pulumi SDKs it serves them with.
    assert.deepStrictEqual(Object.keys(packageJson.dependencies).sort(), [
      "@pulumi/consul",
      "@pulumi/docker",
      "@pulumi/pulumi",
      "@pulumi/random",
      "distributed-consul",
    ]);
    assert.deepStrictEqual(Object.keys(schema().components).sort(), [...COMPONENTS].sort());
  });

  it("describes every component and argument from its TSDoc", () => {
    for (const [name, component] of Object.entries(schema().components)) {
      assert.ok(component.description, `${name} has no description`);
      for (const [input, definition] of Object.entries(component.inputs)) {
        assert.ok(definition.description, `${name}.${input} has no description`);
      }
    }
  });

  it("gives the arguments a composing program needs, required ones marked so", () => {
    const inputs = (c: string): string[] => Object.keys(schema().components[c].inputs).sort();
    const required = (c: string): string[] =>
      Object.entries(schema().components[c].inputs)
        .filter(([, d]) => !d.optional)
        .map(([n]) => n)
        .sort();
    assert.deepStrictEqual(inputs("GlobalConsul"), [
      "acl",
      "aclEnabled",
      "bootstrap",
      "bootstrapExpect",
      "consulImage",
      "dockerBridgeAddress",
      "dockerHost",
      "extraConfig",
      "globalDatacenter",
      "globalPorts",
      "globalResources",
      "gossipEncryption",
      "gossipKey",
      "hostAddress",
      "joinAddresses",
      "keepDataOnDestroy",
      "logLevel",
      "metrics",
      "nodeName",
      "recursors",
      "role",
      "serverCount",
      "snapshots",
      "tls",
      "tlsEnabled",
      "ui",
      "waitTimeoutSeconds",
    ]);
    // The opt-outs of the secure defaults, for every language.
    for (const server of ["GlobalConsul", "InternalDc"]) {
      for (const flag of ["aclEnabled", "tlsEnabled", "gossipEncryption"]) {
        assert.ok(inputs(server).includes(flag), `${server}.${flag}`);
      }
    }
    assert.ok(inputs("Registrator").includes("aclEnabled"));
    // What a joining server needs from the bootstrap one, readable from every language.
    const globalOutputs = Object.keys(schema().components.GlobalConsul.outputs);
    for (const output of ["gossipKey", "managementToken", "caCertificate", "caPrivateKey"]) {
      assert.ok(globalOutputs.includes(output), `GlobalConsul output ${output}`);
    }
    assert.deepStrictEqual(required("GlobalConsul"), ["hostAddress", "nodeName"]);
    assert.deepStrictEqual(required("InternalDc"), [
      "hostAddress",
      "internalDatacenter",
      "nodeName",
      "wanJoinAddresses",
    ]);
    assert.deepStrictEqual(required("Registrator"), ["consulAddress", "containerName"]);
    assert.deepStrictEqual(required("ConsulAclToken"), ["api", "description"]);
    assert.deepStrictEqual(inputs("ConsulAclToken"), [
      "api",
      "description",
      "nodeIdentity",
      "policyName",
      "rules",
    ]);
    assert.deepStrictEqual(Object.keys(schema().components.CertificateAuthority.outputs).sort(), [
      "certificatePem",
      "privateKeyPem",
    ]);
    assert.deepStrictEqual(required("ConsulHost"), [
      "hostAddress",
      "internalDatacenter",
      "nodeName",
    ]);
    // What the next host needs comes out as one object, and goes back in as one argument.
    assert.ok("cluster" in schema().components.ConsulHost.outputs);
    assert.ok("cluster" in schema().components.ConsulHost.inputs);
    assert.deepStrictEqual(required("ConsulService"), [
      "containerName",
      "dnsServer",
      "hostAddress",
      "image",
      "ports",
    ]);
  });

  it("turns every value that is one of a set into an enum", () => {
    const enums = Object.fromEntries(
      Object.entries(schema().typeDefinitions)
        .filter(([, t]) => t.enum !== undefined)
        .map(([name, t]) => [name, (t.enum ?? []).map((e) => e.value)]),
    );
    assert.deepStrictEqual(enums, {
      CheckKind: ["http", "tcp"],
      DeregisterMode: ["always", "on-success"],
      HostRole: ["server", "client"],
      LogLevel: ["trace", "debug", "info", "warn", "error"],
      Protocol: ["tcp", "udp"],
    });
  });

  it("takes no resource reference as an argument (other languages could not pass one)", () => {
    assert.ok(
      !("Resource" in schema().typeDefinitions),
      Object.keys(schema().typeDefinitions).join(", "),
    );
  });

  it("has every input and output the YAML example uses (caught a renamed output once)", () => {
    const program = yaml.load(
      fs.readFileSync(path.join(__dirname, "..", "examples", "yaml", "Pulumi.yaml"), "utf8"),
    ) as { resources: Record<string, { type: string; properties?: Record<string, unknown> }> };
    const ours = Object.entries(program.resources).filter(([, r]) =>
      r.type.startsWith("distributed-consul:"),
    );
    const componentOf = (type: string) => schema().components[type.split(":").pop() ?? ""];
    const problems: string[] = [];
    for (const [name, r] of ours) {
      const component = componentOf(r.type);
      if (!component) problems.push(`${name}: no component ${r.type}`);
      for (const input of Object.keys(r.properties ?? {})) {
        if (component && !(input in component.inputs)) problems.push(`${name}.${input}: no input`);
      }
    }
    const text = fs.readFileSync(
      path.join(__dirname, "..", "examples", "yaml", "Pulumi.yaml"),
      "utf8",
    );
    for (const [, resource, output] of text.matchAll(/\$\{(\w+)\.(\w+)\}/g)) {
      const r = program.resources[resource];
      if (!r || !r.type.startsWith("distributed-consul:")) continue;
      const component = componentOf(r.type);
      if (component && !(output in component.outputs))
        problems.push(`${resource}.${output}: no output`);
    }
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(
      ours.map(([, r]) => r.type),
      ["distributed-consul:ConsulHost"],
      "the example is one ConsulHost",
    );
  });
});
