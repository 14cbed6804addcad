import * as pulumi from "@pulumi/pulumi";
import { ConsulCluster, HostArguments } from "./host-args";

/** One output of a `ConsulHost`. `T` is its value's type. */
export interface OutputDeclaration<T> {
  /** What the value is, shown in the stack's outputs reference. */
  readonly description: string;
  /**
   * Whether the value is a Pulumi secret.
   * @default false
   */
  readonly secret?: boolean;
  /**
   * For a value that may be absent (a feature turned off): whether a host with these arguments
   * has it. A stack exports only the outputs its host has.
   * @default always present
   */
  readonly presentWith?: (args: HostArguments) => boolean;
  /** Only carries `T` for the types derived from the list. */
  readonly type?: T;
}

/** Declares one output, keeping its value type. */
function output<T>(declaration: OutputDeclaration<T>): OutputDeclaration<T> {
  return declaration;
}

/** Whether a host with these arguments runs a service. */
function hasService(args: HostArguments): boolean {
  return args.service !== undefined && args.service.enabled !== false;
}

/**
 * Every output of a `ConsulHost`, once: the component's output properties, the stack program's
 * exports and the outputs reference are all derived from this list.
 */
export const HOST_OUTPUTS = {
  cluster: output<ConsulCluster>({
    secret: true,
    description:
      "What the next host needs to join, as one object: pass it to its cluster argument unchanged (a joining stack reads it from the bootstrap stack).",
  }),
  gossipKey: output<string>({ secret: true, description: "The gossip key every agent shares." }),
  aclManagementToken: output<string | undefined>({
    secret: true,
    presentWith: (args) => args.aclEnabled !== false,
    description: "The ACL management token; absent with ACLs off.",
  }),
  metricsToken: output<string | undefined>({
    secret: true,
    presentWith: (args) => args.aclEnabled !== false && args.metrics !== false,
    description:
      "A token that reads every agent's Prometheus metrics (agent read only); absent with ACLs or metrics off.",
  }),
  uiToken: output<string | undefined>({
    secret: true,
    presentWith: (args) => args.aclEnabled !== false && args.ui !== false,
    description:
      "A token to log in to the web UI with, read only (services, nodes, key/value); absent with ACLs or the UI off.",
  }),
  tlsCaCertificate: output<string>({ description: "The CA certificate every agent trusts (PEM)." }),
  tlsCaKey: output<string>({
    secret: true,
    description: "The CA's private key (PEM), with which every server's certificate is issued.",
  }),
  nodeName: output<string>({ description: "This host's node name (its global server's)." }),
  globalDatacenter: output<string>({ description: "The global datacenter's name." }),
  globalJoinAddress: output<string>({
    description: "LAN join address of this host's global server (host:serf_lan).",
  }),
  globalWanAddress: output<string>({
    description: "WAN address of this host's global server (host:serf_wan).",
  }),
  globalApiAddress: output<string>({
    description: "API of this host's global server (host:https, verified with tlsCaCertificate).",
  }),
  globalDnsAddress: output<string>({
    description: "DNS interface of this host's global server (host:dns).",
  }),
  joinAddresses: output<string[]>({
    description: "The LAN join addresses this host's global server was given.",
  }),
  globalContainerId: output<string>({
    description: "Container id of this host's global server.",
  }),
  internalDatacenter: output<string>({ description: "This host's internal datacenter's name." }),
  internalWanAddress: output<string>({
    description: "WAN address of this host's internal server (host:serf_wan).",
  }),
  internalApiAddress: output<string>({
    description: "API of this host's internal server (host:https).",
  }),
  internalWanJoinAddresses: output<string[]>({
    description:
      "The WAN join addresses this host's internal server was given: its own global server first, then the others known.",
  }),
  internalContainerId: output<string>({
    description: "Container id of this host's internal server.",
  }),
  containerDnsAddress: output<string>({
    description: "Where this host's containers resolve Consul names (bridge:53).",
  }),
  globalRegistratorCommand: output<string[]>({
    description: "The global registrator's arguments (options first, registry URI last).",
  }),
  internalRegistratorCommand: output<string[] | undefined>({
    presentWith: (args) => args.registrator?.registerInternal !== false,
    description: "The internal registrator's arguments; absent without internal registration.",
  }),
  serviceDnsNames: output<string[] | undefined>({
    presentWith: hasService,
    description:
      "Consul DNS names of this host's service (<svc>.service.consul, <query>.query.consul); absent without a service.",
  }),
  serviceContainerId: output<string | undefined>({
    presentWith: hasService,
    description: "Container id of this host's service; absent without a service.",
  }),
} as const;

/** The name of a `ConsulHost` output. */
export type HostOutputName = keyof typeof HOST_OUTPUTS;

/** The names of every output, in the list's order. */
export const HOST_OUTPUT_NAMES = Object.keys(HOST_OUTPUTS) as HostOutputName[];

/** The value type an output declaration declares. */
type OutputValue<D> = D extends OutputDeclaration<infer T> ? T : never;

/** A `ConsulHost`'s outputs, typed from {@link HOST_OUTPUTS}. */
export type HostOutputs = {
  readonly [K in HostOutputName]: pulumi.Output<OutputValue<(typeof HOST_OUTPUTS)[K]>>;
};

/**
 * The outputs a host with these arguments has (the others are left out rather than exported as
 * undefined, which Pulumi warns about on every run): what a stack program exports.
 */
export function presentOutputs(
  outputs: HostOutputs,
  args: HostArguments,
): Partial<Record<HostOutputName, pulumi.Output<unknown>>> {
  return Object.fromEntries(
    HOST_OUTPUT_NAMES.filter((name) => {
      const declaration: OutputDeclaration<unknown> = HOST_OUTPUTS[name];
      return declaration.presentWith?.(args) ?? true;
    }).map((name) => [name, outputs[name]]),
  );
}
