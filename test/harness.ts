// Test harness: Pulumi mocks that record every registration, and a runner for the real program
// (index.ts) with a stack's config file. Nothing here calls the Pulumi CLI or a provider plugin.
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { RegisteredHook, recordHooksUnderMocks } from "../testbed/mock-hooks";

// The program refuses to run while DOCKER_HOST or DOCKER_CONTEXT could redirect its Docker engine:
// the shell the tests run from (Colima, rootless Docker) must not decide that. Tests that need
// them set them and delete them again.
delete process.env.DOCKER_HOST;
delete process.env.DOCKER_CONTEXT;

/** Resource options of a registration, as the SDK sends them to the engine. */
export interface RegistrationOptions {
  /** URN of the parent resource (`""` for none). */
  readonly parent: string;
  /** URNs the resource depends on (`dependsOn` and inputs' resources). */
  readonly dependencies: string[];
  /**
   * URNs each input property depends on (the resources its value came from). The engine reads
   * these, not `dependencies`, to decide which dependents of a resource replaced with
   * `deleteBeforeReplace` it must delete first.
   */
  readonly propertyDependencies: Readonly<Record<string, string[]>>;
  /** `deleteBeforeReplace`. */
  readonly deleteBeforeReplace: boolean;
  /** `replaceOnChanges`. */
  readonly replaceOnChanges: string[];
  /** `retainOnDelete`. */
  readonly retainOnDelete: boolean;
  /** URN of the `deletedWith` resource (`""` for none). */
  readonly deletedWith: string;
  /** `ignoreChanges`. */
  readonly ignoreChanges: string[];
  /** `aliases`, as the SDK sends them (alias specs; only the fields the tests read). */
  readonly aliases: RegisteredAlias[];
  /** Names of the hooks bound to the resource (`hooks.beforeDelete`, `hooks.onError`). */
  readonly hooks: RegisteredHooks;
}

/** Names of the hooks a registration binds. */
export interface RegisteredHooks {
  readonly beforeDelete: string[];
  readonly onError: string[];
}

/** One alias of a registration: a former name and whether it had no parent then. */
export interface RegisteredAlias {
  /** The former name (`""` when unchanged). */
  readonly name: string;
  /** The former parent was the stack itself. */
  readonly noParent: boolean;
}

/** One resource registration seen by the mocks. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  /** Its resource options (parent, dependencies, replacement rules). */
  readonly options: RegistrationOptions;
  /** Inputs as the engine would see them; secret values arrive wrapped (see {@link isSecret}). */
  readonly inputs: Record<string, unknown>;
  /** Provider reference (`urn::id`) the resource is routed to; undefined for default providers. */
  readonly provider?: string;
  readonly custom: boolean;
}

/** The secret the mocked Consul gives the token with this accessor ID. */
export function mockTokenSecret(accessorId: string): string {
  return `secret-of-${accessorId}`;
}

/** The `result` the mocked `random.RandomPassword` named `name` returns: 64 characters, distinct per name. */
export function mockSeed(name: string): string {
  return `${name}:`.padEnd(64, "s");
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a recorded input value is a Pulumi secret (the mocks see secrets wrapped). */
export function isSecret(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === SECRET_SIG
  );
}

/** The plain value of a recorded input, unwrapping a secret. */
export function reveal(value: unknown): unknown {
  return isSecret(value) ? (value as Record<string, unknown>).value : value;
}

/** Outputs of other stacks, by fully qualified stack name, served to `StackReference`s. */
export type StackOutputs = Record<string, Record<string, unknown>>;

/** The part of the SDK's RegisterResourceRequest the harness reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(callback: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getDeletebeforereplace(): boolean;
  getReplaceonchangesList(): string[];
  getRetainondelete(): boolean | undefined;
  getDeletedwith(): string;
  getIgnorechangesList(): string[];
  getAliasesList(): { getSpec(): { getName(): string; getNoparent(): boolean } | undefined }[];
  getHooks(): { getBeforeDeleteList(): string[]; getOnErrorList(): string[] } | undefined;
}

/**
 * Resource options never reach the mocks' `newResource`, so the mock monitor's
 * `registerResource` is wrapped to read them off the request the SDK sends (the fields the
 * engine acts on), keyed by type and name for `newResource` to pick up.
 */
