// npm run roll and npm run restore find the stacks where the deploy:* scripts put them.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stateBackendUrl, useStateBackend } from "../operations/state-backend";

describe("the state backend of npm run roll and npm run restore", () => {
  it("is the deploy:* scripts' default, file://<project>/.pulumi-state, unless PULUMI_BACKEND_URL is set", () => {
    assert.deepStrictEqual(stateBackendUrl({}, "/home/me/distributed-consul"), {
      url: "file:///home/me/distributed-consul/.pulumi-state",
      defaulted: true,
    });
    assert.deepStrictEqual(stateBackendUrl({ PULUMI_BACKEND_URL: "" }, "/p").defaulted, true);
    assert.deepStrictEqual(
      stateBackendUrl({ PULUMI_BACKEND_URL: "s3://bucket/state" }, "/home/me/distributed-consul"),
      { url: "s3://bucket/state", defaulted: false },
    );
  });

  it("is the same default as package.json's deploy:* scripts", () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const name of ["deploy:node1", "deploy:node2", "deploy:node3"]) {
      assert.ok(
        scripts[name].includes(
          'PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"',
        ),
        name,
      );
    }
  });

  it("is set for the Pulumi CLI the Automation API runs, making the local folder", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "state-backend-"));
    const before = process.env.PULUMI_BACKEND_URL;
    try {
      delete process.env.PULUMI_BACKEND_URL;
      assert.strictEqual(useStateBackend(project), `file://${project}/.pulumi-state`);
      assert.strictEqual(process.env.PULUMI_BACKEND_URL, `file://${project}/.pulumi-state`);
      assert.ok(fs.statSync(path.join(project, ".pulumi-state")).isDirectory());
      process.env.PULUMI_BACKEND_URL = "file:///elsewhere";
      assert.strictEqual(useStateBackend(project), "file:///elsewhere");
    } finally {
      if (before === undefined) delete process.env.PULUMI_BACKEND_URL;
      else process.env.PULUMI_BACKEND_URL = before;
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
