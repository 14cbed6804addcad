import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  AGENT_TOKEN_ENV,
  MANAGEMENT_TOKEN_ENV,
  TLS_KEY_ENV,
  agentStartScript,
} from "../core/agent-start";
import { TLS_FILES } from "../core/agent-config";

const MANAGEMENT = "11111111-1111-4111-8111-111111111111";
const AGENT = "22222222-2222-4222-8222-222222222222";

/**
 * Runs a start script in a real `sh` with `consul` and `docker-entrypoint.sh` replaced by stubs
 * that log their arguments and environment; `consul acl token read -self` fails until the stub
 * has seen `acl token create`. Resolves to the log lines once the background loop has finished.
 */
function runScript(
  script: string,
  env: Record<string, string>,
  opts: { tokenExists?: boolean; waitFor?: string } = {},
): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-start-"));
  const log = path.join(dir, "log");
  if (opts.tokenExists) fs.writeFileSync(path.join(dir, "created"), "");
  fs.writeFileSync(
    path.join(dir, "consul"),
    [
      "#!/bin/sh",
      `echo "consul $* token=$CONSUL_HTTP_TOKEN addr=$CONSUL_HTTP_ADDR" >> ${log}`,
      `if [ "$3" = read ]; then [ -f ${dir}/created ]; exit $?; fi`,
      `if [ "$3" = create ]; then touch ${dir}/created; fi`,
    ].join("\n"),
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(dir, "docker-entrypoint.sh"),
    `#!/bin/sh\necho "entrypoint $*" >> ${log}\n`,
    { mode: 0o755 },
  );
  const result = spawnSync("sh", ["-c", `${script}\nwait`], {
    env: { PATH: `${dir}:/usr/bin:/bin`, ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  // The entrypoint is exec'ed; the background loop is its sibling: wait for its last line.
  const done = (): boolean =>
    opts.waitFor === undefined ||
    fs.readFileSync(log, "utf8").split(opts.waitFor).length > (opts.tokenExists ? 1 : 2);
  for (let i = 0; i < 100 && !done(); i++) spawnSync("sleep", ["0.1"]);
  assert.strictEqual(result.status, 0, result.stderr);
  const lines = fs.readFileSync(log, "utf8").trim().split("\n");
  fs.rmSync(dir, { recursive: true, force: true });
  return lines;
}

describe("server container start script (pure core)", () => {
  it("registers the agent's own token with the management token, then stops asking", () => {
    const script = agentStartScript({
      tlsKey: false,
      registerAgentToken: { nodeName: "node1", datacenter: "dc1", httpPort: 8500 },
    });
    const lines = runScript(
      script,
      { [MANAGEMENT_TOKEN_ENV]: MANAGEMENT, [AGENT_TOKEN_ENV]: AGENT },
      { waitFor: "read -self" },
    );
    assert.ok(lines.includes("entrypoint agent"), lines.join("\n"));
    const create = lines.filter((l) => l.startsWith("consul acl token create"));
    assert.strictEqual(create.length, 1, lines.join("\n"));
    assert.match(create[0], new RegExp(`-secret=${AGENT} `));
    assert.match(create[0], / -node-identity=node1:dc1 /);
    assert.match(create[0], new RegExp(`token=${MANAGEMENT} addr=http://127.0.0.1:8500$`));
    // Asked with the agent's own token; after the create, the read succeeds and the loop ends.
    const reads = lines.filter((l) => l.startsWith("consul acl token read -self"));
    assert.ok(
      reads.every((l) => l.includes(`token=${AGENT}`)),
      reads.join("\n"),
    );
    assert.strictEqual(reads.length, 2, lines.join("\n"));
  });

  it("does not create the token again when it already answers (a restart)", () => {
    const script = agentStartScript({
      tlsKey: false,
      registerAgentToken: { nodeName: "node1", datacenter: "dc1", httpPort: 8500 },
    });
    const lines = runScript(
      script,
      { [MANAGEMENT_TOKEN_ENV]: MANAGEMENT, [AGENT_TOKEN_ENV]: AGENT },
      { tokenExists: true, waitFor: "read -self" },
    ).filter((l) => !l.startsWith("entrypoint"));
    assert.deepStrictEqual(lines, [
      `consul acl token read -self token=${AGENT} addr=http://127.0.0.1:8500`,
    ]);
  });

  it("never writes a secret into the script; secrets come from the environment", () => {
    const script = agentStartScript({
      tlsKey: true,
      registerAgentToken: { nodeName: "node1", datacenter: "dc1", httpPort: 8500 },
    });
    for (const name of [TLS_KEY_ENV, MANAGEMENT_TOKEN_ENV, AGENT_TOKEN_ENV]) {
      assert.ok(script.includes(`"$${name}"`), name);
    }
    assert.ok(script.includes(TLS_FILES.privateKey));
    assert.strictEqual(spawnSync("sh", ["-n", "-c", script]).status, 0, "sh syntax");
  });

  it("without TLS or a token to register, only hands over to the image's entrypoint", () => {
    const lines = runScript(agentStartScript({ tlsKey: false }), {});
    assert.deepStrictEqual(lines, ["entrypoint agent"]);
  });
});
