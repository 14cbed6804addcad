// What `npm run up` deploys, and in which order: read from the stacks' config files alone (no
// Pulumi call), so that a mistake is reported before anything is touched. A stack that reads the
// bootstrap stack's `cluster` output waits for it; every other stack goes at once. Whether a stack
// reads the bootstrap stack is decided by operations/bootstrap-join.ts, which the stack program
// asks too, so the two cannot disagree.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_NAMESPACE } from "./config-namespace";
import { StackListing } from "./operator-args";
import { JoinConfig, readsBootstrapStack } from "./bootstrap-join";

/** A stack reference (`bootstrapStack`) resolved against the project. */
export type BootstrapReference =
  /** A stack of this project, by its short name. */
  | { readonly stack: string }
  /** A stack of another project: deployed elsewhere, not this command's to order. */
  | { readonly external: string };

/**
 * The stack `reference` names (as `bootstrapStack`, a StackReference name): `node1`,
 * `<org>/node1` and `<org>/<project>/node1` name the project's stack node1 (the organization is not
 * compared: the project's stacks are in one backend); `<org>/<other project>/<stack>` is
 * external. `undefined` for `""` (none).
 */
export function bootstrapReference(
  reference: string,
  project: string,
): BootstrapReference | undefined {
  const name = reference.trim();
  if (name === "") return undefined;
  const parts = name.split("/");
  if (parts.length === 1) return { stack: parts[0] };
  if (parts.length === 2) return { stack: parts[1] };
  return parts.length === 3 && parts[1] === project ? { stack: parts[2] } : { external: name };
}

/** One stack as the plan sees it. */
export interface StackRole {
  /** The stack's name. */
  readonly stack: string;
  /** It bootstraps dc1 (`bootstrap: true`): it goes before every stack that does not. */
  readonly bootstraps: boolean;
  /** The bootstrap stack whose output it reads (see {@link readsBootstrapStack}); else `undefined`. */
  readonly reads?: BootstrapReference;
  /** Its `bootstrapStack` as configured, for messages. */
  readonly bootstrapStackSetting: string;
}

/** The order `npm run up` deploys in: each wave's stacks in parallel, the waves one after another. */
export interface UpPlan {
  readonly waves: readonly (readonly string[])[];
}

/** A plan, or every problem with the stacks given. */
export type PlanResult = { readonly plan: UpPlan } | { readonly problems: readonly string[] };

/**
 * The waves of `npm run up`: a stack goes after the bootstrap stack it reads (when given; when
 * not, that stack must be deployed already) and after every given stack that bootstraps dc1; the
 * rest go at once. With `bootstrapExpect` (no stack bootstraps or reads another) every stack is in
 * one wave. Each wave keeps the given order. Every problem is reported at once, naming the stack
 * and the fix: a stack that reads a stack that is neither given nor `deployed`, or itself, or a
 * circle of stacks reading each other.
 */
export function planUp(roles: readonly StackRole[], deployed: ReadonlySet<string>): PlanResult {
  const given = new Set(roles.map((r) => r.stack));
  const key = `${CONFIG_NAMESPACE}:bootstrapStack`;
  const problems: string[] = [];
  const after = new Map<string, Set<string>>();
  const bootstrapping = roles.filter((r) => r.bootstraps).map((r) => r.stack);
  for (const role of roles) {
    const deps = new Set<string>(role.bootstraps ? [] : bootstrapping);
    const read = role.reads;
    if (read && "stack" in read) {
      if (read.stack === role.stack) {
        problems.push(
          `${role.stack} reads its own cluster output (${key}: ${role.bootstrapStackSetting}): set ${CONFIG_NAMESPACE}:bootstrap: true on it if it is the bootstrap host, else point ${key} at the bootstrap stack.`,
        );
      } else if (given.has(read.stack)) {
        deps.add(read.stack);
      } else if (!deployed.has(read.stack)) {
        problems.push(
          `${role.stack} joins through stack ${read.stack}'s cluster output (${key}: ${role.bootstrapStackSetting}), but ${read.stack} is neither given nor deployed: add it (--stacks ${[read.stack, ...given].join(",")}), deploy it first, or point ${key} of ${role.stack} at the bootstrap stack.`,
        );
      }
    }
    after.set(role.stack, deps);
  }
  if (problems.length > 0) return { problems };
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < roles.length) {
    const wave = roles
      .map((r) => r.stack)
      .filter((s) => !placed.has(s) && [...(after.get(s) ?? [])].every((d) => placed.has(d)));
    if (wave.length === 0) {
      const left = roles.map((r) => r.stack).filter((s) => !placed.has(s));
      return {
        problems: [
          `${left.join(", ")} wait for each other (each reads another's cluster output, ${key}); point ${key} of each at the one stack that sets ${CONFIG_NAMESPACE}:bootstrap: true.`,
        ],
      };
    }
    wave.forEach((s) => placed.add(s));
    waves.push(wave);
  }
  return { plan: { waves } };
}

