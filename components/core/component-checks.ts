import { AgentPorts } from "./agent-ports";
import { Problem, error } from "./problems";
import {
  checkDatacenter,
  checkGossipKey,
  checkJoinAddress,
  checkNodeName,
  checkPort,
  checkReachableAddress,
} from "./validators";
import { DEFAULT_DOCKER_BRIDGE_SUBNET } from "../defaults";

/**
 * The plain (already known) part of a server component's arguments. Values that arrive as
 * Pulumi Outputs are checked by the component when they resolve.
 */
export interface ServerArgsToCheck {
  /** Name of the component, used to name the argument in messages. */
  readonly component: string;
  readonly nodeName: string;
  readonly hostAddress: string;
  readonly datacenter?: string;
  readonly ports?: Partial<AgentPorts>;
  readonly gossipKey?: unknown;
  readonly dockerBridgeSubnet?: string;
}

/** Problems with the arguments every server component shares. */
export function checkServerArgs(args: ServerArgsToCheck): Problem[] {
  const key = (arg: string): string => `${args.component}.${arg}`;
  const ports = Object.entries(args.ports ?? {}) as [keyof AgentPorts, number][];
  return [
    ...checkNodeName(key("nodeName"), args.nodeName),
    ...checkReachableAddress(
      key("hostAddress"),
      args.hostAddress,
      args.dockerBridgeSubnet ?? DEFAULT_DOCKER_BRIDGE_SUBNET,
    ),
    ...(args.datacenter === undefined ? [] : checkDatacenter(key("datacenter"), args.datacenter)),
    ...ports.flatMap(([name, port]) => checkPort(key(`ports.${name}`), port)),
    ...(typeof args.gossipKey === "string" ? checkGossipKey(key("gossipKey"), args.gossipKey) : []),
  ];
}

/** Problems with a join list given as plain values; `required` when the server cannot bootstrap. */
export function checkJoinList(
  key: string,
  addresses: unknown,
  required: boolean,
  fix: string,
): Problem[] {
  if (!Array.isArray(addresses)) return [];
  const plain = addresses.filter((a): a is string => typeof a === "string");
  if (required && addresses.length === 0) {
    return [error(key, `no server to join: ${fix}`)];
  }
  return plain.flatMap((a, i) => checkJoinAddress(`${key}[${i}]`, a));
}
