// What the real suite needs from its environment, read once and checked before anything runs.
import { spawnSync } from "child_process";
import * as fs from "fs";

/** One Docker host of the real suite. */
export interface TestHost {
  /** Stack name and node name, e.g. `node1`. */
  readonly stack: string;
  /** Docker engine URI, e.g. `unix:///run/dc-node1/docker.sock` or `ssh://user@host`. */
  readonly dockerHost: string;
  /** The host's address, reachable from this machine and the other host. */
  readonly ip: string;
}

/**
 * A test host the three-host suite injects faults into, as root on this machine: its network link
 * (cut to partition the host), its Docker engine (stopped to lose the host) and its network
 * namespace (where the engine is started again).
 */
export interface FaultHost extends TestHost {
  /**
   * This machine's end of the host's link to the LAN (`E2E_NODE<n>_LINK`); `ip link set <link>
   * down` cuts the host off. @default `v-node<n>`
   */
  readonly link: string;
  /**
   * The host's Docker engine's pid file (`E2E_NODE<n>_ENGINE_PID`); `kill` of that pid stops the
   * engine as a shutdown would. @default `/run/dc-node<n>/docker.pid`
   */
  readonly enginePidFile: string;
  /**
   * The host's network namespace on this machine (`E2E_NODE<n>_NETNS`), where its engine runs, as
   * `../shared/e2e/hosts.sh` starts it (`/run/dc-<netns>/`, `/var/lib/dc-<netns>`).
   * @default `node<n>`
   */
  readonly netns: string;
}

/** Everything the real suite is given. */
export interface TestEnvironment {
  readonly hosts: readonly [TestHost, TestHost];
  /** The Docker bridge gateway on the hosts, where containers reach Consul DNS. */
  readonly bridgeAddress: string;
  /** Image overrides (config key → image), for hosts that hold other tags than the pins. */
  readonly images: Readonly<Record<string, string>>;
  /**
   * node1's network namespace on this machine, where a command runs as if on node1 itself
   * (`E2E_NODE1_NETNS`, else `node1` when `ip netns` lists it); `undefined` when there is none.
   */
  readonly node1Netns?: string;
}

const IMAGE_VARIABLES: Record<string, string> = {
  E2E_CONSUL_IMAGE: "distributed-consul:consulImage",
  E2E_REGISTRATOR_IMAGE: "distributed-consul:registrator.image",
  E2E_SERVICE_IMAGE: "distributed-consul:service.image",
};

/** The three-host suite's environment: three hosts it may also cut off and stop. */
export interface ThreeHostEnvironment extends Omit<TestEnvironment, "hosts"> {
  readonly hosts: readonly [FaultHost, FaultHost, FaultHost];
}

/**
 * Reads the suite's environment (as `../shared/e2e/setup` exports it) and throws one error that
 * names everything missing: the suite never passes by skipping.
 */
export function readTestEnvironment(env: NodeJS.ProcessEnv = process.env): TestEnvironment {
  const missing: string[] = [];
  const host = (n: number): TestHost => testHost(env, n, missing);
  const hosts: [TestHost, TestHost] = [host(1), host(2)];
  return { ...commonEnvironment(env, missing), hosts };
}

/**
 * Reads the three-host suite's environment: node1 to node3 (`E2E_NODE3_DOCKER_HOST`,
 * `E2E_NODE3_IP` as well), each with its link, engine and namespace for faults, which must exist
 * on this machine; the suite injects them as root. Throws one error naming everything missing.
 */
export function readThreeHostEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): ThreeHostEnvironment {
  const missing: string[] = [];
  const host = (n: number): FaultHost => {
    const base = testHost(env, n, missing);
    const link = env[`E2E_NODE${n}_LINK`] || `v-node${n}`;
    const enginePidFile = env[`E2E_NODE${n}_ENGINE_PID`] || `/run/dc-node${n}/docker.pid`;
    const netns = env[`E2E_NODE${n}_NETNS`] || `node${n}`;
    if (spawnSync("ip", ["link", "show", link]).status !== 0) {
      missing.push(`node${n}'s link ${link} on this machine (E2E_NODE${n}_LINK)`);
    }
    if (!fs.existsSync(enginePidFile)) {
      missing.push(`node${n}'s engine pid file ${enginePidFile} (E2E_NODE${n}_ENGINE_PID)`);
    }
    if (!fs.existsSync(`/run/netns/${netns}`)) {
      missing.push(`node${n}'s network namespace ${netns} (E2E_NODE${n}_NETNS)`);
    }
    return { ...base, link, enginePidFile, netns };
  };
  const hosts: [FaultHost, FaultHost, FaultHost] = [host(1), host(2), host(3)];
  if (process.getuid?.() !== 0) missing.push("root (to cut links and stop an engine)");
  return { ...commonEnvironment(env, missing, "E2E_HOSTS=3 ../shared/e2e/setup"), hosts };
}