/**
 * How one wave runs: stacks not deployed yet together (each adds a server that joins), stacks
 * already deployed one at a time beside them (an `up` may replace a running server, and two
 * replaced at once could cost the cluster its majority; each `up` waits until its server is a
 * healthy voter again). A change to running servers is `npm run roll`'s job; this keeps `up`
 * safe when it is used for one anyway.
 */
export function waveSchedule(
  wave: readonly string[],
  deployed: ReadonlySet<string>,
): { readonly together: string[]; readonly oneByOne: string[] } {
  return {
    together: wave.filter((s) => !deployed.has(s)),
    oneByOne: wave.filter((s) => deployed.has(s)),
  };
}

/** The project as `npm run up` reads it from the project folder. */
export interface ProjectFiles {
  /** The project's name (`name:` in Pulumi.yaml). */
  readonly name: string;
  /** The folder of the stack files (`stackConfigDir`, else the project folder). */
  readonly stackDir: string;
  /** Project-level config defaults (`config:` of Pulumi.yaml), by full key. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads Pulumi.yaml of the project in `dir`; throws, saying what is wrong, when it cannot. */
export function readProjectFiles(dir: string): ProjectFiles {
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file)) {
    throw new Error(`no Pulumi.yaml in ${dir}: run this in the project's folder.`);
  }
  const doc = yaml.load(fs.readFileSync(file, "utf8"));
  if (!isRecord(doc) || typeof doc.name !== "string")
    throw new Error(`${file} has no project name.`);
  const defaults: Record<string, unknown> = {};
  const config = isRecord(doc.config) ? doc.config : {};
  for (const [name, declared] of Object.entries(config)) {
    const full = name.includes(":") ? name : `${doc.name}:${name}`;
    if (isRecord(declared)) {
      if ("value" in declared) defaults[full] = declared.value;
      else if ("default" in declared) defaults[full] = declared.default;
    } else defaults[full] = declared;
  }
  const stackDir =
    typeof doc.stackConfigDir === "string" ? path.resolve(dir, doc.stackConfigDir) : dir;
  return { name: doc.name, stackDir, defaults };
}

/** The stacks that have a stack file (`Pulumi.<stack>.yaml`) in `stackDir`, by name. */
export function configuredStacks(stackDir: string): string[] {
  return fs
    .readdirSync(stackDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * One stack's config as text by full key (`distributed-consul:bootstrap` → `"true"`), its own
 * over the project's defaults: lists and objects as JSON, a secret as `"[secret]"` (only whether
 * it is given is read).
 */
export function readStackConfig(
  project: ProjectFiles,
  stack: string,
): (key: string) => string | undefined {
  const file = path.join(project.stackDir, `Pulumi.${stack}.yaml`);
  const doc = yaml.load(fs.readFileSync(file, "utf8"));
  const own = isRecord(doc) && isRecord(doc.config) ? doc.config : {};
  return (key) => configText(key in own ? own[key] : project.defaults[key]);
}

function configText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (isRecord(value) && typeof value.secure === "string") return "[secret]";
  return JSON.stringify(value);
}

/**
 * The {@link JoinConfig} of a stack's config text (see {@link readStackConfig}), as the program
 * reads it: `""`, `0` and `[]` are "not given" for the settings without a default.
 */
