import { isIPv4 } from "node:net";
import { Problem, error, inSubnet } from "../components";

/** One address of a network interface, as Node's `os.networkInterfaces()` lists it. */
export interface InterfaceAddress {
  readonly address: string;
  /** `IPv4` or `IPv6` (older Node versions: `4` or `6`). */
  readonly family: string | number;
  /** Loopback and other addresses that do not leave the machine. */
  readonly internal: boolean;
}

/** What {@link chooseHostAddress} found. */
export interface HostAddressChoice {
  /** The chosen address. */
  readonly address: string;
  /** The interface it belongs to. */
  readonly interfaceName: string;
  /** Every usable address, `interface address`, the chosen one first. */
  readonly candidates: readonly string[];
}

/** Interfaces Docker and container runtimes create; their addresses are not the host's own. */
const CONTAINER_INTERFACE = /^(docker|br-|veth|virbr|cni|flannel|cali|vxlan|tun|tap)/;

/**
 * The address other hosts most likely reach this machine at, for a stack that runs against the
 * local Docker engine without `hostAddress`: the first IPv4 address, by interface name, that is not
 * internal, loopback, link-local, inside the Docker bridge subnet, or on an interface a container
 * runtime made. Deterministic for the same interfaces, so the same machine gets the same address
 * on every run. `undefined` when there is none.
 */
export function chooseHostAddress(
  interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>,
  bridgeSubnet: string,
): HostAddressChoice | undefined {
  const usable = Object.keys(interfaces)
    .sort()
    .filter((name) => !CONTAINER_INTERFACE.test(name))
    .flatMap((name) =>
      (interfaces[name] ?? [])
        .filter(
          (a) =>
            (a.family === "IPv4" || a.family === 4) &&
            !a.internal &&
            isIPv4(a.address) &&
            !inSubnet(a.address, "127.0.0.0/8") &&
            !inSubnet(a.address, "169.254.0.0/16") &&
            !inSubnet(a.address, bridgeSubnet),
        )
        .map((a) => ({ name, address: a.address })),
    );
  const first = usable[0];
  if (!first) return undefined;
  return {
    address: first.address,
    interfaceName: first.name,
    candidates: usable.map((u) => `${u.name} ${u.address}`),
  };
}

/** Whether a Docker host URL names this machine's own engine (a `unix://` socket). */
export function isLocalDockerHost(dockerHost: string): boolean {
  return dockerHost.startsWith("unix://");
}

/**
 * This stack's `hostAddress`: the configured one, or, when none is configured and Docker is local,
 * the address {@link chooseHostAddress} finds, with a notice saying which it chose. A remote
 * Docker host still needs `hostAddress`: this machine's address is not that host's.
 */
export function resolveHostAddress(
  configured: string,
  dockerHost: string,
  interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>,
  bridgeSubnet: string,
  key: string,
): { hostAddress: string; notice?: string; problems: Problem[] } {
  if (configured !== "") return { hostAddress: configured, problems: [] };
  const setIt = `set it with \`pulumi config set ${key} <this host's address>\``;
  if (!isLocalDockerHost(dockerHost)) {
    return {
      hostAddress: "",
      problems: [
        error(
          key,
          `is required when the Docker host is not this machine (${dockerHost}); ${setIt}.`,
        ),
      ],
    };
  }
  const choice = chooseHostAddress(interfaces, bridgeSubnet);
  if (!choice) {
    return {
      hostAddress: "",
      problems: [
        error(key, `is not set and this machine has no address other hosts could reach; ${setIt}.`),
      ],
    };
  }
  const others = choice.candidates.slice(1);
  return {
    hostAddress: choice.address,
    notice:
      `${key} is not set: using ${choice.address} (${choice.interfaceName}), this machine's address, ` +
      `since Docker is local.${others.length > 0 ? ` Other candidates: ${others.join(", ")}.` : ""} ` +
      `Set ${key} to choose another.`,
    problems: [],
  };
}