function captureOptions(): Map<string, RegistrationOptions> {
  const seen = new Map<string, RegistrationOptions>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((value, key) => {
      propertyDependencies[key] = value.getUrnsList();
    });
    seen.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      replaceOnChanges: req.getReplaceonchangesList(),
      retainOnDelete: req.getRetainondelete() ?? false,
      deletedWith: req.getDeletedwith(),
      ignoreChanges: req.getIgnorechangesList(),
      aliases: req.getAliasesList().flatMap((alias) => {
        const spec = alias.getSpec();
        return spec ? [{ name: spec.getName(), noParent: spec.getNoparent() }] : [];
      }),
      hooks: {
        beforeDelete: req.getHooks()?.getBeforeDeleteList() ?? [],
        onError: req.getHooks()?.getOnErrorList() ?? [],
      },
    });
    return original(req, callback);
  };
  return seen;
}

/** Installs mocks that record registrations into `into`; returns once the mocks are active. */
export async function installMocks(
  into: Registration[],
  stackOutputs: StackOutputs = {},
  stack = "test",
): Promise<void> {
  let options = new Map<string, RegistrationOptions>();
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        // Inputs are an untyped bag by the mocks' contract; recorded as a record of unknowns.
        const inputs = args.inputs as Record<string, unknown>;
        into.push({
          type: args.type,
          name: args.name,
          options: options.get(`${args.type}::${args.name}`) ?? {
            parent: "",
            dependencies: [],
            propertyDependencies: {},
            deleteBeforeReplace: false,
            replaceOnChanges: [],
            retainOnDelete: false,
            deletedWith: "",
            ignoreChanges: [],
            aliases: [],
            hooks: { beforeDelete: [], onError: [] },
          },
          inputs,
          provider: args.provider,
          custom: args.custom ?? true,
        });
        const state: Record<string, unknown> = { ...inputs };
        switch (args.type) {
          case "docker:index/remoteImage:RemoteImage":
            state.imageId = `sha256:mock-${String(reveal(inputs.name))}`;
            break;
          case "random:index/randomPassword:RandomPassword":
            state.result = mockSeed(args.name);
            // As the provider does: the ID is a constant, the value only in the secret result.
            return { id: "none", state };
          case "pulumi:pulumi:StackReference":
            state.outputs = stackOutputs[String(inputs.name)] ?? {};
            state.secretOutputNames = [];
            break;
          case "consul:index/aclToken:AclToken":
            state.accessorId = `accessor-of-${args.name}`;
            break;
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        if (args.token === "consul:index/getAclTokenSecretId:getAclTokenSecretId") {
          // Consul makes the secret: here, one that names the token it belongs to.
          const inputs = args.inputs as Record<string, unknown>;
          return { ...inputs, secretId: mockTokenSecret(String(inputs.accessorId)) };
        }
        return args.inputs as Record<string, unknown>;
      },
    },
    "distributed-consul",
    stack,
    false,
    "organization",
  );
  options = captureOptions();
  recordHooks();
}

/** The hooks the program registered, by name (resource hooks and error hooks). */
export const registeredHooks = new Map<string, RegisteredHook>();

/** Records the program's hooks instead of registering them (see `recordHooksUnderMocks`). */
function recordHooks(): void {
  registeredHooks.clear();
  recordHooksUnderMocks(registeredHooks);
}

/**
 * Resolves an Output (or plain value) to its value, secret or not, and rejects when the Output
 * failed (an error thrown inside an `apply`), so a test sees the error instead of timing out.
 */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  // `promise()` is how the SDK itself awaits an Output; it is not in the public typings, so it is
  // reached through a narrow structural type rather than `any`.
  const withPromise = pulumi.output(output) as unknown as { promise(): Promise<T> };
  return withPromise.promise();
}