export function joinConfigOf(text: (key: string) => string | undefined): JoinConfig {
  const get = (name: string) => text(`${CONFIG_NAMESPACE}:${name}`);
  const given = (name: string) => {
    const v = get(name);
    return v === undefined || v === "" ? undefined : v;
  };
  const list = (name: string): readonly string[] | undefined => {
    const v = given(name);
    if (v === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(v);
      if (!Array.isArray(parsed)) return [v];
      return parsed.length === 0 ? undefined : parsed.map(String);
    } catch {
      return [v];
    }
  };
  const expect = Number(given("bootstrapExpect") ?? 0);
  return {
    bootstrap: get("bootstrap") === "true",
    bootstrapExpect: Number.isFinite(expect) && expect !== 0 ? expect : undefined,
    bootstrapStack: get("bootstrapStack") ?? "",
    joinAddresses: list("joinAddresses"),
    wanJoinAddresses: list("wanJoinAddresses"),
    gossipKey: given("gossipKey"),
    tlsCaKey: given("tlsCaKey"),
    aclEnabled: get("aclEnabled") !== "false",
    aclManagementToken: given("aclManagementToken"),
  };
}

/** A stack's role in the plan, from its {@link JoinConfig}. */
export function stackRoleOf(stack: string, config: JoinConfig, project: string): StackRole {
  return {
    stack,
    bootstraps: config.bootstrap,
    reads: readsBootstrapStack(config)
      ? bootstrapReference(config.bootstrapStack, project)
      : undefined,
    bootstrapStackSetting: config.bootstrapStack,
  };
}

/**
 * The stacks `npm run up` deploys when `--stacks` is not given: every stack with a stack file, but
 * not one the backend lists as destroyed (updated before, no resources left: a host removed with
 * `pulumi destroy`, whose `up` would deploy it again); `skipped` names those, to be said. A stack
 * never deployed (absent from the backend, or without an update) is deployed.
 */
export function defaultUpStacks(
  configured: readonly string[],
  listing: readonly (StackListing & { readonly lastUpdate?: string })[],
): { stacks: string[]; skipped: string[] } {
  const destroyed = new Set(
    listing
      .filter((s) => (s.resourceCount ?? 0) === 0 && s.lastUpdate !== undefined)
      .map((s) => s.name),
  );
  return {
    stacks: configured.filter((s) => !destroyed.has(s)),
    skipped: configured.filter((s) => destroyed.has(s)),
  };
}

/** How one stack's `up` ended. */
export interface StackOutcome {
  readonly stack: string;
  /** Seconds from its start to its end. */
  readonly seconds: number;
  /** The last lines of its error; `undefined` when it succeeded. */
  readonly error?: string;
}

const secondsText = (s: number): string => `${s.toFixed(1)} s`;

/**
 * What `npm run up` says at the end: each stack's time and the total, then, when something failed,
 * every failed stack with the last lines of its error and the stacks not started. `ok` is whether
 * every stack was deployed.
 */
export function upSummary(
  outcomes: readonly StackOutcome[],
  notStarted: readonly string[],
  totalSeconds: number,
): { ok: boolean; lines: string[] } {
  const failed = outcomes.filter((o) => o.error !== undefined);
  const times = outcomes
    .map((o) => `${o.stack} ${secondsText(o.seconds)}${o.error === undefined ? "" : " (failed)"}`)
    .join(", ");
  const timing = `${times}; total ${secondsText(totalSeconds)}`;
  if (failed.length === 0 && notStarted.length === 0)
    return { ok: true, lines: [`every stack is up: ${timing}.`] };
  const lines = [`failed: ${failed.map((o) => o.stack).join(", ")} (${timing}).`];
  if (notStarted.length > 0)
    lines.push(`not started, as they wait for a failed stack: ${notStarted.join(", ")}.`);
  for (const o of failed) {
    for (const line of (o.error ?? "").split("\n")) lines.push(`[${o.stack}] ${line}`);
  }
  return { ok: false, lines };
}

/** The last `count` non-empty lines of an error message. */
export function lastLines(message: string, count = 12): string {
  return message
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-count)
    .join("\n");
}

/**
 * What to say of a failed `up`: the Automation API's error holds the whole engine output, whose
 * last lines are the resource counts; the lines that say `error` are what went wrong (each once,
 * trimmed, the last `count`; not a progress row, `+  <resource> creating (3s) error: …`, which the
 * diagnostics repeat, nor the API's own "Command failed with exit code"). Without such a
 * line, the message's {@link lastLines}.
 */
export function failureLines(message: string, count = 12): string {
  const errors = [
    ...new Set(
      message
        .split("\n")
        .map((l) => l.trim())
        .filter(
          (l) =>
            /\berror\b/i.test(l) && !/^[+~-] /.test(l) && !/Command failed with exit code/.test(l),
        ),
    ),
  ];
  return errors.length > 0 ? errors.slice(-count).join("\n") : lastLines(message, count);
}
