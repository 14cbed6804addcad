// The project as a user has it, in a scratch folder: the shipped program and stack files plus
// per-host overrides, deployed through Pulumi's Automation API on a file backend.
import * as assert from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { TestEnvironment, TestHost } from "./environment";
import { docker } from "./probes";

const ROOT = path.join(__dirname, "..");
/**
 * The program and the operator's scripts (`npm run roll`, `npm run restore`): what a user's
 * upgrade to a new release replaces (see {@link replaceProgram}). Folders an older release lacks
 * are left out of its copy.
 */
const PROGRAM_FILES = [
  "index.ts",
  "program",
  "components",
  "core",
  "operations",
  "Pulumi.yaml",
  "Pulumi.node1.yaml",
  "Pulumi.node2.yaml",
  "Pulumi.node3.yaml",
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
];
/**
 * What a deployment reads: the program, and the examples and component package built on it, with
 * the built package (dist/, `npm run build:package`) the component package installs.
 */
const PROJECT_FILES = [...PROGRAM_FILES, "examples", "component-package", "dist"];
/** The line `pulumi stack init` adds to a stack file: the salt of the stack's secrets key. */
const ENCRYPTION_SALT = /^encryptionsalt: .*$/m;

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

/**
 * Copies the project (node_modules linked, not copied) next to a fresh file backend: the working
 * tree's files, or those of commit `revision` read from git (an earlier release, to upgrade from;
 * it runs with the working tree's node_modules).
 */
export function scratchProject(revision?: string): ScratchProject {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "dc-e2e-"));
  const dir = path.join(base, "project");
  const stateDir = path.join(base, "state");
  fs.mkdirSync(dir);
  fs.mkdirSync(stateDir);
  try {
    if (revision === undefined) {
      if (!fs.existsSync(path.join(ROOT, "dist"))) {
        throw new Error(`${ROOT}/dist is missing: build the package first (npm run build:package)`);
      }
      copyFromWorkingTree(PROJECT_FILES, dir);
    } else extractFromGit(revision, PROJECT_FILES, dir);
    linkPackageDependents(dir);
  } catch (e) {
    fs.rmSync(base, { recursive: true, force: true });
    throw e;
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

/**
 * Replaces the scratch copy's program ({@link PROGRAM_FILES}) with the working tree's, as a user's
 * upgrade does; state and backend stay. Each stack file keeps its `encryptionsalt` (without it the
 * stack's secrets could not be read); the host overrides are set again by {@link hostStack}.
 */
export function replaceProgram(project: ScratchProject): void {
  const salts = new Map<string, string>();
  for (const entry of PROGRAM_FILES) {
    const file = path.join(project.dir, entry);
    const isFile = fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
    const salt = isFile ? ENCRYPTION_SALT.exec(fs.readFileSync(file, "utf8")) : null;
    if (salt) salts.set(entry, salt[0]);
    fs.rmSync(file, { recursive: true, force: true });
  }
  copyFromWorkingTree(PROGRAM_FILES, project.dir);
  for (const [entry, salt] of salts) {
    const file = path.join(project.dir, entry);
    const text = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, `${text}${text.endsWith("\n") ? "" : "\n"}${salt}\n`);
  }
}

/** The folders of the project that depend on the package `distributed-consul` (`file:` the root). */
const PACKAGE_DEPENDENTS = ["component-package", path.join("examples", "n-hosts")];

/**
 * What `npm install` gives the copy's component package and N-hosts example: their
 * `distributed-consul` dependency as a link to the project copy, whose package.json names the built
 * entry in dist/. The Pulumi SDKs resolve from the project's node_modules: one copy for the
 * package, the components and the program. A release whose folders import ../components declares
 * no such dependency and gets no link. (`pulumi install` of the YAML and Python examples installs
 * the component package's dependencies itself, replacing the link.)
 */
function linkPackageDependents(dir: string): void {
  for (const dependent of PACKAGE_DEPENDENTS) {
    const manifest = path.join(dir, dependent, "package.json");
    if (!fs.existsSync(manifest)) continue;
    const { dependencies = {} } = JSON.parse(fs.readFileSync(manifest, "utf8")) as {
      dependencies?: Record<string, string>;
    };
    if (!("distributed-consul" in dependencies)) continue;
    const modules = path.join(dir, dependent, "node_modules");
    fs.mkdirSync(modules, { recursive: true });
    fs.symlinkSync(path.relative(modules, dir), path.join(modules, "distributed-consul"), "dir");
  }
}

