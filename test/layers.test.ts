// The layering rule (.dependency-cruiser.cjs, `npm run layers`) fails on what it forbids: tried on
// a scratch tree with a circle and upward imports. `npm test` runs it over this repository first.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = path.join(ROOT, "node_modules", ".bin", "depcruise");

/** Runs the layering check over `paths` in `cwd`; its exit status and report. */
function cruise(cwd: string, paths: string[]): { status: number | null; report: string } {
  const run = spawnSync(DEPCRUISE, ["--config", CONFIG, ...paths], { cwd, encoding: "utf8" });
  return { status: run.status, report: `${run.stdout}${run.stderr}` };
}

describe("layering (dependency-cruiser)", function () {
  this.timeout(60_000);

  it("fails on a circle, an upward import, Pulumi in core/, an import of test/ and a deep path into the library", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layers-"));
    try {
      const files: Record<string, string> = {
        "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }),
        "core/pure.ts": 'import { b } from "../components/b";\nexport const a = b;\n',
        "core/sdk.ts": 'import * as pulumi from "@pulumi/pulumi";\nexport const p = pulumi;\n',
        "components/b.ts": 'import { c } from "./c";\nexport const b = c;\n',
        "components/c.ts": 'import { b } from "./b";\nexport const c = () => b;\n',
        "operations/roll.ts": 'import { x } from "../program/x";\nexport const r = x;\n',
        "program/x.ts": 'import { h } from "../test/helper";\nexport const x = h;\n',
        "test/helper.ts": "export const h = 1;\n",
        "components/index.ts": 'export { b } from "./b";\n',
        "program/deep.ts": 'import { b } from "../components/b";\nexport const d = b;\n',
        "program/entry.ts": 'import { b } from "../components";\nexport const e = b;\n',
        "node_modules/@pulumi/pulumi/index.js": "module.exports = {};\n",
        "node_modules/@pulumi/pulumi/package.json": '{"name":"@pulumi/pulumi","main":"index.js"}',
      };
      for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      }
      const { status, report } = cruise(dir, ["core", "components", "operations", "program"]);
      assert.notStrictEqual(status, 0, report);
      for (const rule of [
        "no-circular",
        "core-is-pure",
        "operations-below-program",
        "nothing-imports-test",
        "library-through-its-entry",
      ]) {
        assert.match(report, new RegExp(`error ${rule}:`), `${rule} not reported:\n${report}`);
      }
      assert.match(report, /core\/pure\.ts → components\/b\.ts/);
      assert.match(report, /library-through-its-entry: program\/deep\.ts → components\/b\.ts/);
      assert.doesNotMatch(report, /program\/entry\.ts/, "the entry is the way in");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
