// The command lines of the day-two scripts (`npm run roll`, `npm run restore`), parsed and checked:
// every mistake reported at once, naming the flag and the fix.
import { CONFIG_NAMESPACE } from "./config-namespace";
import { parseSnapshotFileName } from "../components";

/** One config value `npm run roll` sets on every stack: `--set <key>=<value>`. */
export interface ConfigChange {
  /** The full key, `distributed-consul:<name>` unless another namespace was given. */
  readonly key: string;
  /** The value, as `pulumi config set --path` takes it. */
  readonly value: string;
}

/** What `npm run roll` was asked to do. */
export interface RollArgs {
  /** Config changes applied to each stack before its `up`; may be empty (re-apply the program). */
  readonly changes: readonly ConfigChange[];
  /** The stacks, in the order given; `undefined`: every deployed stack of the project, by name. */
  readonly stacks?: readonly string[];
  /** Seconds to wait, after each `up`, for autopilot to report every server healthy. */
  readonly healthTimeoutSeconds: number;
  /**
   * How many client hosts (role `client`) are rolled at once, after the servers. Default 1.
   * @default 1
   */
  readonly clientBatch: number;
}

/** What `npm run restore` was asked to do. */
export interface RestoreArgs {
  /** The stack whose global server receives the snapshot. */
  readonly stack: string;
  /**
   * A snapshot file; `undefined`: the newest of the datacenter in {@link dir}, or of
   * {@link fromHost}'s scheduled snapshots. With `fromHost`, a file name of that host's
   * (`node2-20261207T190000Z.snap`), no folder.
   */
  readonly file?: string;
  /**
   * A stack whose host keeps scheduled snapshots: the snapshot (the newest of its node, or
   * {@link file}) is copied out of its sidecar into {@link dir} first. `undefined`: the snapshot
   * is on this machine already.
   */
  readonly fromHost?: string;
  /** The snapshots folder (as the stacks' `snapshots.dir`). */
  readonly dir: string;
  /** The stacks to converge after the restore; `undefined`: every deployed stack of the project. */
  readonly stacks?: readonly string[];
}

/** What `npm run forget` was asked to do. */
export interface ForgetArgs {
  /** The node name of the global server to remove, e.g. `node3`. */
  readonly node: string;
  /**
   * Stacks whose global server is asked, in order, until one answers; `undefined`: every stack
   * of the project but the forgotten node's.
   */
  readonly via?: readonly string[];
}

/** What `npm run up` was asked to do. */
export interface UpArgs {
  /**
   * The stacks, in the order given; `undefined`: every stack with a stack file
   * (`Pulumi.<stack>.yaml`) but those the backend lists as destroyed.
   */
  readonly stacks?: readonly string[];
}

/** Default seconds `npm run roll` waits for a healthy cluster after each stack. */
export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 180;

/** A parse: the arguments, or every problem with them. */
export type Parsed<T> = { readonly args: T } | { readonly problems: readonly string[] };

/** Splits `argv` into flags with values (`--flag value` or `--flag=value`); repeated flags collect. */
function flags(
  argv: readonly string[],
  known: readonly string[],
  problems: string[],
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      problems.push(
        `unexpected argument "${arg}"; flags are ${known.map((k) => `--${k}`).join(", ")}.`,
      );
      continue;
    }
    const [, name, inline] = m;
    if (!known.includes(name)) {
      problems.push(`unknown flag --${name}; flags are ${known.map((k) => `--${k}`).join(", ")}.`);
      if (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("--")) i++;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
        problems.push(`--${name} needs a value.`);
        continue;
      }
      value = argv[++i];
    }
    found.set(name, [...(found.get(name) ?? []), value]);
  }
  return found;
}

function stackList(
  value: string | undefined,
  problems: string[],
  flag = "stacks",
): string[] | undefined {
  if (value === undefined) return undefined;
  const stacks = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (stacks.length === 0) problems.push(`--${flag} needs at least one stack name (node1,node2).`);
  const twice = stacks.filter((s, i) => stacks.indexOf(s) !== i);
  if (twice.length > 0) problems.push(`--${flag} names ${twice.join(", ")} more than once.`);
  return stacks;
}

