// The project as a user has it, in a scratch folder: the shipped program and stack files plus
// per-host overrides, deployed through Pulumi's Automation API on a file backend.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { TestEnvironment, TestHost } from "./environment";

const ROOT = path.join(__dirname, "..", "..");
/** What a deployment reads: the program, its components and the shipped project and stack files. */
const PROJECT_FILES = [
  "index.ts",
  "components",
  "Pulumi.yaml",
  "Pulumi.node1.yaml",
  "Pulumi.node2.yaml",
  "package.json",
  "tsconfig.json",
  "examples",
  "component-package",
];

/** A copy of the project with its own file backend; the checkout's stack files stay untouched. */
export interface ScratchProject {
  /** The copy's folder (the Pulumi project directory). */
  readonly dir: string;
  /** The file backend's folder: every state file and backup the suite makes. */
  readonly stateDir: string;
  /** Where every Pulumi operation's output is appended, for reading after a failure. */
  readonly logFile: string;
  /** Appends an operation's output to {@link logFile}. */
  log(text: string): void;
  /** The environment every Pulumi command of this project runs with (backend, passphrase). */
  readonly pulumiEnv: Record<string, string>;
  /**
   * `pulumi stack export` of a stack as a user runs it, secrets encrypted. (The Automation API's
   * `exportStack` passes `--show-secrets`, so it cannot tell what the state holds.)
   */
  exportState(stack: string): string;
  /** Removes the scratch folder. */
  remove(): void;
}

/** Copies the project (node_modules linked, not copied) next to a fresh file backend. */
export function scratchProject(): ScratchProject {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "dc-e2e-"));
  const dir = path.join(base, "project");
  const stateDir = path.join(base, "state");
  fs.mkdirSync(dir);
  fs.mkdirSync(stateDir);
  for (const entry of PROJECT_FILES) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  const logFile = path.join(base, "pulumi.log");
  const passphrase = `e2e-${process.pid}`;
  const pulumiEnv = {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  return {
    dir,
    stateDir,
    logFile,
    pulumiEnv,
    exportState: (stack) =>
      execFileSync("pulumi", ["stack", "export", "--stack", stack], {
        cwd: dir,
        env: { ...process.env, ...pulumiEnv },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      }),
    log: (text) => fs.appendFileSync(logFile, text),
    remove: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

/** The overrides that point a shipped stack file at a test host. */
export function hostOverrides(env: TestEnvironment, host: TestHost): ConfigMap {
  const config: ConfigMap = {
    "distributed-consul:dockerHost": { value: host.dockerHost },
    "distributed-consul:nodeIp": { value: host.ip },
    "distributed-consul:dockerBridgeAddress": { value: env.bridgeAddress },
  };
  for (const [key, image] of Object.entries(env.images)) config[key] = { value: image };
  return config;
}

/** Creates (or selects) one stack of the scratch project with the host's overrides. */
export async function hostStack(
  project: ScratchProject,
  env: TestEnvironment,
  host: TestHost,
): Promise<Stack> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: host.stack, workDir: project.dir },
    { envVars: project.pulumiEnv },
  );
  // `path`: image overrides such as `service.image` set one field of an object key.
  await stack.setAllConfig(hostOverrides(env, host), true);
  return stack;
}

/** A stack of the N-hosts example (`examples/n-hosts`) in the scratch project, on the test hosts. */
export async function exampleStack(project: ScratchProject, env: TestEnvironment): Promise<Stack> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "e2e", workDir: path.join(project.dir, "examples", "n-hosts") },
    { envVars: project.pulumiEnv },
  );
  const config: ConfigMap = {};
  env.hosts.forEach((host, i) => {
    config[`consul-n-hosts:hosts[${i}].name`] = { value: host.stack };
    config[`consul-n-hosts:hosts[${i}].address`] = { value: host.ip };
    config[`consul-n-hosts:hosts[${i}].dockerHost`] = { value: host.dockerHost };
  });
  await stack.setAllConfig(config, true);
  return stack;
}

/**
 * A stack of a one-host example in another language (`examples/yaml`, `examples/python`: project
 * `consul-<language>`), through the component package, on node1. Its dependencies (for Python: a
 * virtualenv with pulumi from PyPI and the SDK generated from the package) are installed first.
 */
export async function oneHostStack(
  project: ScratchProject,
  env: TestEnvironment,
  language: "yaml" | "python",
  gossipKey: string,
  managementToken: string,
): Promise<Stack> {
  const workspace = await LocalWorkspace.create({
    workDir: path.join(project.dir, "examples", language),
    envVars: project.pulumiEnv,
  });
  await workspace.install();
  const stack = await Stack.createOrSelect("e2e", workspace);
  await stack.setAllConfig({
    [`consul-${language}:nodeIp`]: { value: env.hosts[0].ip },
    [`consul-${language}:dockerHost`]: { value: env.hosts[0].dockerHost },
    [`consul-${language}:gossipKey`]: { value: gossipKey, secret: true },
    [`consul-${language}:aclManagementToken`]: { value: managementToken, secret: true },
  });
  return stack;
}
