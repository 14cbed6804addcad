import { isIPv4 } from "node:net";
import { AgentPorts, DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "./agent-ports";
import { AgentPortRequest, HostListener, findPortClashes, planHostPorts } from "./port-plan";
import { Problem, error, warning } from "./problems";
import { RegistratorFlags, checkRegistratorFlags } from "./registrator-args";
import { ServicePort, checkServicePorts, externalPort, protocolOf } from "./service-registration";
import { checkJoinAddress, checkReachableAddress, isCidr } from "./validators";
import { checkPinnedImage } from "./service-container";
import { checkSetting } from "./host-settings";
import { ExtraAgentConfig } from "./extra-config";
import { ServerResources } from "./server-resources";
import { DEFAULT_DOCKER_BRIDGE_ADDRESS, DEFAULT_DOCKER_BRIDGE_SUBNET } from "./defaults";
import { HostRole } from "./host-role";

/**
 * Names a setting in messages. Settings are named as the host settings are (the stack's config
 * keys without the namespace, and a component's arguments): `hostAddress`, `globalPorts`,
 * `registrator.ttlSeconds`, `service.ports[0]`, … A stack maps them to
 * `distributed-consul:<setting>`; a component to `Component(name).<setting>`.
 */
export type KeyNamer = (setting: string) => string;

/**
 * Join addresses as far as they are known: the plain list, `"later"` when they arrive as Pulumi
 * Outputs (another stack's or component's), `undefined` when there is no source at all.
 */
export type JoinList = readonly string[] | "later" | undefined;

/** This host's agent of the global datacenter: its server, or its client agent. */
export interface GlobalServerTopology {
  /** `globalDatacenter`; `undefined` while not known yet. */
  readonly datacenter?: string;
  /** `role`: a voting server or a client agent. Default `server`. */
  readonly role?: HostRole;
  /** `bootstrap`: elects itself. */
  readonly bootstrap: boolean;
  /** `bootstrapExpect`: waits for this many servers. Default: unset. */
  readonly bootstrapExpect?: number;
  /** `serverCount`: how many global servers the cluster is built for. Default: not given. */
  readonly serverCount?: number;
  /** `joinAddresses`: LAN join addresses of other global servers. */
  readonly joinAddresses: JoinList;
  /** `globalPorts`: port overrides. Default `{}`. */
  readonly ports?: Partial<AgentPorts>;
  /** `globalResources`: the container's limits. Default `{}`. */
  readonly resources?: ServerResources;
}

/** This host's internal datacenter server. */
export interface InternalServerTopology {
  /** `internalDatacenter`; `undefined` while not known yet. */
  readonly datacenter?: string;
  /** `wanJoinAddresses`: WAN addresses of global servers. */
  readonly wanJoinAddresses: JoinList;
  /** `internalPorts`: port overrides. Default `{}`. */
  readonly ports?: Partial<AgentPorts>;
  /** `internalResources`: the container's limits. Default `{}`. */
  readonly resources?: ServerResources;
}

/** One host of the topology; every part is optional, so a component can check what it knows. */
export interface HostTopology {
  /** Names this host's settings in messages. */
  readonly keyOf: KeyNamer;
  /** `nodeName`. */
  readonly nodeName?: string;
  /** `hostAddress`: the address every agent on the host binds and advertises. */
  readonly hostAddress?: string;
  /** `dockerHost`: the Docker daemon URL. */
  readonly dockerHost?: string;
  /** `dockerBridgeAddress`. Default `172.17.0.1`. */
  readonly dockerBridgeAddress?: string;
  /** `dockerBridgeSubnet`: never advertised or joined. Default `172.17.0.0/16`. */
  readonly dockerBridgeSubnet?: string;
  /** The host's global server, if it runs one. */
  readonly global?: GlobalServerTopology;
  /** The host's internal datacenter server, if it runs one. */
  readonly internal?: InternalServerTopology;
  /** `registrator.*`: registrator's image and options, if the host runs registrator. */
  readonly registrator?: {
    readonly image: string;
    readonly options: RegistratorFlags;
  };
  /** `service.ports`: the ports of the host's service container, if it runs one. */
  readonly servicePorts?: readonly ServicePort[];
  /** `gossipKey`, when given as plain text (checked, never echoed). */
  readonly gossipKey?: string;
  /** `recursors`. */
  readonly recursors?: readonly string[];
  /** `extraConfig`: Consul keys merged into every agent's configuration. Default `{}`. */
  readonly extraConfig?: ExtraAgentConfig;
  /** Images by setting (`consulImage`, `registrator.image`, …); each must be pinned. */
  readonly images?: Readonly<Record<string, string>>;
}

/** The topology: every host this program knows (a stack knows itself; a composition, all). */
export interface Topology {
  /** The hosts. */
  readonly hosts: readonly HostTopology[];
  /**
   * Whether `hosts` is the whole cluster (a program composing all hosts); then someone must
   * bootstrap, and the server count is the number of hosts with a global server. A single stack
   * sees only itself. Default `false`.
   */
  readonly complete?: boolean;
  /** Whether to warn about the global server count. Default `true`. */
  readonly quorum?: boolean;
}

/**
 * A join list as far as it is known from a component argument that may hold Pulumi Outputs:
 * the plain strings, or `"later"` when the addresses (or all of them) arrive as Outputs.
 */
export function joinListOf(value: unknown): JoinList {
  if (!Array.isArray(value)) return "later";
  const plain = value.filter((v): v is string => typeof v === "string");
  return plain.length === 0 && value.length > 0 ? "later" : plain;
}

/**
 * A {@link KeyNamer} for a component's arguments, which carry the settings' names:
 * `Component(name).<setting>`.
 */
export function componentKeyNamer(component: string): KeyNamer {
  return (setting) => `${component}.${setting}`;
}

function checkJoinList(
  key: string,
  list: JoinList,
  selfIp: string | undefined,
  bridgeSubnet: string,
): Problem[] {
  if (!Array.isArray(list)) return [];
  return (list as readonly string[]).flatMap((address, i) => {
    const itemKey = `${key}[${i}]`;
    const malformed = checkJoinAddress(itemKey, address);
    if (malformed.length > 0) return malformed;
    const host = address.split(":")[0];
    if (!isIPv4(host)) return [];
    const unreachable = checkReachableAddress(
      itemKey,
      host,
      bridgeSubnet,
      "give the host address of a server on another host",
    );
    if (unreachable.length > 0) return unreachable;
    return host === selfIp
      ? [error(itemKey, `"${address}" is this host itself; give another host's server to join.`)]
      : [];
  });
}

function checkGlobal(host: HostTopology, g: GlobalServerTopology, bridgeSubnet: string): Problem[] {
  const k = host.keyOf;
  const problems = [
    ...(g.datacenter === undefined
      ? []
      : checkSetting("globalDatacenter", k("globalDatacenter"), g.datacenter)),
    ...checkJoinList(k("joinAddresses"), g.joinAddresses, host.hostAddress, bridgeSubnet),
    ...checkSetting("globalResources", k("globalResources"), g.resources ?? {}),
  ];
  if (g.bootstrap && g.bootstrapExpect !== undefined) {
    problems.push(
      error(
        k("bootstrapExpect"),
        "cannot be combined with bootstrap: true (a bootstrapping server elects itself alone); set only one of them.",
      ),
    );
  }
  const expect = g.bootstrapExpect;
  if (expect !== undefined) {
    problems.push(...checkSetting("bootstrapExpect", k("bootstrapExpect"), expect));
  }
  if (g.serverCount !== undefined) {
    problems.push(...checkSetting("serverCount", k("serverCount"), g.serverCount));
  }
  const nothingToJoin =
    g.joinAddresses === undefined ||
    (Array.isArray(g.joinAddresses) && g.joinAddresses.length === 0);
  if (isClient(g)) {
    if (g.bootstrap || expect !== undefined) {
      problems.push(
        error(
          k("role"),
          `is client, but this host also sets ${g.bootstrap ? "bootstrap: true" : "bootstrapExpect"}: a client agent never votes, so it cannot bootstrap the global datacenter; bootstrap on a server host (role: server) and remove ${g.bootstrap ? "bootstrap" : "bootstrapExpect"} here.`,
        ),
      );
    } else if (nothingToJoin) {
      problems.push(
        error(
          k("joinAddresses"),
          "a client host needs the servers' join addresses; give the LAN addresses (host:serf_lan) of the global servers (or a bootstrap stack or cluster to read them from).",
        ),
      );
    }
    return problems;
  }
  if (!g.bootstrap && expect === undefined && nothingToJoin) {
    problems.push(
      error(
        k("joinAddresses"),
        "this server neither bootstraps nor has a server to join; give the LAN address of an existing global server (or a bootstrap stack to read it from), or bootstrap: true on the first host.",
      ),
    );
  }
  return problems;
}

function checkInternal(
  host: HostTopology,
  i: InternalServerTopology,
  bridgeSubnet: string,
): Problem[] {
  const k = host.keyOf;
  const problems = [
    ...(i.datacenter === undefined
      ? []
      : checkSetting("internalDatacenter", k("internalDatacenter"), i.datacenter)),
    ...checkJoinList(k("wanJoinAddresses"), i.wanJoinAddresses, undefined, bridgeSubnet),
  ];
  if (i.datacenter !== undefined && i.datacenter === host.global?.datacenter) {
    problems.push(
      error(
        k("internalDatacenter"),
        `is "${i.datacenter}", the global datacenter's name; give this host's own datacenter a name of its own (e.g. vm1).`,
      ),
    );
  }
  problems.push(...checkSetting("internalPorts", k("internalPorts"), i.ports ?? {}));
  problems.push(...checkSetting("internalResources", k("internalResources"), i.resources ?? {}));
  const noWan =
    i.wanJoinAddresses === undefined ||
    (Array.isArray(i.wanJoinAddresses) && i.wanJoinAddresses.length === 0 && !host.global);
  if (noWan) {
    problems.push(
      error(
        k("wanJoinAddresses"),
        "the internal datacenter has no global server to WAN-join; give the WAN address (host:serf_wan) of a global server.",
      ),
    );
  }
  return problems;
}

function hostPortPlan(host: HostTopology): Problem[] {
  const k = host.keyOf;
  const agents: AgentPortRequest[] = [];
  if (host.global) {
    agents.push({
      owner: `global server (${host.global.datacenter ?? "global"})`,
      key: k("globalPorts"),
      defaults: DEFAULT_GLOBAL_PORTS,
      overrides: host.global.ports ?? {},
    });
  }
  if (host.internal) {
    agents.push({
      owner: `internal server (${host.internal.datacenter ?? "internal"})`,
      key: k("internalPorts"),
      defaults: DEFAULT_INTERNAL_PORTS,
      overrides: host.internal.ports ?? {},
    });
  }
  const plan = planHostPorts(agents);
  // Service ports against the agents' ports; clashes among the service's own ports are
  // checkServicePorts' to report, once.
  const serviceClashes = (host.servicePorts ?? []).flatMap((port, i) => {
    const listener: HostListener = {
      owner: `service ${port.name}`,
      key: k(`service.ports[${i}]`),
      port: externalPort(port),
      protocol: protocolOf(port),
    };
    return findPortClashes([...plan.listeners, listener]).filter((p) => p.key === listener.key);
  });
  return [...plan.problems, ...serviceClashes];
}

function checkHost(host: HostTopology): Problem[] {
  const k = host.keyOf;
  const bridgeSubnet = host.dockerBridgeSubnet ?? DEFAULT_DOCKER_BRIDGE_SUBNET;
  const bridgeAddress = host.dockerBridgeAddress ?? DEFAULT_DOCKER_BRIDGE_ADDRESS;
  const subnetOk = isCidr(bridgeSubnet);
  return [
    ...(host.nodeName === undefined ? [] : checkSetting("nodeName", k("nodeName"), host.nodeName)),
    ...(host.hostAddress === undefined
      ? []
      : checkReachableAddress(
          k("hostAddress"),
          host.hostAddress,
          subnetOk ? bridgeSubnet : "0.0.0.0/32",
        )),
    ...(host.dockerHost === undefined
      ? []
      : checkSetting("dockerHost", k("dockerHost"), host.dockerHost)),
    ...checkSetting("dockerBridgeAddress", k("dockerBridgeAddress"), bridgeAddress),
    ...checkSetting("dockerBridgeSubnet", k("dockerBridgeSubnet"), bridgeSubnet),
    ...(host.gossipKey === undefined
      ? []
      : checkSetting("gossipKey", k("gossipKey"), host.gossipKey)),
    ...Object.entries(host.images ?? {}).flatMap(([setting, image]) =>
      checkPinnedImage(k(setting), image),
    ),
    ...checkSetting("recursors", k("recursors"), [...(host.recursors ?? [])]),
    ...(host.extraConfig === undefined
      ? []
      : checkSetting("extraConfig", k("extraConfig"), host.extraConfig)),
    ...(host.global ? checkGlobal(host, host.global, bridgeSubnet) : []),
    ...(host.internal ? checkInternal(host, host.internal, bridgeSubnet) : []),
    ...(host.registrator
      ? checkRegistratorFlags(
          host.registrator.options,
          (field) => k(`registrator.${field}`),
          host.registrator.image,
        )
      : []),
    ...(host.servicePorts ? checkServicePorts(host.servicePorts, (f) => k(`service.${f}`)) : []),
    ...hostPortPlan(host),
  ];
}

/** Whether a host's global agent is a client agent (not a server). */
function isClient(g: GlobalServerTopology): boolean {
  return g.role === HostRole.Client;
}

/** More voters than this slow every write for no gain: HashiCorp's guidance is three or five. */
export const MAX_RECOMMENDED_SERVERS = 5;

/** Fault tolerance of a Raft cluster of `servers` voters: how many may fail with a quorum left. */
export function faultTolerance(servers: number): number {
  return servers - (Math.floor(servers / 2) + 1);
}

/**
 * A warning for a server count with no fault tolerance, an even count or more than five; none for
 * 3 and 5. Only servers count: client agents never vote.
 */
export function checkServerCount(key: string, servers: number): Problem[] {
  if (servers <= 0) return [];
  const quorum = Math.floor(servers / 2) + 1;
  const tolerates = faultTolerance(servers);
  if (servers > MAX_RECOMMENDED_SERVERS) {
    return [
      warning(
        key,
        `${servers} global servers: every Raft commit waits for a majority of the voters (${quorum}), so each voter beyond ${MAX_RECOMMENDED_SERVERS} slows every write and widens elections${servers % 2 === 0 ? `, and an even count tolerates no more failures (${tolerates}) than ${servers - 1} would` : ""}; run 3 or 5 servers and make every other host a client agent (role: client).`,
      ),
    ];
  }
  if (servers === 1) {
    return [
      warning(
        key,
        "1 global server tolerates no failure; run 3 or 5 servers (one per host) for a cluster that survives losing one.",
      ),
    ];
  }
  if (servers % 2 === 0) {
    return [
      warning(
        key,
        `${servers} global servers need a quorum of ${quorum} and tolerate ${tolerates} failure${tolerates === 1 ? "" : "s"}, no more than ${servers - 1} would; run an odd number, 3 or 5 recommended.`,
      ),
    ];
  }
  return [];
}

/** Errors for a value two hosts share that must be unique per host. */
function duplicates(
  hosts: readonly HostTopology[],
  pick: (h: HostTopology) => string | undefined,
  setting: string,
  what: string,
): Problem[] {
  const first = new Map<string, HostTopology>();
  const problems: Problem[] = [];
  for (const host of hosts) {
    const value = pick(host);
    if (value === undefined) continue;
    const earlier = first.get(value);
    if (earlier) {
      problems.push(
        error(
          host.keyOf(setting),
          `${what} "${value}" is already used by ${earlier.keyOf(setting)}; give every host its own.`,
        ),
      );
    } else {
      first.set(value, host);
    }
  }
  return problems;
}

/**
 * How many global servers a single stack knows of: the count it is given (`serverCount`,
 * `bootstrapExpect`), else a server and those it joins; a client host given no count knows none
 * (its join list is the bootstrap stack's, not the cluster's size).
 */
function knownServers(host: HostTopology): number {
  const g = host.global;
  if (!g) return 0;
  if (g.serverCount !== undefined) return g.serverCount;
  if (g.bootstrapExpect !== undefined) return g.bootstrapExpect;
  if (isClient(g)) return 0;
  const joined = Array.isArray(g.joinAddresses)
    ? g.joinAddresses.length
    : g.joinAddresses === "later"
      ? 1
      : 0;
  return 1 + joined;
}

/**
 * Every problem with a topology, not only the first: malformed addresses, names, datacenters and
 * Docker host URLs; node names, addresses or datacenters used twice; ports out of range or
 * clashing on a host; `bootstrap` on more than one server or combined with `bootstrap_expect`;
 * a joining server with nothing to join; a WAN member or join target that is loopback or a
 * Docker bridge address; registrator TTL misuse; a malformed gossip key; and, as warnings,
 * server counts without fault tolerance. Each names the setting (through `keyOf`) and the fix.
 */
export function checkTopology(topology: Topology): Problem[] {
  const hosts = topology.hosts;
  const problems = hosts.flatMap(checkHost);
  problems.push(
    ...duplicates(hosts, (h) => h.nodeName, "nodeName", "node name"),
    ...duplicates(hosts, (h) => h.hostAddress, "hostAddress", "address"),
    ...duplicates(hosts, (h) => h.internal?.datacenter, "internalDatacenter", "datacenter"),
  );

  const agents = hosts.filter((h) => h.global !== undefined);
  // Only servers bootstrap and vote; a client that claims to bootstrap is checkGlobal's error.
  const globals = agents.filter((h) => h.global && !isClient(h.global));
  const bootstrappers = globals.filter((h) => h.global?.bootstrap);
  for (const extra of bootstrappers.slice(1)) {
    problems.push(
      error(
        extra.keyOf("bootstrap"),
        `${extra.nodeName ?? "this host"} bootstraps as well as ${bootstrappers[0].nodeName ?? "another host"}: two servers that elect themselves form two clusters; set bootstrap: true on one host only.`,
      ),
    );
  }
  const globalNames = [...new Set(agents.map((h) => h.global?.datacenter))].filter(
    (dc) => dc !== undefined,
  );
  if (globalNames.length > 1) {
    problems.push(
      error(
        agents[0].keyOf("globalDatacenter"),
        `hosts disagree on the global datacenter (${globalNames.join(", ")}); give every host the same.`,
      ),
    );
  }
  const expects = [...new Set(globals.map((h) => h.global?.bootstrapExpect))].filter(
    (e) => e !== undefined,
  );
  if (expects.length > 1) {
    problems.push(
      error(
        globals[0].keyOf("bootstrapExpect"),
        `hosts expect different server counts (${expects.join(", ")}); give every server the same bootstrapExpect.`,
      ),
    );
  }
  if (
    topology.complete &&
    globals.length > 0 &&
    bootstrappers.length === 0 &&
    expects.length === 0
  ) {
    problems.push(
      error(
        globals[0].keyOf("bootstrap"),
        "no host bootstraps the global datacenter, so no leader is ever elected; set bootstrap: true on the first host.",
      ),
    );
  }

  if (topology.complete && expects.length === 1 && expects[0] !== globals.length) {
    problems.push(
      error(
        globals[0].keyOf("bootstrapExpect"),
        `is ${expects[0]}, but ${globals.length} host${globals.length === 1 ? " runs a server" : "s run a server"} (client hosts do not count: they never vote); give every server bootstrapExpect: ${globals.length}.`,
      ),
    );
  }

  if (topology.quorum !== false && topology.complete && globals.length > 0) {
    problems.push(...checkServerCount(globals[0].keyOf("hosts"), globals.length));
  } else if (topology.quorum !== false && !topology.complete && agents.length > 0) {
    const counted = agents.filter((h) => knownServers(h) > 0);
    if (counted.length > 0) {
      const servers = Math.max(...counted.map(knownServers));
      const given = counted.some((h) => h.global?.serverCount !== undefined);
      problems.push(
        ...checkServerCount(counted[0].keyOf(given ? "serverCount" : "joinAddresses"), servers),
      );
    }
  }
  return problems;
}
