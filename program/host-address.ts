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
  /** Why this interface, in words for the notice: the default route's, or the first by name. */
  readonly reason: string;
  /** Every usable address, `interface address`, the chosen one first. */
  readonly candidates: readonly string[];
}

/** Interfaces Docker and container runtimes create; their addresses are not the host's own. */
const CONTAINER_INTERFACE = /^(docker|br-|veth|virbr|cni|flannel|cali|vxlan|tun|tap)/;

/** Where Linux lists the kernel's main IPv4 route table. */
export const ROUTE_TABLE_PATH = "/proc/net/route";

/**
 * The interface of the IPv4 default route in a Linux route table (the text of `/proc/net/route`):
 * the route that is up (flag `RTF_UP`) with destination and mask `00000000`, the lowest metric
 * first. `undefined` when there is no table (macOS, Windows) or no default route in it.
 */
export function defaultRouteInterface(routeTable: string | undefined): string | undefined {
  const rows = (routeTable ?? "")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 8);
  const defaults = rows
    .filter(
      ([, destination, , flags, , , , mask]) =>
        destination === "00000000" && mask === "00000000" && (parseInt(flags, 16) & 1) === 1,
    )
    .map(([name, , , , , , metric]) => ({ name, metric: Number(metric) }))
    .sort((a, b) => a.metric - b.metric);
  return defaults[0]?.name;
}

/**
 * The address other hosts most likely reach this machine at, for a stack that runs against the
 * local Docker engine without `hostAddress`: the IPv4 address of the interface of the default
 * route (from `routeTable`, the text of {@link ROUTE_TABLE_PATH}), since that is where this
 * machine talks to other networks, and not a VPN or virtual interface that merely sorts first
 * (`tailscale0`, `vboxnet0`, `wg0`). Without a readable default route (macOS, Windows), or when
 * that interface has no usable address, the first usable address by interface name. Usable: IPv4,
 * not internal, loopback, link-local, inside the Docker bridge subnet, or on an interface a
 * container runtime made. Deterministic for the same interfaces and routes, so the same machine
 * gets the same address on every run. `undefined` when there is none.
 */
export function chooseHostAddress(
  interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>,
  bridgeSubnet: string,
  routeTable?: string,
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
  const routed = defaultRouteInterface(routeTable);
  const onRoute = usable.find((u) => u.name === routed);
  const chosen = onRoute ?? usable[0];
  if (!chosen) return undefined;
  const reason = onRoute
    ? "the interface of the default route"
    : routed === undefined
      ? `the first usable interface by name, since no default route could be read (${ROUTE_TABLE_PATH} exists on Linux only)`
      : `the first usable interface by name, since ${routed}, the interface of the default route, has no usable IPv4 address`;
  return {
    address: chosen.address,
    interfaceName: chosen.name,
    reason,
    candidates: [chosen, ...usable.filter((u) => u !== chosen)].map(
      (u) => `${u.name} ${u.address}`,
    ),
  };
}

/** Whether a Docker host URL names this machine's own engine (a `unix://` socket). */
export function isLocalDockerHost(dockerHost: string): boolean {
  return dockerHost.startsWith("unix://");
}

/**
 * This stack's `hostAddress`: the configured one, or, when none is configured and Docker is local,
 * the address {@link chooseHostAddress} finds in `interfaces` and `routeTable` (the text of
 * {@link ROUTE_TABLE_PATH}, `undefined` where there is none), with a notice saying which it chose
 * and why. A remote
 * Docker host still needs `hostAddress`: this machine's address is not that host's.
 */
export function resolveHostAddress(
  configured: string,
  dockerHost: string,
  interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>,
  bridgeSubnet: string,
  key: string,
  routeTable?: string,
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
  const choice = chooseHostAddress(interfaces, bridgeSubnet, routeTable);
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
      `since Docker is local: ${choice.reason}.${others.length > 0 ? ` Other candidates: ${others.join(", ")}.` : ""} ` +
      `Set ${key} to choose another.`,
    problems: [],
  };
}
