import { AgentPorts, CONSUL_PORT_KEYS, Protocol, agentListeners } from "./agent-ports";
import { Problem, error } from "./problems";
import { checkPort } from "./validators";

/** One socket something on a host listens on, with who owns it and which key sets it. */
export interface HostListener {
  /** Who listens, e.g. `global server (dc1)` or `service elasticsearch`. */
  readonly owner: string;
  /** The config key or argument that sets this port, e.g. `distributed-consul:internalPorts.http`. */
  readonly key: string;
  /** The port number. */
  readonly port: number;
  /** The protocol. */
  readonly protocol: Protocol;
}

/** One agent of a host, for the port plan. */
export interface AgentPortRequest {
  /** Who the agent is, e.g. `global server (dc1)`. */
  readonly owner: string;
  /** The key its port overrides live under, e.g. `distributed-consul:globalPorts`. */
  readonly key: string;
  /** The ports it uses when nothing is overridden. */
  readonly defaults: AgentPorts;
  /** Explicit overrides. */
  readonly overrides: Partial<AgentPorts>;
}

/** The ports each agent of a host ends up with, and the problems with them. */
export interface PortPlan {
  /** The resolved ports, in the order of the requests. */
  readonly ports: AgentPorts[];
  /** Every socket of every agent (and of any extra listeners given). */
  readonly listeners: HostListener[];
  /** Out-of-range ports and clashes; empty when the plan is sound. */
  readonly problems: Problem[];
}

/**
 * Every clash between listeners of one host: two sockets on the same port and protocol. Each
 * clash is reported once, naming both owners and the key to change (the later listener's).
 */
export function findPortClashes(listeners: readonly HostListener[]): Problem[] {
  const first = new Map<string, HostListener>();
  const reported = new Set<string>();
  const problems: Problem[] = [];
  for (const listener of listeners) {
    const slot = `${listener.port}/${listener.protocol}`;
    const owner = first.get(slot);
    if (!owner) {
      first.set(slot, listener);
      continue;
    }
    // A TCP+UDP pair on the same clashing port is one clash, not two.
    const pair = `${listener.key}|${owner.key}|${listener.port}`;
    if (reported.has(pair)) continue;
    reported.add(pair);
    problems.push(
      error(
        listener.key,
        `port ${listener.port} (${listener.protocol}) of ${listener.owner} clashes with ${owner.owner} (${owner.key}); give ${listener.key} a free port.`,
      ),
    );
  }
  return problems;
}

/**
 * Assigns each agent of a host its ports (defaults plus overrides) and checks the whole host:
 * every port in range, no two sockets on one port and protocol, also against `extra` listeners
 * such as service containers' published ports.
 */
export function planHostPorts(
  agents: readonly AgentPortRequest[],
  extra: readonly HostListener[] = [],
): PortPlan {
  const ports = agents.map((a) => ({ ...a.defaults, ...a.overrides }));
  const listeners: HostListener[] = agents.flatMap((agent, i) =>
    agentListeners(ports[i]).map((l) => ({
      owner: agent.owner,
      key: `${agent.key}.${l.key}`,
      port: l.port,
      protocol: l.protocol,
    })),
  );
  const all = [...listeners, ...extra];
  const range = agents.flatMap((agent, i) =>
    (Object.keys(CONSUL_PORT_KEYS) as (keyof AgentPorts)[]).flatMap((k) =>
      checkPort(`${agent.key}.${k}`, ports[i][k]),
    ),
  );
  return { ports, listeners: all, problems: [...range, ...findPortClashes(all)] };
}
