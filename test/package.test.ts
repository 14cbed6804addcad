// The library as the npm package ships it: what `npm pack` puts in the tarball, and what importing
// the built entry does (nothing but define). `npm test` builds dist/ (`npm run build:package`)
// before the suite runs; these tests read that build, not the TypeScript sources.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Registration, installMocks } from "./harness";

const ROOT = path.join(__dirname, "..");
const DIST = path.join(ROOT, "dist");

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  main: string;
  types: string;
  exports: { ".": { types: string; default: string } };
  engines: { node: string };
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
}

const packageJson = JSON.parse(
  fs.readFileSync(path.join(ROOT, "package.json"), "utf8"),
) as PackageJson;

/** The library's sources: every file the package compiles (components/, core/). */
function librarySources(): string[] {
  return ["components", "core"].flatMap((dir) =>
    fs
      .readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `${dir}/${f.replace(/\.ts$/, "")}`),
  );
}

function requireBuild(): void {
  assert.ok(
    fs.existsSync(path.join(ROOT, packageJson.main)),
    `${packageJson.main} is missing: run \`npm run build:package\` (npm test does)`,
  );
}

/** The paths `npm pack` would put in the tarball (no scripts run: dist/ is the current build). */
function packedFiles(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return pack.files.map((f) => f.path).sort();
}

describe("the npm package distributed-consul", () => {
  it("is named and versioned for publishing, its entry the compiled components/index.ts", () => {
    assert.strictEqual(packageJson.name, "distributed-consul");
    assert.strictEqual(packageJson.version, "0.2.0");
    assert.strictEqual(packageJson.private, undefined);
    assert.strictEqual(packageJson.main, "dist/components/index.js");
    assert.strictEqual(packageJson.types, "dist/components/index.d.ts");
    assert.deepStrictEqual(packageJson.exports["."], {
      types: "./dist/components/index.d.ts",
      default: "./dist/components/index.js",
    });
    assert.match(packageJson.scripts.prepare, /build:package/);
  });

  it("takes the Pulumi SDKs as peers, from the versions CI tests, which it develops against", () => {
    const sdks = ["@pulumi/consul", "@pulumi/docker", "@pulumi/pulumi", "@pulumi/random"];
    assert.deepStrictEqual(Object.keys(packageJson.peerDependencies).sort(), sdks);
    for (const sdk of sdks) {
      assert.ok(!(sdk in packageJson.dependencies), `${sdk} is a dependency`);
      const tested = packageJson.devDependencies[sdk];
      assert.match(tested, /^\d+\.\d+\.\d+$/, `${sdk}: an exact version for the repository`);
      assert.strictEqual(packageJson.peerDependencies[sdk], `^${tested}`, sdk);
    }
    assert.deepStrictEqual(Object.keys(packageJson.dependencies).sort(), [
      "@peculiar/asn1-schema",
      "@peculiar/asn1-x509",
    ]);
  });

  it("packs the compiled library with declarations and maps, its docs, and no tests", function () {
    this.timeout(60_000);
    requireBuild();
    const files = packedFiles();
    for (const source of librarySources()) {
      for (const ext of [".js", ".js.map", ".d.ts", ".d.ts.map"]) {
        assert.ok(files.includes(`dist/${source}${ext}`), `dist/${source}${ext} not packed`);
      }
      assert.ok(files.includes(`${source}.ts`), `${source}.ts (the declaration maps' source)`);
    }
    for (const file of ["package.json", "README.md", "LICENSE", "CHANGELOG.md"]) {
      assert.ok(files.includes(file), `${file} not packed`);
    }
    assert.ok(files.includes("docs/composing.md"));
    const unwanted = files.filter((f) =>
      /^(test|program|operations|bench|testbed|examples|component-package|\.ci)\/|^index\.ts$|^Pulumi.*\.yaml$|^tsconfig|\.test\.|fixtures/.test(
        f,
      ),
    );
    assert.deepStrictEqual(unwanted, []);
  });

  it("registers no resource when its entry is required (under Pulumi's mocks)", async () => {
    requireBuild();
    const registrations: Registration[] = [];
    await installMocks(registrations);
    // A fresh load of the build, even if another test in this process loaded it already.
    for (const id of Object.keys(require.cache)) {
      if (id.startsWith(DIST + path.sep)) delete require.cache[id];
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as a CommonJS user loads it
    const entry = require(path.join(ROOT, packageJson.exports["."].default)) as Record<
      string,
      unknown
    >;
    // Registrations are sent asynchronously: give any a chance to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepStrictEqual(registrations, []);
    for (const name of [
      "ConsulHost",
      "GlobalConsul",
      "InternalDc",
      "Registrator",
      "ConsulService",
      "checkTopology",
    ]) {
      assert.strictEqual(typeof entry[name], "function", name);
    }
  });
});