/** Whether an Output is marked secret. */
export function outputIsSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** Reads a stack file (`Pulumi.<stack>.yaml`) into raw config: key → value text. */
export function readStackConfig(stack: string): Record<string, string> {
  const file = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    raw[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return raw;
}

/** The config keys `pulumi config set --secret` is for; runProgram marks them secret by default. */
export const SECRET_CONFIG_KEYS = [
  "distributed-consul:tlsCaKey",
  "distributed-consul:gossipKey",
  "distributed-consul:aclManagementToken",
];

/** Network interfaces as `os.networkInterfaces()` reports them. */
export type Interfaces = ReturnType<typeof os.networkInterfaces>;

/** The machine the tests simulate: the original node1, with Docker's bridge beside its LAN. */
export const NODE1_INTERFACES: Interfaces = {
  lo: [iface("127.0.0.1", true)],
  docker0: [iface("172.17.0.1", false)],
  eth0: [iface("192.168.99.100", false)],
};

/**
 * The simulated node1's route table (`/proc/net/route`): its default route goes out of eth0, its
 * LAN is on eth0 too, Docker's bridge on docker0.
 */
export const NODE1_ROUTES = routeTable([
  ["eth0", "00000000", "0163A8C0", "0003", "100", "00000000"],
  ["eth0", "0063A8C0", "00000000", "0001", "100", "00FFFFFF"],
  ["docker0", "000011AC", "00000000", "0001", "0", "0000FFFF"],
]);

/**
 * The text of `/proc/net/route` with these rows: interface, destination, gateway, flags, metric
 * and mask, in the kernel's little-endian hex.
 */
export function routeTable(rows: readonly (readonly string[])[]): string {
  const header =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT";
  const lines = rows.map(([name, destination, gateway, flags, metric, mask]) =>
    [name, destination, gateway, flags, "0", "0", metric, mask, "0", "0", "0"].join("\t"),
  );
  return [header, ...lines, ""].join("\n");
}

/** This machine as the program sees it: what it reads of the machine it runs on. */
export interface SimulatedMachine {
  /** `os.networkInterfaces()`. */
  readonly interfaces: Interfaces;
  /** The text of `/proc/net/route`; `undefined` for a machine without one (macOS, Windows). */
  readonly routes?: string;
  /**
   * What `docker info --format '{{json .}}'` prints for the local engine, or the error running it
   * throws (a failed or timed-out command); `undefined` for a machine without a docker CLI.
   */
  readonly dockerInfo?: string | Error;
}

/** A recorded `/info` answer of a Docker engine, from test/fixtures. */
export function recordedEngineInfo(
  file:
    | "linux-engine-info.json"
    | "docker-desktop-info.json"
    | "rootless-docker-info.json"
    | "rootless-podman-info.json",
): string {
  return fs.readFileSync(path.join(__dirname, "fixtures", file), "utf8");
}

/** The simulated node1: its interfaces and routes, and a Linux Docker Engine with a docker CLI. */
export const NODE1_MACHINE: SimulatedMachine = {
  interfaces: NODE1_INTERFACES,
  routes: NODE1_ROUTES,
  dockerInfo: recordedEngineInfo("linux-engine-info.json"),
};

/** One IPv4 interface address, as `os.networkInterfaces()` reports it. */
export function iface(address: string, internal = false): os.NetworkInterfaceInfoIPv4 {
  return {
    address,
    netmask: "255.255.255.0",
    family: "IPv4",
    mac: "00:00:00:00:00:00",
    internal,
    cidr: `${address}/24`,
  };
}

/**
 * Until `restore()`, `child_process.execFileSync("docker", …)` answers with `answer` (or throws it,
 * or throws ENOENT when `undefined`: no docker CLI) and records each call in `asked`: the
 * `DOCKER_HOST` it was given (and `DOCKER_CONTEXT`, if it was given one), then its arguments. Other commands run as they are.
 */
export function simulateDockerCli(answer: string | Error | undefined): {
  asked: string[];
  restore(): void;
} {
  const asked: string[] = [];
  // The module object itself, which the program's import reads through (see runProgram).
  const cpModule = process.getBuiltinModule("child_process") as {
    execFileSync: typeof childProcess.execFileSync;
  };
  const execFileSync = cpModule.execFileSync;
  cpModule.execFileSync = ((file: string, args?: readonly string[], options?: unknown) => {
    if (file !== "docker") {
      return execFileSync(file, args, options as childProcess.ExecFileSyncOptions);
    }
    const env = (options as { env?: NodeJS.ProcessEnv } | undefined)?.env;
    const context = env?.DOCKER_CONTEXT ? ` (DOCKER_CONTEXT ${env.DOCKER_CONTEXT})` : "";
    asked.push(`${String(env?.DOCKER_HOST)}${context} ${(args ?? []).join(" ")}`);
    if (answer === undefined) {
      throw Object.assign(new Error("spawnSync docker ENOENT"), { code: "ENOENT" });
    }
    if (answer instanceof Error) throw answer;
    return answer;
  }) as typeof childProcess.execFileSync;
  return {
    asked,
    restore: () => {
      cpModule.execFileSync = execFileSync;
    },
  };
}

/** What running the program produced. */
export interface ProgramRun {
  readonly registrations: Registration[];
  /** The program's exports (stack outputs), resolved. */
  readonly outputs: Record<string, unknown>;
  /** The program's exports, unresolved, for secrecy checks. */
  readonly exports: Record<string, unknown>;
  /** What the program warned (`pulumi.log.warn`, which the mocks print to console.warn). */
  readonly warnings: string[];
  /** What the program said (`pulumi.log.info`, which the mocks print to console.log). */
  readonly notices: string[];
  /** Each `docker` command the program ran: the `DOCKER_HOST` it gave, then the arguments. */
  readonly engineAsked: string[];
}

/**
 * Runs a program (index.ts unless `program` names another module) under mocks with the given raw config (full keys, e.g.
 * `distributed-consul:hostAddress`) and returns what it registered and exported. Registrations are
 * recorded into `registrations`, which a caller can pass to inspect a run that fails;
 * `secretKeys` are the keys set as secrets (by default the secret keys present in `config`);
 * `machine` is what the program sees of the machine it runs on (default {@link NODE1_MACHINE}).
 */
export async function runProgram(
  config: Record<string, string>,
  stackOutputs: StackOutputs = {},
  stack = "test",
  registrations: Registration[] = [],
  secretKeys: string[] = SECRET_CONFIG_KEYS.filter((k) => k in config),
  program = "../index",
  machine: SimulatedMachine = NODE1_MACHINE,
): Promise<ProgramRun> {
  const { interfaces, routes, dockerInfo } = machine;
  await installMocks(registrations, stackOutputs, stack);
  pulumi.runtime.setAllConfig(config, secretKeys);
  const entry = require.resolve(program);
  delete require.cache[entry];
  // Without an engine, pulumi.log.warn prints to console.warn: collect it instead.
  const warnings: string[] = [];
  const consoleWarn = console.warn;
  console.warn = (message: unknown) => warnings.push(String(message));
  // The program reads this machine's interfaces when hostAddress is unset: it sees the simulated ones.
  // The module object itself (what the program's import reads through; the namespace this file
  // imports is a read-only copy), as a writable view.
  const osModule = process.getBuiltinModule("os") as { networkInterfaces: () => Interfaces };
  const networkInterfaces = osModule.networkInterfaces;
  osModule.networkInterfaces = () => interfaces;
  // And the simulated route table in place of this machine's (every other file is read as it is).
  const fsModule = process.getBuiltinModule("fs") as { readFileSync: typeof fs.readFileSync };
  const readFileSync = fsModule.readFileSync;
  fsModule.readFileSync = ((file: fs.PathOrFileDescriptor, options?: unknown) => {
    if (file !== "/proc/net/route") return readFileSync(file, options as BufferEncoding);
    if (routes === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
    return routes;
  }) as typeof fs.readFileSync;
  // And the docker CLI answers `docker info` from the simulated engine; the local one is never asked.
  const docker = simulateDockerCli(dockerInfo);
  // pulumi.log.info prints to console.log without an engine: notices are collected too.
  const notices: string[] = [];
  const consoleLog = console.log;
  console.log = (message: unknown, ...rest: unknown[]) => {
    if (typeof message === "string" && message.startsWith("info: ")) notices.push(message);
    else consoleLog(message, ...rest);
  };
  try {
    // Loaded the way Pulumi's Node.js host loads a CommonJS program: required, its
    // `module.exports` being the stack's outputs (a dynamic import would see only `default` when
    // the program assigns a computed object to `export =`).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as Pulumi's host does
    const exports = require(entry) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(exports)) {
      if (pulumi.Output.isInstance(value)) outputs[name] = await valueOf(value);
    }
    // Then wait for every registration the program started, as the language host does when the
    // program ends; otherwise resources registered after the exports resolved are missed.
    await pulumi.runtime.disconnect();
    return { registrations, outputs, exports, warnings, notices, engineAsked: docker.asked };
  } finally {
    console.warn = consoleWarn;
    console.log = consoleLog;
    osModule.networkInterfaces = networkInterfaces;
    fsModule.readFileSync = readFileSync;
    docker.restore();
  }
}

/**
 * Runs `body` and collects what it warned (`pulumi.log.warn`, which prints to console.warn without
 * an engine) instead of printing it.
 */
export async function collectingWarnings<T>(
  body: () => Promise<T>,
): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const consoleWarn = console.warn;
  console.warn = (message: unknown) => warnings.push(String(message));
  try {
    return { result: await body(), warnings };
  } finally {
    console.warn = consoleWarn;
  }
}

/** The registrations of one resource type. */
export function ofType(run: { registrations: Registration[] }, type: string): Registration[] {
  return run.registrations.filter((r) => r.type === type);
}

/** The one registration with this type and name; fails the test if missing. */
export function theOne(
  run: { registrations: Registration[] },
  type: string,
  name: string,
): Registration {
  const found = run.registrations.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) {
    const seen = run.registrations.map((r) => `${r.type} ${r.name}`).join("\n  ");
    throw new Error(`expected one ${type} named ${name}, found ${found.length}; seen:\n  ${seen}`);
  }
  return found[0];
}

/** The URNs the mock monitor assigned, which carry each resource's parent type chain. */
export function registeredUrns(): string[] {
  // The mock monitor keeps the registered resources in a map keyed by URN; that map is the only
  // place the mocks expose parentage (MockResourceArgs has no parent field).
  const monitor = pulumi.runtime.getMonitor() as unknown as { resources?: Map<string, unknown> };
  return [...(monitor.resources?.keys() ?? [])];
}
