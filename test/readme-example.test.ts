// The README's TypeScript example is a program: with the test hosts put in (testbed/consumer.ts, as
// the real suite's consumer step deploys it from the installed package), it type-checks strictly
// against the library's entry, here the sources (`distributed-consul` mapped to
// components/index.ts).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { consumerProgram, readmeExample } from "../testbed/consumer";
import { TestHost } from "../testbed/environment";

const ROOT = path.join(__dirname, "..");
const HOSTS: [TestHost, TestHost] = [
  { stack: "node1", dockerHost: "unix:///run/dc-node1/docker.sock", ip: "10.1.0.11" },
  { stack: "node2", dockerHost: "unix:///run/dc-node2/docker.sock", ip: "10.1.0.12" },
];
const SETTINGS = {
  bridgeAddress: "172.18.0.1",
  images: { "distributed-consul:consulImage": "hashicorp/consul:1.22.7" },
};

/** Strict type errors of `program` compiled as a user's index.ts, one line each. */
function typeErrors(program: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-example-"));
  try {
    const file = path.join(dir, "index.ts");
    fs.writeFileSync(file, program);
    const compiled = ts.createProgram([file], {
      strict: true,
      noImplicitReturns: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [path.join(ROOT, "node_modules", "@types")],
      baseUrl: ROOT,
      paths: {
        "distributed-consul": ["components/index.ts"],
        "@pulumi/*": ["node_modules/@pulumi/*"],
      },
    });
    return ts
      .getPreEmitDiagnostics(compiled)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the README's TypeScript example", function () {
  this.timeout(60_000);

  it("imports ConsulHost from the package and makes its two docker providers", () => {
    const example = readmeExample();
    assert.match(example, /^import \{ ConsulHost \} from "distributed-consul";$/m);
    assert.strictEqual(example.match(/new docker\.Provider\(/g)?.length, 2);
    assert.strictEqual(example.match(/new ConsulHost\(/g)?.length, 2);
  });

  it("pointed at the test hosts, next to a resource of its own, type-checks strictly", () => {
    const program = consumerProgram(readmeExample(), HOSTS, SETTINGS);
    assert.ok(program.includes('"unix:///run/dc-node2/docker.sock"'), program);
    assert.ok(program.includes('hostAddress: "10.1.0.12"'), program);
    assert.ok(!program.includes("192.168.99.10"), program);
    assert.ok(program.includes('new random.RandomPet("pet")'), program);
    assert.deepStrictEqual(typeErrors(program), []);
  });

  it("fails to type-check a wrong argument (the check is not vacuous)", () => {
    const program = consumerProgram(readmeExample(), HOSTS, SETTINGS).replace(
      'internalDatacenter: "vm1"',
      "internalDatacenter: 1",
    );
    assert.notDeepStrictEqual(typeErrors(program), []);
  });

  it("is refused when the example no longer names what the consumer step replaces", () => {
    assert.throws(
      () =>
        consumerProgram(readmeExample().replace('"192.168.99.101"', '"10.0.0.2"'), HOSTS, SETTINGS),
      /no longer names "192\.168\.99\.101"/,
    );
  });
});
