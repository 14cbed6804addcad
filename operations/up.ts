// npm run up -- [--stacks node1,node2,node3]
// Deploys several stacks of the project in the current directory in one command: the bootstrap
// stack first, then every stack that joins through it, in parallel (each `pulumi up`'s output
// prefixed with `[<stack>]`). The order comes from the stacks' config files
// (operations/up-plan.ts): a stack that reads the bootstrap stack's cluster output
// (`bootstrapStack`) waits for it, and every stack waits for a given stack that sets
// `bootstrap: true`; with `bootstrapExpect` all go at once. A joining stack whose bootstrap stack is
// neither given nor deployed stops the command before anything is touched. Without --stacks:
// every stack with a stack file (Pulumi.<stack>.yaml) but those the backend lists as destroyed.
//
// If a stack fails, the stacks that wait for it are not started; the others of its wave still
// finish. Exit code 1 names every failed stack with the last lines of its error. Each stack's time
// and the total are printed. A stack not yet in the backend is created, as the deploy:* scripts'
// `pulumi stack select --create` does.
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { useStateBackend } from "./state-backend";
import { prefixedLines } from "./prefixed-lines";
import { parseUpArgs } from "./operator-args";
import {
  StackOutcome,
  configuredStacks,
  defaultUpStacks,
  joinConfigOf,
  failureLines,
  planUp,
  readProjectFiles,
  readStackConfig,
  stackRoleOf,
  upSummary,
  waveSchedule,
} from "./up-plan";

function fail(message: string): never {
  console.error(`up: ${message}`);
  process.exit(1);
}

const say = (message: string): void => console.log(`up: ${message}`);

const since = (started: number): number => (Date.now() - started) / 1000;

/** Deploys one stack (created when the backend has none); never throws. */
async function upOne(workspace: LocalWorkspace, name: string): Promise<StackOutcome> {
  const started = Date.now();
  const out = prefixedLines(name);
  try {
    const stack = await Stack.createOrSelect(name, workspace);
    console.log(`[${name}] up`);
    await stack.up({ onOutput: (chunk) => out.write(chunk) });
    out.flush();
    const seconds = since(started);
    console.log(`[${name}] up done in ${seconds.toFixed(1)} s`);
    return { stack: name, seconds };
  } catch (e) {
    out.flush();
    const seconds = since(started);
    console.log(`[${name}] up failed after ${seconds.toFixed(1)} s`);
    return {
      stack: name,
      seconds,
      error: failureLines(e instanceof Error ? e.message : String(e)),
    };
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const parsed = parseUpArgs(process.argv.slice(2));
  if ("problems" in parsed) fail(parsed.problems.join("\n    "));
  const dir = process.cwd();
  const project = readProjectFiles(dir);
  const configured = configuredStacks(project.stackDir);
  // Checked before any Pulumi call: a stack without a stack file has no config to deploy.
  const unknown = (parsed.args.stacks ?? []).filter((s) => !configured.includes(s));
  if (unknown.length > 0) {
    fail(
      `no stack file ${unknown.map((s) => `Pulumi.${s}.yaml`).join(", ")} in ${project.stackDir} (stacks: ${configured.join(", ") || "none"}); write one (e.g. cp Pulumi.node3.yaml Pulumi.${unknown[0]}.yaml, then edit it) or name an existing stack.`,
    );
  }
  // The deploy:* scripts' backend unless PULUMI_BACKEND_URL names another.
  const backend = useStateBackend(dir);
  const passphrase =
    process.env.PULUMI_CONFIG_PASSPHRASE !== undefined ||
    process.env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined;
  const usesPassphrase = (stack: string): boolean => {
    const file = fs.readFileSync(path.join(project.stackDir, `Pulumi.${stack}.yaml`), "utf8");
    const provider = /^secretsprovider: *(\S+)/m.exec(file)?.[1];
    return provider === undefined || provider.startsWith("passphrase");
  };
  const workspace = await LocalWorkspace.create({ workDir: dir });
  const listing = await workspace.listStacks();
  const defaults = defaultUpStacks(configured, listing);
  if (parsed.args.stacks === undefined && defaults.skipped.length > 0) {
    say(
      `not deploying ${defaults.skipped.join(", ")}: destroyed (no resources); --stacks names it to deploy it again.`,
    );
  }
  const names = parsed.args.stacks ?? defaults.stacks;
  if (names.length === 0) fail(`no stack to deploy in ${project.stackDir}.`);
  // A self-managed backend (file://, s3://, …) encrypts secrets with a passphrase by default, and
  // this command cannot prompt for it.
  if (!/^https?:\/\//.test(backend) && !passphrase && names.some(usesPassphrase)) {
    fail(
      "PULUMI_CONFIG_PASSPHRASE is not set: export the passphrase the stacks use (every stack the same), then run this again; nothing was deployed.",
    );
  }
  const deployed = new Set(listing.filter((s) => (s.resourceCount ?? 0) > 0).map((s) => s.name));
  const roles = names.map((name) =>
    stackRoleOf(name, joinConfigOf(readStackConfig(project, name)), project.name),
  );
  const planned = planUp(roles, deployed);
  if ("problems" in planned) fail(`nothing was deployed:\n    ${planned.problems.join("\n    ")}`);
  const waves = planned.plan.waves;
  say(
    waves
      .map(
        (w, i) => `${i === 0 ? "" : "then "}${w.join(" + ")}${w.length > 1 ? " in parallel" : ""}`,
      )
      .join("; ") + ".",
  );

  const outcomes: StackOutcome[] = [];
  let notStarted: string[] = [];
  for (const [i, wave] of waves.entries()) {
    const { together, oneByOne } = waveSchedule(wave, deployed);
    if (oneByOne.length > 1) {
      say(
        `${oneByOne.join(", ")} already deployed: one at a time (npm run roll does this with health checks).`,
      );
    }
    const sequential = async (): Promise<StackOutcome[]> => {
      const done: StackOutcome[] = [];
      for (const name of oneByOne) done.push(await upOne(workspace, name));
      return done;
    };
    const results = (
      await Promise.all([Promise.all(together.map((name) => upOne(workspace, name))), sequential()])
    ).flat();
    outcomes.push(...results);
    if (results.some((r) => r.error !== undefined)) {
      notStarted = waves.slice(i + 1).flat();
      break;
    }
  }
  const summary = upSummary(outcomes, notStarted, since(started));
  if (summary.ok) {
    for (const line of summary.lines) say(line);
  } else {
    fail(summary.lines.join("\n"));
  }
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
