// After a snapshot restore, the datacenter's ACL objects are the snapshot's: the tokens and policies
// the current stacks made are gone, and those of the deployment the snapshot came from are back. A
// policy the stacks create again under the same name would clash with its restored namesake, and
// the restored tokens of that deployment are credentials nobody holds any more. This decides which
// restored objects to delete so that the stacks converge: pure, from lists.

/** An ACL policy as Consul lists it (`/v1/acl/policies`). */
export interface ConsulPolicy {
  readonly ID: string;
  readonly Name: string;
}

/** An ACL token as Consul lists it (`/v1/acl/tokens`). */
export interface ConsulToken {
  readonly AccessorID: string;
  readonly Description: string;
}

/** What the stacks' states hold of the ACL objects they made. */
export interface StackAclObjects {
  /** Policies: Consul ID and name. */
  readonly policies: readonly { readonly id: string; readonly name: string }[];
  /** Tokens: accessor ID and description. */
  readonly tokens: readonly { readonly accessorId: string; readonly description: string }[];
  /**
   * Descriptions of tokens the servers register themselves (not in any state): the bootstrap
   * server's own agent token.
   */
  readonly selfRegisteredDescriptions: readonly string[];
}

/** What to delete: restored objects the stacks will make again, and dead credentials. */
export interface AclCleanup {
  readonly policies: readonly ConsulPolicy[];
  readonly tokens: readonly ConsulToken[];
}

/** The description Consul gives the token it makes from `acl.tokens.initial_management`. */
export const INITIAL_MANAGEMENT_DESCRIPTION = "Initial Management Token";

/**
 * The restored objects to delete: a policy whose name a stack uses but whose ID is not the
 * stack's; a token whose description a stack's token (or a self-registered one) has but whose
 * accessor is not the stack's; an initial management token other than `currentManagementAccessor`.
 * Objects the stacks still know (same ID) are kept: restoring a snapshot of the same deployment
 * deletes nothing.
 */
export function aclCleanup(
  restored: { readonly policies: readonly ConsulPolicy[]; readonly tokens: readonly ConsulToken[] },
  stacks: StackAclObjects,
  currentManagementAccessor: string,
): AclCleanup {
  const policyIds = new Set(stacks.policies.map((p) => p.id));
  const policyNames = new Set(stacks.policies.map((p) => p.name));
  const accessors = new Set(stacks.tokens.map((t) => t.accessorId));
  const descriptions = new Set([
    ...stacks.tokens.map((t) => t.description),
    ...stacks.selfRegisteredDescriptions,
  ]);
  return {
    policies: restored.policies.filter((p) => policyNames.has(p.Name) && !policyIds.has(p.ID)),
    tokens: restored.tokens.filter(
      (t) =>
        t.AccessorID !== currentManagementAccessor &&
        !accessors.has(t.AccessorID) &&
        (descriptions.has(t.Description) || t.Description === INITIAL_MANAGEMENT_DESCRIPTION),
    ),
  };
}

/** A resource of a stack's state (`pulumi stack export`), the fields read here. */
export interface StateResource {
  readonly type: string;
  readonly id?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

/** The ACL policies and tokens of a state's consul resources. */
export function stateAclObjects(
  resources: readonly StateResource[],
): Pick<StackAclObjects, "policies" | "tokens"> {
  const text = (v: unknown): string => (typeof v === "string" ? v : "");
  return {
    policies: resources
      .filter((r) => r.type === "consul:index/aclPolicy:AclPolicy" && r.id)
      .map((r) => ({ id: r.id ?? "", name: text(r.outputs?.name ?? r.inputs?.name) })),
    tokens: resources
      .filter((r) => r.type === "consul:index/aclToken:AclToken")
      .map((r) => ({
        accessorId: text(r.outputs?.accessorId ?? r.id),
        description: text(r.outputs?.description ?? r.inputs?.description),
      })),
  };
}
