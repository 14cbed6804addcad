// npm run restore -- --stack node1 [--file snapshots/dc1/node1-20261202T101500Z.snap]
//   [--dir snapshots] [--stacks node1,node2,node3]
// npm run restore -- --stack node1 --from-host node2 [--file node2-20261207T190000Z.snap]
// Restores a Raft snapshot of the global datacenter (the newest in <dir>/<datacenter>/ unless
// --file names one; with --from-host, the newest scheduled snapshot kept on that stack's host, or
// the one --file names, copied into <dir>/<datacenter>/ first) through the stack's global server,
// then makes every deployed stack converge again (a destroyed stack, without resources, is left
// out: its `up` would deploy that host again):
//
// 1. The snapshot replaces the datacenter's whole state, ACLs included. Consul re-creates the
//    management token from `acl.tokens.initial_management` when the leader re-establishes its
//    leadership after the restore, but only on a leader that has it in its configuration: the
//    bootstrap stack's server. So the restore refuses to start unless that server leads.
// 2. The restored ACL objects are the snapshot's: the policies the stacks made are replaced by
//    namesakes of the deployment the snapshot came from (a stack creating its policy again would
//    clash), and that deployment's tokens are credentials nobody holds any more. Those are deleted
//    (core/acl-reconcile); objects the stacks still know, and everything else, are kept.
// 3. The bootstrap server registers its own agent token when its container starts: it is
//    restarted, so that it registers it again.
// 4. Every deployed stack is refreshed (its vanished tokens and policies leave its state) and
//    updated (they are made again; servers whose tokens changed are replaced, each `up` waiting
//    for health).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { useStateBackend } from "./state-backend";
import {
  DEFAULT_SNAPSHOTS_DIR,
  LOCAL_DOCKER_HOST,
  SCHEDULED_SNAPSHOTS_DIR,
  consulRequest,
  newestSnapshot,
  scheduledSnapshotsContainerName,
  snapshotFiles,
  snapshotFolder,
} from "../components";
import { StackApi, stackApi, waitForHealth } from "./cluster-health";
import { describeVerdict } from "./autopilot-health";
import {
  ConsulPolicy,
  ConsulToken,
  StateResource,
  aclCleanup,
  stateAclObjects,
} from "./acl-reconcile";
import { deployedStacks, parseRestoreArgs } from "./operator-args";
import { CONFIG_NAMESPACE } from "./config-namespace";

function fail(message: string): never {
  console.error(`restore: ${message}`);
  process.exit(1);
}

const say = (message: string): void => console.log(`restore: ${message}`);

/** A request that must answer 200; its body parsed as JSON when asked. */
async function call<T>(
  api: StackApi,
  method: string,
  pathAndQuery: string,
  bodyFile?: string,
): Promise<T> {
  const answer = await consulRequest(api.endpoint, {
    method,
    path: pathAndQuery,
    bodyFile,
    timeoutMs: 120_000,
  });
  if (answer.status !== 200) {
    throw new Error(
      `${method} ${pathAndQuery} answered ${answer.status}: ${answer.body.trim().slice(0, 300)}`,
    );
  }
  return (answer.body === "" ? undefined : JSON.parse(answer.body)) as T;
}

/** Writes engine output line by line, prefixed with the stack's name. */
function prefixed(stack: string): (chunk: string) => void {
  return (chunk) => {
    for (const line of chunk.split("\n")) if (line.trim() !== "") console.log(`[${stack}] ${line}`);
  };
}

/** A stack's config value, `distributed-consul:<key>`. */
async function configOf(stack: Stack, key: string): Promise<string | undefined> {
  return (await stack.getAllConfig())[`${CONFIG_NAMESPACE}:${key}`]?.value;
}

/**
 * Copies a scheduled snapshot out of the sidecar of `stack`'s host (`docker -H <its dockerHost>`):
 * `wanted`, or the newest of its node. Into `<dir>/<datacenter>/`, mode 0600, where it stays as
 * the other snapshots on this machine; resolves to its path.
 */