function copyFromWorkingTree(entries: readonly string[], dir: string): void {
  for (const entry of entries) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    // A checkout where the README's `npm run deploy:node1` ran has the salt of that stack's
    // passphrase in its stack file: the copy, on its own backend with its own passphrase, must not
    // inherit it (`pulumi stack init` would fail with "incorrect passphrase").
    if (/^Pulumi\.[^/]+\.yaml$/.test(entry)) {
      const file = path.join(dir, entry);
      fs.writeFileSync(file, withoutSecretsKey(fs.readFileSync(file, "utf8")));
    }
  }
}

/**
 * A stack file without the lines that tie it to one secrets key (`encryptionsalt`, and
 * `secretsprovider` / `encryptedkey` of other providers); its config is kept.
 */
export function withoutSecretsKey(stackFile: string): string {
  return stackFile.replace(/^(encryptionsalt|secretsprovider|encryptedkey): .*(\r?\n|$)/gm, "");
}

/**
 * Writes `entries` as they are at commit `revision` (those that exist there) into `dir`. Throws
 * one error saying why when the checkout has no such commit (e.g. a shallow clone).
 */
function extractFromGit(revision: string, entries: readonly string[], dir: string): void {
  const git = (...args: string[]) =>
    spawnSync("git", ["-C", ROOT, ...args], { maxBuffer: 256 * 1024 * 1024 });
  const commit = git("rev-parse", "--verify", "--quiet", `${revision}^{commit}`);
  if (commit.status !== 0) {
    const shallow = git("rev-parse", "--is-shallow-repository").stdout?.toString().trim();
    const why =
      shallow === "true"
        ? "it is a shallow clone: fetch the full history (`git fetch --unshallow`; in CI, a checkout with full depth)"
        : shallow === "false"
          ? "its history does not hold that commit: fetch it from the project's repository"
          : "it is not a git clone (`git rev-parse` failed): run the suite in a clone of the repository";
    throw new Error(
      `The upgrade step deploys commit ${revision}, read from git in ${ROOT}, but ${why}.`,
    );
  }
  const id = commit.stdout.toString().trim();
  const present = git("ls-tree", "--name-only", id, "--", ...entries);
  const names = present.stdout.toString().split("\n").filter(Boolean);
  if (present.status !== 0 || names.length === 0) {
    throw new Error(
      `git ls-tree ${id} found none of ${entries.join(", ")}: ${present.stderr.toString()}`,
    );
  }
  const archive = git("archive", "--format=tar", id, "--", ...names);
  if (archive.status !== 0)
    throw new Error(`git archive ${id} failed: ${archive.stderr.toString()}`);
  execFileSync("tar", ["-x", "-C", dir], { input: archive.stdout });
}

/** What the host overrides read from an environment (either suite's). */
type HostSettings = Pick<TestEnvironment, "bridgeAddress" | "images">;

/**
 * The overrides that point a shipped stack file at a test host. `addressKey` names the host's
 * address as the program that reads it does: `hostAddress`, or `nodeIp` for a release before
 * the rename (which this program still reads, with a warning).
 */
export function hostOverrides(
  env: HostSettings,
  host: TestHost,
  addressKey: "hostAddress" | "nodeIp" = "hostAddress",
): ConfigMap {
  const config: ConfigMap = {
    "distributed-consul:dockerHost": { value: host.dockerHost },
    [`distributed-consul:${addressKey}`]: { value: host.ip },
    "distributed-consul:dockerBridgeAddress": { value: env.bridgeAddress },
  };
  for (const [key, image] of Object.entries(env.images)) config[key] = { value: image };
  return config;
}

/**
 * Creates (or selects) one stack of the scratch project with the host's overrides (`addressKey`:
 * see {@link hostOverrides}).
 */
export async function hostStack(
  project: ScratchProject,
  env: HostSettings,
  host: TestHost,
  addressKey: "hostAddress" | "nodeIp" = "hostAddress",
): Promise<Stack> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: host.stack, workDir: project.dir },
    { envVars: project.pulumiEnv },
  );
  // `path`: image overrides such as `service.image` set one field of an object key.
  await stack.setAllConfig(hostOverrides(env, host, addressKey), true);
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
    config[`consul-n-hosts:hosts[${i}].nodeName`] = { value: host.stack };
    config[`consul-n-hosts:hosts[${i}].hostAddress`] = { value: host.ip };
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
    [`consul-${language}:hostAddress`]: { value: env.hosts[0].ip },
    [`consul-${language}:dockerHost`]: { value: env.hosts[0].dockerHost },
    [`consul-${language}:gossipKey`]: { value: gossipKey, secret: true },
    [`consul-${language}:aclManagementToken`]: { value: managementToken, secret: true },
  });
  return stack;
}