function single(
  found: Map<string, string[]>,
  name: string,
  problems: string[],
): string | undefined {
  const values = found.get(name);
  if (values && values.length > 1)
    problems.push(`--${name} is given ${values.length} times; give it once.`);
  return values?.[values.length - 1];
}

/** `consulImage=x` → `distributed-consul:consulImage`; a key with a namespace is kept. */
export function configChange(text: string, problems: string[]): ConfigChange | undefined {
  const eq = text.indexOf("=");
  const name = eq < 0 ? "" : text.slice(0, eq).trim();
  if (eq < 0 || name === "") {
    problems.push(
      `--set ${text}: expected <key>=<value>, e.g. --set consulImage=hashicorp/consul:1.22.7.`,
    );
    return undefined;
  }
  return {
    key: name.includes(":") ? name : `${CONFIG_NAMESPACE}:${name}`,
    value: text.slice(eq + 1),
  };
}

/**
 * Parses `npm run roll -- --set k=v ... [--stacks a,b] [--health-timeout s] [--client-batch n]`.
 */
export function parseRollArgs(argv: readonly string[]): Parsed<RollArgs> {
  const problems: string[] = [];
  const found = flags(argv, ["set", "stacks", "health-timeout", "client-batch"], problems);
  const changes = (found.get("set") ?? [])
    .map((t) => configChange(t, problems))
    .filter((c): c is ConfigChange => c !== undefined);
  const keys = changes.map((c) => c.key);
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  if (twice.length > 0)
    problems.push(`--set gives ${[...new Set(twice)].join(", ")} more than once.`);
  const stacks = stackList(single(found, "stacks", problems), problems);
  const timeoutText = single(found, "health-timeout", problems);
  const healthTimeoutSeconds =
    timeoutText === undefined ? DEFAULT_HEALTH_TIMEOUT_SECONDS : Number(timeoutText);
  if (!Number.isInteger(healthTimeoutSeconds) || healthTimeoutSeconds < 1) {
    problems.push(
      `--health-timeout must be a whole number of seconds (at least 1), not "${timeoutText}".`,
    );
  }
  const batchText = single(found, "client-batch", problems);
  const clientBatch = batchText === undefined ? 1 : Number(batchText);
  if (!Number.isInteger(clientBatch) || clientBatch < 1) {
    problems.push(
      `--client-batch must be a whole number of client hosts (at least 1), not "${batchText}".`,
    );
  }
  return problems.length > 0
    ? { problems }
    : { args: { changes, stacks, healthTimeoutSeconds, clientBatch } };
}

/**
 * Parses `npm run restore -- --stack node1 [--from-host node2] [--file F] [--dir D] [--stacks a,b]`.
 * With `--from-host`, `--file` must be a snapshot file name (`<node>-<UTC time>.snap`).
 */
export function parseRestoreArgs(argv: readonly string[], defaultDir: string): Parsed<RestoreArgs> {
  const problems: string[] = [];
  const found = flags(argv, ["stack", "from-host", "file", "dir", "stacks"], problems);
  const stack = single(found, "stack", problems);
  if (stack === undefined)
    problems.push(
      "--stack is required: the stack whose server receives the snapshot (e.g. --stack node1).",
    );
  const fromHost = single(found, "from-host", problems)?.trim();
  if (fromHost === "")
    problems.push(
      "--from-host needs the stack of a server host that keeps scheduled snapshots (e.g. --from-host node2).",
    );
  const file = single(found, "file", problems);
  if (
    fromHost !== undefined &&
    file !== undefined &&
    (file.includes("/") || parseSnapshotFileName(file) === undefined)
  ) {
    problems.push(
      `--file with --from-host names a snapshot on that host, <node>-<UTC yyyymmddThhmmssZ>.snap without a folder, not "${file}"; leave --file out for its newest.`,
    );
  }
  const dir = single(found, "dir", problems) ?? defaultDir;
  const stacks = stackList(single(found, "stacks", problems), problems);
  return problems.length > 0 || stack === undefined
    ? { problems }
    : { args: { stack, file, dir, stacks, ...(fromHost ? { fromHost } : {}) } };
}

