// npm run bench [-- --hosts 1,10,100] [--runs 5] (not a test): how long Pulumi takes to evaluate a
// program composing N hosts with this project's components, against the same containers declared
// as raw docker resources, both under Pulumi's mocks (no engine, no provider). Prints the median of
// several runs per size. test/bench.test.ts runs one round of one host.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  AGENT_CONFIG_FILE,
  AGENT_ENTRYPOINT,
  DATA_DIR,
  DEFAULT_CONSUL_IMAGE,
  DEFAULT_GLOBAL_PORTS,
  DEFAULT_INTERNAL_PORTS,
  DEFAULT_REGISTRATOR_IMAGE,
  DEFAULT_REGISTRATOR_OPTIONS,
  GlobalConsul,
  InternalDc,
  LOCAL_CONFIG_ENV,
  Registrator,
  agentOptions,
  agentStartScript,
  globalAgentConfig,
  internalAgentConfig,
  leaderHealthcheck,
  registratorCommand,
  renderConfig,
} from "../components";
import { RegisteredHook, recordHooksUnderMocks } from "../testbed/mock-hooks";

/** What `npm run bench` measures: the numbers of hosts, and the runs per number (a median). */
export interface BenchOptions {
  /** Numbers of hosts composed, one table row each. */
  readonly hosts: readonly number[];
  /** Runs of each side per row; the row gives their median. */
  readonly runs: number;
}

/** The default: 1, 10 and 100 hosts, 5 runs each (what docs/composing.md reports). */
export const DEFAULT_BENCH_OPTIONS: BenchOptions = { hosts: [1, 10, 100], runs: 5 };

/** `--hosts 1,10,100` and `--runs 5` from a command line; an error names a malformed flag. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let { hosts, runs } = DEFAULT_BENCH_OPTIONS;
  const positive = (flag: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`${flag}: "${text ?? ""}" is not a whole number of at least 1.`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--hosts") hosts = (value ?? "").split(",").map((n) => positive(flag, n));
    else if (flag === "--runs") runs = positive(flag, value);
    else
      throw new Error(`${flag}: not a flag of npm run bench; use --hosts 1,10,100 and --runs 5.`);
    i++;
  }
  return { hosts, runs };
}

interface Host {
  readonly name: string;
  readonly address: string;
}

function hostsOf(n: number): Host[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `node${i + 1}`,
    address: `10.${Math.floor((i + 1) / 250)}.${(i + 1) % 250}.10`,
  }));
}

/**
 * What the bench measures is the components' own cost, so both sides declare the same bare agents:
 * the components with every protection turned off explicitly (the raw side has no ACLs, TLS or
 * gossip key either). Each opt-out warns, as it should; the bench counts those warnings instead of
 * printing thousands of them.
 */
const OPT_OUT = { aclEnabled: false, tlsEnabled: false, gossipEncryption: false } as const;

/** Each host as the components declare it: a global server, an internal DC, a registrator. */
function declareWithComponents(hosts: Host[]): void {
  const joins = hosts.map((h) => `${h.address}:8301`);
  for (const [i, h] of hosts.entries()) {
    const provider = new docker.Provider(`docker-${h.name}`, { host: `ssh://docker@${h.address}` });
    const global = new GlobalConsul(
      `global-${h.name}`,
      {
        nodeName: h.name,
        hostAddress: h.address,
        bootstrapExpect: hosts.length,
        serverCount: hosts.length,
        joinAddresses: joins.filter((_, j) => j !== i),
        ...OPT_OUT,
      },
      { providers: [provider] },
    );
    new InternalDc(
      `internal-${h.name}`,
      {
        nodeName: h.name,
        hostAddress: h.address,
        internalDatacenter: `vm${i + 1}`,
        wanJoinAddresses: [global.wanAddress],
        ...OPT_OUT,
      },
      { providers: [provider] },
    );
    new Registrator(
      `registrator-${h.name}`,
      {
        consulAddress: global.localHttpAddress,
        containerName: "registrator-dc1",
        options: { hostIp: h.address },
        aclEnabled: false,
      },
      { providers: [provider] },
    );
  }
}

