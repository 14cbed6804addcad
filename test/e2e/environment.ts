// What the real suite needs from its environment, read once and checked before anything runs.
import { spawnSync } from "child_process";

/** One Docker host of the real suite. */
export interface TestHost {
  /** Stack name and node name, e.g. `node1`. */
  readonly stack: string;
  /** Docker engine URI, e.g. `unix:///run/dc-node1/docker.sock` or `ssh://user@host`. */
  readonly dockerHost: string;
  /** The host's address, reachable from this machine and the other host. */
  readonly ip: string;
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

/**
 * Reads the suite's environment (as `../shared/e2e/setup` exports it) and throws one error that
 * names everything missing: the suite never passes by skipping.
 */
export function readTestEnvironment(env: NodeJS.ProcessEnv = process.env): TestEnvironment {
  const missing: string[] = [];
  const need = (name: string): string => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? "";
  };
  const host = (n: number): TestHost => ({
    stack: `node${n}`,
    dockerHost: need(`E2E_NODE${n}_DOCKER_HOST`),
    ip: need(`E2E_NODE${n}_IP`),
  });
  const hosts: [TestHost, TestHost] = [host(1), host(2)];
  const pulumi = spawnSync("pulumi", ["version"], { encoding: "utf8", env });
  if (pulumi.status !== 0) missing.push("a Pulumi CLI on PATH (`pulumi version` failed)");
  const docker = spawnSync("docker", ["--version"], { encoding: "utf8", env });
  if (docker.status !== 0) missing.push("a docker CLI on PATH");
  if (missing.length > 0) {
    throw new Error(
      `The real suite needs ${missing.join(", ")}. On the test machine: ` +
        "`../shared/e2e/setup && source ~/.cache/dc-e2e/env`; on your own hosts see docs/testing.md " +
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
    hosts,
    bridgeAddress: env.E2E_DOCKER_BRIDGE_ADDRESS || "172.17.0.1",
    images,
    node1Netns,
  };
}