/** Parses `npm run up -- [--stacks node1,node2,node3]`. */
export function parseUpArgs(argv: readonly string[]): Parsed<UpArgs> {
  const problems: string[] = [];
  const found = flags(argv, ["stacks"], problems);
  const stacks = stackList(single(found, "stacks", problems), problems);
  return problems.length > 0 ? { problems } : { args: { stacks } };
}

/** Parses `npm run forget -- --node node3 [--via node1,node2]`. */
export function parseForgetArgs(argv: readonly string[]): Parsed<ForgetArgs> {
  const problems: string[] = [];
  const found = flags(argv, ["node", "via"], problems);
  const node = single(found, "node", problems);
  if (node === undefined || node.trim() === "")
    problems.push(
      "--node is required: the node name of the lost host's global server (e.g. --node node3).",
    );
  const viaText = single(found, "via", problems);
  const via = stackList(viaText, problems, "via");
  return problems.length > 0 || node === undefined
    ? { problems }
    : { args: { node: node.trim(), via } };
}

/**
 * The roll order: `stacks` as given, but the stack whose server leads moved to the end, so that a
 * roll replaces the leader once, last, and the cluster elects a new leader once (each replaced
 * follower rejoins under the same leader). `nodeOf` maps a stack to its server's node name;
 * `leader` is the leader's node name, if known.
 */
export function leaderLast(
  stacks: readonly string[],
  nodeOf: (stack: string) => string | undefined,
  leader: string | undefined,
): string[] {
  const leading = stacks.filter((s) => leader !== undefined && nodeOf(s) === leader);
  return [...stacks.filter((s) => !leading.includes(s)), ...leading];
}

/**
 * The roll's groups, in order: each server alone (as {@link leaderLast} orders them), then the
 * client hosts `clientBatch` at a time. Servers before clients, as HashiCorp's upgrade guidance
 * has it; a client host is no voter, so several may be rolled together (only their own
 * registrations are briefly gone from dc1 while their agents restart).
 */
export function rollGroups(
  ordered: readonly string[],
  isClient: (stack: string) => boolean,
  clientBatch: number,
): string[][] {
  const servers = ordered.filter((s) => !isClient(s)).map((s) => [s]);
  const clients = ordered.filter(isClient);
  const batches: string[][] = [];
  for (let i = 0; i < clients.length; i += clientBatch) {
    batches.push(clients.slice(i, i + clientBatch));
  }
  return [...servers, ...batches];
}

/** What the workspace says of one stack (the Automation API's `StackSummary`, the part used). */
export interface StackListing {
  readonly name: string;
  /** Resources in its state; 0 (or absent) once the stack is destroyed. */
  readonly resourceCount?: number;
}

/**
 * The stacks `npm run roll` and `npm run restore` act on when `--stacks` is not given: those that
 * are deployed, by name. A destroyed stack (a host removed with `pulumi destroy`, whose stack and
 * config Pulumi keeps) has no resources: an `up` of it would deploy that host again, so it is left
 * out; `skipped` names it, to be said. Given explicitly with `--stacks`, a stack is always used.
 */
export function deployedStacks(listing: readonly StackListing[]): {
  deployed: string[];
  skipped: string[];
} {
  const byName = [...listing].sort((a, b) => a.name.localeCompare(b.name));
  return {
    deployed: byName.filter((s) => (s.resourceCount ?? 0) > 0).map((s) => s.name),
    skipped: byName.filter((s) => (s.resourceCount ?? 0) === 0).map((s) => s.name),
  };
}