/** The same resources (images, volumes, containers, same inputs) declared directly. */
function declareRaw(hosts: Host[]): void {
  const joins = hosts.map((h) => `${h.address}:8301`);
  const common = {
    dockerBridgeAddress: "172.17.0.1",
    // The settings every agent takes, defaulted as declared.
    ...agentOptions({}),
    aclEnabled: false,
    tls: false,
    globalDatacenter: "dc1",
  };
  for (const [i, h] of hosts.entries()) {
    const opts = {
      provider: new docker.Provider(`docker-${h.name}`, { host: `ssh://docker@${h.address}` }),
    };
    const server = (
      name: string,
      dc: string,
      config: string,
      httpPort: number,
      remote: string[],
    ): void => {
      const image = new docker.RemoteImage(
        `${name}-image`,
        { name: DEFAULT_CONSUL_IMAGE, keepLocally: true },
        opts,
      );
      const volume = new docker.Volume(
        `${name}-data`,
        { name: `consul-${dc}-${h.name}-data` },
        opts,
      );
      const check = leaderHealthcheck(httpPort, remote);
      new docker.Container(
        `${name}-agent`,
        {
          name: `consul-${dc}-${h.name}`,
          image: image.imageId,
          entrypoints: [...AGENT_ENTRYPOINT],
          command: [agentStartScript({ tlsKey: false })],
          networkMode: "host",
          restart: "unless-stopped",
          envs: pulumi.secret([`${LOCAL_CONFIG_ENV}={}\n`]),
          labels: [{ label: "SERVICE_IGNORE", value: "true" }],
          volumes: [{ volumeName: volume.name, containerPath: DATA_DIR }],
          uploads: [{ file: AGENT_CONFIG_FILE, content: config }],
          healthcheck: { ...check },
          wait: true,
          waitTimeout: 120,
        },
        { ...opts, deleteBeforeReplace: true, replaceOnChanges: ["healthcheck"] },
      );
    };
    const globalConfig = renderConfig(
      globalAgentConfig({
        ...common,
        nodeName: h.name,
        hostAddress: h.address,
        datacenter: "dc1",
        bootstrap: false,
        bootstrapExpect: hosts.length,
        serverCount: hosts.length,
        joinAddresses: joins.filter((_, j) => j !== i),
        ports: DEFAULT_GLOBAL_PORTS,
      }),
    );
    server(`global-${h.name}`, "dc1", globalConfig, DEFAULT_GLOBAL_PORTS.http, []);
    const internalConfig = renderConfig(
      internalAgentConfig({
        ...common,
        nodeName: h.name,
        hostAddress: h.address,
        datacenter: `vm${i + 1}`,
        wanJoinAddresses: [`${h.address}:8302`],
        ports: DEFAULT_INTERNAL_PORTS,
      }),
    );
    server(`internal-${h.name}`, `vm${i + 1}`, internalConfig, DEFAULT_INTERNAL_PORTS.http, [
      "dc1",
    ]);
    const image = new docker.RemoteImage(
      `registrator-${h.name}-image`,
      { name: DEFAULT_REGISTRATOR_IMAGE, keepLocally: true },
      opts,
    );
    new docker.Container(
      `registrator-${h.name}-container`,
      {
        name: "registrator-dc1",
        image: image.imageId,
        command: registratorCommand({
          ...DEFAULT_REGISTRATOR_OPTIONS,
          hostIp: h.address,
          consulAddress: `${h.address}:${DEFAULT_GLOBAL_PORTS.http}`,
        }),
        networkMode: "host",
        restart: "unless-stopped",
        envs: pulumi.secret([]),
        labels: [{ label: "SERVICE_IGNORE", value: "true" }],
        volumes: [
          { hostPath: "/var/run/docker.sock", containerPath: "/tmp/docker.sock", readOnly: true },
        ],
      },
      { ...opts, deleteBeforeReplace: true },
    );
  }
}

/** Milliseconds from the first declaration until every registration is done. */
async function evaluate(
  declare: () => void,
): Promise<{ ms: number; resources: number; warnings: number }> {
  let resources = 0;
  let warnings = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        resources++;
        const state = { ...(args.inputs as Record<string, unknown>) };
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = "sha256:bench";
        return { id: `${args.name}-id`, state };
      },
      call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
    },
    "bench",
    "bench",
    false,
  );
  // The servers carry resource hooks, which the mock monitor cannot register: recorded instead.
  recordHooksUnderMocks(new Map<string, RegisteredHook>());
  // Without an engine, pulumi.log.warn prints to console.warn: counted here instead (see OPT_OUT).
  const consoleWarn = console.warn;
  console.warn = () => void warnings++;
  try {
    const start = process.hrtime.bigint();
    declare();
    await pulumi.runtime.disconnect();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, resources, warnings };
  } finally {
    console.warn = consoleWarn;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs the bench and prints its table through `print`: a header, then one row per number of hosts
 * (medians in ms, their ratio, ms per host, resources declared, opt-out warnings).
 */
export async function runBench(
  options: BenchOptions,
  print: (line: string) => void = console.log,
): Promise<void> {
  print(`median of ${options.runs} runs each, Node ${process.version}`);
  print(
    "hosts | components ms | raw ms | ratio | components ms/host | resources (components / raw) | opt-out warnings",
  );
  for (const n of options.hosts) {
    const hosts = hostsOf(n);
    const withComponents: number[] = [];
    const raw: number[] = [];
    let counts = "";
    let warned = 0;
    for (let r = 0; r < options.runs; r++) {
      const c = await evaluate(() => declareWithComponents(hosts));
      const d = await evaluate(() => declareRaw(hosts));
      withComponents.push(c.ms);
      raw.push(d.ms);
      counts = `${c.resources} / ${d.resources}`;
      warned = c.warnings;
    }
    const cm = median(withComponents);
    const rm = median(raw);
    print(
      `${n} | ${cm.toFixed(0)} | ${rm.toFixed(0)} | ${(cm / rm).toFixed(2)} | ${(cm / n).toFixed(1)} | ${counts} | ${warned}`,
    );
  }
}

if (require.main === module) {
  Promise.resolve()
    .then(() => runBench(parseBenchArgs(process.argv.slice(2))))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
