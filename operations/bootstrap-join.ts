// Whether a stack joins dc1 through the bootstrap stack's `cluster` output: the stack program asks
// this when it reads a stack's config (program/host-config.ts, program/stack-topology.ts), and
// `npm run up` (operations/up-plan.ts) orders the stacks by it, so the two cannot disagree. It lives
// with the operations because the program may import them, never the reverse.

/**
 * The settings that decide whether a stack joins through the bootstrap stack's output: a stack's
 * typed settings (program/settings.ts `StackSettings`) have this shape, and so does what
 * `joinConfigOf` (operations/up-plan.ts) reads from a stack file.
 */
export interface JoinConfig {
  /** `bootstrap`: this stack bootstraps dc1 (default false). */
  readonly bootstrap: boolean;
  /** `bootstrapExpect`: every server waits for this many; `undefined` when not given (0). */
  readonly bootstrapExpect?: number;
  /** `bootstrapStack`: the stack whose `cluster` output a joining stack reads; `""` for none. */
  readonly bootstrapStack: string;
  /** `joinAddresses`; `undefined` when not given (`[]`). */
  readonly joinAddresses?: readonly string[];
  /** `wanJoinAddresses`; `undefined` when not given (`[]`). */
  readonly wanJoinAddresses?: readonly string[];
  /** `gossipKey`; only whether it is given matters here. */
  readonly gossipKey?: unknown;
  /** `tlsCaKey`; only whether it is given matters here. */
  readonly tlsCaKey?: unknown;
  /** `aclEnabled` (default true). */
  readonly aclEnabled: boolean;
  /** `aclManagementToken`; only whether it is given matters here. */
  readonly aclManagementToken?: unknown;
}

/**
 * Whether a stack may read the bootstrap stack: it does not bootstrap itself, expects no count of
 * servers (then config lists them) and names a bootstrap stack.
 */
export function mayReadBootstrapStack(config: JoinConfig): boolean {
  return !config.bootstrap && config.bootstrapExpect === undefined && config.bootstrapStack !== "";
}

/**
 * Whether a stack reads the bootstrap stack's `cluster` output: it {@link mayReadBootstrapStack}
 * and its config lacks something a joining host needs (join lists, gossip key, CA key, and with
 * ACLs the management token). A stack configured explicitly needs no bootstrap stack.
 */
export function readsBootstrapStack(config: JoinConfig): boolean {
  return (
    mayReadBootstrapStack(config) &&
    (config.joinAddresses === undefined ||
      config.wanJoinAddresses === undefined ||
      config.gossipKey === undefined ||
      config.tlsCaKey === undefined ||
      (config.aclEnabled && config.aclManagementToken === undefined))
  );
}