/**
 * The containers a shipped stack makes on host n (1-based): both servers, the scheduled snapshots'
 * sidecar (a server host's), both registrators, the service.
 */
export function containersOf(n: number): string[] {
  return [
    `consul-dc1-node${n}`,
    `consul-snapshots-dc1-node${n}`,
    `consul-vm${n}-node${n}`,
    "registrator-dc1",
    `registrator-vm${n}`,
    "elasticsearch",
  ];
}

/** The volumes a shipped stack makes on host n (1-based): both servers' data, the scheduled snapshots. */
export function volumesOf(n: number): string[] {
  return [
    `consul-dc1-node${n}-data`,
    `consul-vm${n}-node${n}-data`,
    `consul-dc1-node${n}-snapshots`,
  ];
}

/** The containers and volumes a shipped stack makes that host n (1-based) still has. */
export async function leftoversOn(host: TestHost, n: number): Promise<string[]> {
  const ours = new Set([...containersOf(n), ...volumesOf(n)]);
  const containers = await docker(host, "ps", "-a", "--format", "{{.Names}}");
  const volumes = await docker(host, "volume", "ls", "-q");
  return `${containers}\n${volumes}`.split("\n").filter((name) => ours.has(name));
}

/** Host n (1-based) of `host`: the number its stack is named with (`node4`), else `i + 1`. */
export function hostNumber(host: TestHost, i: number): number {
  return Number(/^node(\d+)$/.exec(host.stack)?.[1] ?? i + 1);
}

/**
 * Fails, naming the host and how to clean it, when a host still holds containers or volumes of
 * an earlier run: a fresh backend cannot manage them. Each real-suite file checks this first.
 */
export async function assertNoLeftovers(hosts: readonly TestHost[]): Promise<void> {
  for (const [i, host] of hosts.entries()) {
    assert.deepStrictEqual(
      await leftoversOn(host, hostNumber(host, i)),
      [],
      `${host.stack} (${host.dockerHost}) still has containers or volumes of an earlier run: ` +
        `remove them first (docker -H ${host.dockerHost} rm -f …; docker volume rm …).`,
    );
  }
}

/** How an npm script run in a scratch project ended. */
export interface ScriptRun {
  /** Its exit code (`null` when a signal ended it). */
  readonly code: number | null;
  /** The last lines of its output (stdout and stderr, interleaved as they came). */
  readonly tail: string;
  /** The whole output. */
  readonly output: string;
  /** How long it took, in milliseconds. */
  readonly ms: number;
}

/**
 * Runs `npm run <script> -- <args>` in the scratch project's folder, as an operator runs it there,
 * with the project's backend and passphrase; the output is appended to the project's log.
 * `tailLines`: how many of the last lines {@link ScriptRun.tail} keeps (default 30).
 */
export function npmRunIn(
  project: ScratchProject,
  script: string,
  args: readonly string[],
  tailLines = 30,
): Promise<ScriptRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", script, "--", ...args], {
      cwd: project.dir,
      env: { ...process.env, ...project.pulumiEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      output += text;
      project.log(text);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        output,
        tail: output.split("\n").slice(-tailLines).join("\n"),
        ms: Date.now() - started,
      }),
    );
  });
}

/** How `npm run up` of several stacks ended. */
export interface UpAllRun extends ScriptRun {
  /** Each stack's `up` in seconds, as the command printed it (`[node2] up done in 41.3 s`). */
  readonly stackSeconds: Readonly<Record<string, number>>;
}

/**
 * Deploys `stacks` of the scratch project in one command, `npm run up -- --stacks <stacks>`: the
 * bootstrap stack first, then the joining stacks in parallel. The stacks must exist with their host
 * overrides ({@link hostStack}). Resolves (never rejects for a failed `up`: see `code`) to the exit
 * code, the output's tail, the whole command's duration and each stack's.
 */
export async function upAll(project: ScratchProject, stacks: readonly string[]): Promise<UpAllRun> {
  const run = await npmRunIn(project, "up", ["--stacks", stacks.join(",")], 40);
  const stackSeconds: Record<string, number> = {};
  for (const m of run.output.matchAll(
    /^\[([^\]\s]+)\] up (?:done in|failed after) ([\d.]+) s$/gm,
  )) {
    stackSeconds[m[1]] = Number(m[2]);
  }
  return { ...run, stackSeconds };
}