/** The day-two suite's fleet: node1 to node3 as servers (with faults), then client hosts. */
export interface FleetEnvironment extends ThreeHostEnvironment {
  /** The client hosts: node4 to node7. */
  readonly clients: readonly TestHost[];
}

/** How many client hosts the fleet steps deploy (node4 to node7): seven hosts in all. */
export const FLEET_CLIENTS = 4;

/**
 * Reads the day-two suite's environment: the three-host suite's (see
 * {@link readThreeHostEnvironment}) and node4 to node7 as client hosts (`E2E_NODE<n>_DOCKER_HOST`,
 * `E2E_NODE<n>_IP`). Throws one error naming everything missing, and the setup that provides it
 * (`E2E_HOSTS=7`).
 */
export function readFleetEnvironment(env: NodeJS.ProcessEnv = process.env): FleetEnvironment {
  const missing: string[] = [];
  const clients = Array.from({ length: FLEET_CLIENTS }, (_, i) => testHost(env, 4 + i, missing));
  const setup = `E2E_HOSTS=${3 + FLEET_CLIENTS} ../shared/e2e/setup`;
  let servers: ThreeHostEnvironment;
  try {
    servers = readThreeHostEnvironment(env);
  } catch (e) {
    const said = (e as Error).message;
    const needs = /^The real suite needs (.*)\. On the test machine/s.exec(said)?.[1];
    throw new Error(
      `The real suite needs ${[needs ?? said, ...missing].join(", ")}. On the test machine: ` +
        `\`${setup} && source ~/.cache/dc-e2e/env\`; on your own hosts see docs/testing.md ` +
        '("The real suite").',
      { cause: e },
    );
  }
  if (missing.length > 0) {
    throw new Error(
      `The real suite needs ${missing.join(", ")} (the day-two steps run a fleet of seven hosts). ` +
        `On the test machine: \`${setup} && source ~/.cache/dc-e2e/env\`; on your own hosts see ` +
        'docs/testing.md ("The real suite").',
    );
  }
  return { ...servers, clients };
}

function testHost(env: NodeJS.ProcessEnv, n: number, missing: string[]): TestHost {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? "";
  };
  return {
    stack: `node${n}`,
    dockerHost: need(`E2E_NODE${n}_DOCKER_HOST`),
    ip: need(`E2E_NODE${n}_IP`),
  };
}

/** What every suite needs besides its hosts; throws naming everything `missing` so far and now. */
function commonEnvironment(
  env: NodeJS.ProcessEnv,
  missing: string[],
  setupCommand = "../shared/e2e/setup",
): Omit<TestEnvironment, "hosts"> {
  const pulumi = spawnSync("pulumi", ["version"], { encoding: "utf8", env });
  if (pulumi.status !== 0) missing.push("a Pulumi CLI on PATH (`pulumi version` failed)");
  const docker = spawnSync("docker", ["--version"], { encoding: "utf8", env });
  if (docker.status !== 0) missing.push("a docker CLI on PATH");
  if (missing.length > 0) {
    throw new Error(
      `The real suite needs ${missing.join(", ")}. On the test machine: ` +
        `\`${setupCommand} && source ~/.cache/dc-e2e/env\`; on your own hosts see docs/testing.md ` +
        '("The real suite").',
    );
  }
  const images: Record<string, string> = {};
  for (const [variable, key] of Object.entries(IMAGE_VARIABLES)) {
    if (env[variable]) images[key] = env[variable];
  }
  const netns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  const node1Netns =
    env.E2E_NODE1_NETNS ||
    (netns.status === 0 && /^node1\b/m.test(netns.stdout) ? "node1" : undefined);
  return {
    bridgeAddress: env.E2E_DOCKER_BRIDGE_ADDRESS || "172.17.0.1",
    images,
    node1Netns,
  };
}