async function fetchFromHost(
  stack: Stack,
  dir: string,
  datacenter: string,
  wanted: string | undefined,
): Promise<string> {
  const outputs = await stack.outputs();
  const nodeName = outputs.nodeName?.value as string | undefined;
  const theirs = outputs.globalDatacenter?.value as string | undefined;
  if (!nodeName || !theirs) fail(`stack ${stack.name} has no nodeName output: is it deployed?`);
  if (theirs !== datacenter) {
    fail(
      `stack ${stack.name} is in ${theirs}, not ${datacenter}: its snapshots are another datacenter's.`,
    );
  }
  const dockerHost = (await configOf(stack, "dockerHost")) ?? LOCAL_DOCKER_HOST;
  const container = scheduledSnapshotsContainerName(datacenter, nodeName);
  const docker = (...args: string[]): string =>
    execFileSync("docker", ["-H", dockerHost, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  let listing: string;
  try {
    listing = docker("exec", container, "ls", "-1", SCHEDULED_SNAPSHOTS_DIR);
  } catch (e) {
    const why = ((e as { stderr?: string }).stderr ?? String(e)).trim();
    fail(
      `cannot list ${container} on ${dockerHost} (${why}); ${stack.name} keeps scheduled snapshots only as a server host with scheduledSnapshots on, while that container runs (docker -H ${dockerHost} ps -a --filter name=${container}).`,
    );
  }
  const files = snapshotFiles(listing.split("\n").map((l) => l.trim())).filter(
    (f) => f.node === nodeName,
  );
  if (files.length === 0) {
    fail(
      `${container} on ${dockerHost} holds no snapshot yet (the first is taken when it starts; see its log).`,
    );
  }
  const name = wanted ?? files[0].name;
  if (!files.some((f) => f.name === name)) {
    fail(
      `${container} on ${dockerHost} has no ${name}; it has ${files.map((f) => f.name).join(", ")}.`,
    );
  }
  const folder = snapshotFolder(path.resolve(dir), datacenter);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const file = path.join(folder, name);
  docker("cp", `${container}:${SCHEDULED_SNAPSHOTS_DIR}/${name}`, file);
  fs.chmodSync(file, 0o600);
  say(`copied ${name} out of ${container} (${stack.name}, ${dockerHost}) to ${file}`);
  return file;
}

async function main(): Promise<void> {
  const parsed = parseRestoreArgs(process.argv.slice(2), DEFAULT_SNAPSHOTS_DIR);
  if ("problems" in parsed) fail(parsed.problems.join("\n         "));
  const args = parsed.args;
  // The deploy:* scripts' backend unless PULUMI_BACKEND_URL names another.
  useStateBackend(process.cwd());
  const workspace = await LocalWorkspace.create({ workDir: process.cwd() });
  const listing = await workspace.listStacks();
  const existing = listing.map((s) => s.name).sort();
  const { deployed, skipped } = deployedStacks(listing);
  if (args.stacks === undefined && skipped.length > 0) {
    say(
      `not converging ${skipped.join(", ")}: destroyed (no resources); --stacks names it to deploy it again.`,
    );
  }
  const names = args.stacks ?? deployed;
  const unknown = [args.stack, ...(args.fromHost ? [args.fromHost] : []), ...names].filter(
    (n) => !existing.includes(n),
  );
  if (unknown.length > 0) fail(`no stack ${[...new Set(unknown)].join(", ")} in this project.`);
  const stacks = new Map<string, Stack>();
  for (const name of new Set([args.stack, ...names]))
    stacks.set(name, await Stack.select(name, workspace));
  const target = stackApi(args.stack, await stacks.get(args.stack)!.outputs());

  // The snapshot: one kept on another host, the given file, or the newest of the datacenter.
  let file = args.file;
  if (args.fromHost !== undefined) {
    const source = stacks.get(args.fromHost) ?? (await Stack.select(args.fromHost, workspace));
    file = await fetchFromHost(source, args.dir, target.datacenter, args.file);
  } else if (file === undefined) {
    const folder = snapshotFolder(path.resolve(args.dir), target.datacenter);
    const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    const newest = newestSnapshot(names);
    if (!newest) fail(`no snapshot in ${folder}; give one with --file.`);
    file = path.join(folder, newest.name);
  }
  if (!fs.existsSync(file)) fail(`${file} does not exist.`);

  // 1. The bootstrap stack's server must lead, so that the management token survives.
  let bootstrap: StackApi | undefined;
  for (const name of stacks.keys()) {
    if ((await configOf(stacks.get(name)!, "bootstrap")) === "true") {
      bootstrap = stackApi(name, await stacks.get(name)!.outputs());
    }
  }
  if (!bootstrap)
    fail("no stack sets bootstrap: true; this restore path needs the bootstrap stack's server.");
  const leader = await call<string>(target, "GET", "/v1/status/leader");
  const leaderHost = leader.split(":")[0];
  const bootstrapHost = new URL(bootstrap.endpoint.url).hostname;
  if (leaderHost !== bootstrapHost) {
    fail(
      `the leader is ${leader}, not the bootstrap server ${bootstrap.nodeName} (${bootstrapHost}), the only one that re-creates the management token after a restore. Restart the leader's container (docker restart consul-${target.datacenter}-<node>) until ${bootstrap.nodeName} leads, then run this again; nothing was restored.`,
    );
  }
  const self = await call<{ AccessorID: string }>(target, "GET", "/v1/acl/token/self");

  say(
    `restoring ${file} (${fs.statSync(file).size} bytes) through ${target.endpoint.url} (${args.stack})`,
  );
  await call(target, "PUT", "/v1/snapshot", file);

  // The management token again: re-created by the leader after the restore.
  let tokenBack = false;
  for (let i = 0; i < 30 && !tokenBack; i++) {
    tokenBack = await call(target, "GET", "/v1/acl/token/self").then(
      () => true,
      () => false,
    );
    if (!tokenBack) await new Promise((r) => setTimeout(r, 2000));
  }
  if (!tokenBack) {
    fail(
      "after the restore, the management token is refused: the leader did not re-create it from its configuration.",
    );
  }
  say("restored; the management token answers.");

  // 2. Restored ACL objects that clash with the stacks' or are dead credentials.
  const policies: ConsulPolicy[] = [];
  const tokens: { accessorId: string; description: string }[] = [];
  for (const stack of stacks.values()) {
    const resources =
      ((await stack.exportStack()).deployment as { resources?: StateResource[] }).resources ?? [];
    const objects = stateAclObjects(resources);
    policies.push(...objects.policies.map((p) => ({ ID: p.id, Name: p.name })));
    tokens.push(...objects.tokens);
  }
  const newSelf = await call<{ AccessorID: string }>(target, "GET", "/v1/acl/token/self");
  const cleanup = aclCleanup(
    {
      policies: await call<ConsulPolicy[]>(target, "GET", "/v1/acl/policies"),
      tokens: await call<ConsulToken[]>(target, "GET", "/v1/acl/tokens"),
    },
    {
      policies: policies.map((p) => ({ id: p.ID, name: p.Name })),
      tokens,
      selfRegisteredDescriptions: [`agent token of ${bootstrap.nodeName} (${target.datacenter})`],
    },
    newSelf.AccessorID,
  );
  for (const t of cleanup.tokens) {
    await call(target, "DELETE", `/v1/acl/token/${t.AccessorID}`);
    say(`deleted restored token "${t.Description}" (${t.AccessorID})`);
  }
  for (const p of cleanup.policies) {
    await call(target, "DELETE", `/v1/acl/policy/${p.ID}`);
    say(`deleted restored policy ${p.Name} (${p.ID}); its stack makes it again`);
  }
  if (self.AccessorID !== newSelf.AccessorID)
    say("the management token was re-created by the leader.");

  // 3. The bootstrap server registers its own agent token again when it starts.
  const bootstrapStack = stacks.get(bootstrap.stack)!;
  const dockerHost = await configOf(bootstrapStack, "dockerHost");
  const container = (await bootstrapStack.outputs()).globalContainerId?.value as string | undefined;
  if (dockerHost && container) {
    execFileSync("docker", ["-H", dockerHost, "restart", "-t", "30", container], {
      stdio: "inherit",
    });
    say(
      `restarted ${bootstrap.nodeName}'s global server so that it registers its agent token again.`,
    );
    const verdict = await waitForHealth(bootstrap, { nodeName: bootstrap.nodeName }, 180);
    say(describeVerdict(verdict));
  }

  // 4. Every stack: refresh (vanished ACL objects leave the state), then up (made again).
  const order = [bootstrap.stack, ...[...stacks.keys()].filter((n) => n !== bootstrap.stack)];
  for (const name of order) {
    const stack = stacks.get(name)!;
    say(`[${name}] refresh and up`);
    await stack.refresh({ onOutput: prefixed(name) });
    await stack.up({ onOutput: prefixed(name) });
  }
  const verdict = await waitForHealth(target, {}, 180);
  say(`done: ${describeVerdict(verdict)}`);
  if (!verdict.ok) process.exit(1);
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
