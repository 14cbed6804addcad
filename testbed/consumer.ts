// A user's own Pulumi project that installs the package: the README's TypeScript example pointed
// at the test hosts, next to a resource of its own. The real suite's consumer step
// (test/e2e/consumer.e2e.ts) writes it into a temporary folder outside the checkout; the unit
// suite checks that the README still holds an example this can point at.
import * as fs from "fs";
import * as path from "path";
import { TestEnvironment, TestHost } from "./environment";

const ROOT = path.join(__dirname, "..");
/** The addresses and Docker engines the README's example names, in its order (node1, node2). */
const README_ADDRESSES = ["192.168.99.100", "192.168.99.101"];
const README_DOCKER_HOSTS = ["ssh://docker@192.168.99.100", "ssh://docker@192.168.99.101"];
/** The import line of the README's example, after which the consumer's own lines go. */
const PACKAGE_IMPORT = /^import \{ ConsulHost \} from "distributed-consul";$/m;

/** What the consumer's program takes from the test setup besides the hosts. */
export type ConsumerSettings = Pick<TestEnvironment, "bridgeAddress" | "images">;

/** The README's TypeScript example: the first `ts` block under "Compose a host". */
export function readmeExample(
  readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8"),
): string {
  const section = readme.slice(Math.max(0, readme.indexOf("## Compose a host")));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("README.md has no TypeScript example under 'Compose a host'");
  return block[1];
}

/**
 * The consumer's program: `example` (the README's) with the test hosts' Docker engines and
 * addresses for the README's, the test setup's bridge address and image overrides as arguments of
 * both hosts, a resource of its own (a `random.RandomPet`), and the outputs the checks read
 * (`pet`, `node1Api`, `node2Api`, `caCertificate`, `managementToken`). Throws when the example no
 * longer has what this replaces.
 */
export function consumerProgram(
  example: string,
  hosts: readonly [TestHost, TestHost],
  settings: ConsumerSettings,
): string {
  let program = example;
  const replaceAll = (from: string, to: string): void => {
    if (!program.includes(`"${from}"`)) {
      throw new Error(`The README's TypeScript example no longer names "${from}"`);
    }
    program = program.split(`"${from}"`).join(JSON.stringify(to));
  };
  README_DOCKER_HOSTS.forEach((dockerHost, i) => replaceAll(dockerHost, hosts[i].dockerHost));
  README_ADDRESSES.forEach((address, i) => replaceAll(address, hosts[i].ip));
  if (
    (program.match(/nodeName: "node[12]",/g) ?? []).length !== 2 ||
    !PACKAGE_IMPORT.test(program)
  ) {
    throw new Error(
      'The README\'s TypeScript example no longer imports ConsulHost from "distributed-consul" ' +
        "and composes node1 and node2",
    );
  }
  program = program.replace(/nodeName: "(node[12])",/g, '...testHosts, nodeName: "$1",');
  const consulImage = settings.images["distributed-consul:consulImage"];
  const registratorImage = settings.images["distributed-consul:registrator.image"];
  const testHosts = {
    dockerBridgeAddress: settings.bridgeAddress,
    ...(consulImage === undefined ? {} : { consulImage }),
    ...(registratorImage === undefined ? {} : { registrator: { image: registratorImage } }),
  };
  program = program.replace(
    PACKAGE_IMPORT,
    (line) =>
      `${line}\nimport * as random from "@pulumi/random";\n\n` +
      `// What the test hosts need besides the README's arguments.\n` +
      `const testHosts = ${JSON.stringify(testHosts)};`,
  );
  return [
    program.trimEnd(),
    "",
    "// The consumer's own resource, next to the package's, and what the checks read.",
    'export const pet = new random.RandomPet("pet").id;',
    "export const node1Api = node1.globalApiAddress;",
    "export const node2Api = node2.globalApiAddress;",
    "export const caCertificate = node1.tlsCaCertificate;",
    "export const managementToken = node1.aclManagementToken;",
    "",
  ].join("\n");
}

/**
 * Writes the consumer project into `dir` (made here): a package.json that depends on `tarball`
 * and on the Pulumi SDKs, TypeScript and Node's types at this repository's versions; a strict
 * tsconfig.json; a Pulumi.yaml (default docker and consul providers off, as the README's example
 * passes its own); and `program` as index.ts.
 */
export function writeConsumerProject(dir: string, tarball: string, program: string): void {
  const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const pinned = (names: string[]): Record<string, string> =>
    Object.fromEntries(names.map((name) => [name, ours.devDependencies[name]]));
  const packageJson = {
    name: "consumer",
    private: true,
    main: "index.ts",
    dependencies: {
      "distributed-consul": `file:${tarball}`,
      ...pinned(["@pulumi/pulumi", "@pulumi/docker", "@pulumi/consul", "@pulumi/random"]),
    },
    devDependencies: pinned(["typescript", "@types/node"]),
  };
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noImplicitReturns: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      target: "ES2022",
      module: "commonjs",
      moduleResolution: "node",
      esModuleInterop: true,
      skipLibCheck: true,
      types: ["node"],
    },
    files: ["index.ts"],
  };
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    [
      "name: consumer",
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    typescript: true",
      "config:",
      "  pulumi:disable-default-providers:",
      '    value: ["docker", "consul"]',
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(dir, "index.ts"), program);
}
