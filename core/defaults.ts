/**
 * Pinned defaults shared by the components and the program. Every image is an exact tag: a
 * `docker.RemoteImage` does not pull again when the tag exists locally, so a moving tag would
 * silently run whatever happened to be there.
 */

/** Consul server image (Docker Hub `hashicorp/consul`; the library image `consul` stopped at 1.16). */
export const DEFAULT_CONSUL_IMAGE = "hashicorp/consul:1.22.7";

/** Name of the global datacenter spanning all hosts. */
export const DEFAULT_GLOBAL_DATACENTER = "dc1";

/** Address of the default Docker bridge (`docker0`) on a stock Docker host. */
export const DEFAULT_DOCKER_BRIDGE_ADDRESS = "172.17.0.1";

/** Subnet of the default Docker bridge; no WAN member may advertise an address inside it. */
export const DEFAULT_DOCKER_BRIDGE_SUBNET = "172.17.0.0/16";

/** Upstream resolvers for names outside the Consul domain. */
export const DEFAULT_RECURSORS: readonly string[] = ["1.1.1.1", "8.8.8.8"];

/**
 * registrator's options unless given, for every `Registrator` (the program's included):
 * `-cleanup` (remove this host's services whose container is gone), `-resync 60` (re-register
 * everything after an agent restart), and retry forever every 2 s while the agent starts.
 */
export const DEFAULT_REGISTRATOR_OPTIONS = {
  cleanup: true,
  resyncSeconds: 60,
  retryAttempts: -1,
  retryIntervalMs: 2000,
} as const;

/**
 * Whether each protection of a building block (ACLs, TLS, gossip encryption, a client's ACL
 * token) is on unless its flag is set: always, so that turning one off is an explicit argument.
 */
export const DEFAULT_PROTECTION_ENABLED = true;

/** Seconds `pulumi up` waits for a Consul container to report healthy. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 120;

/**
 * How many global servers (hosts) a cluster is built for unless told: the shipped project's three
 * stacks. It is autopilot's `min_quorum`.
 */
export const DEFAULT_SERVER_COUNT = 3;
