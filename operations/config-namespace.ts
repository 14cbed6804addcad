// The project's config namespace: the stack program's keys are `distributed-consul:<name>`, and
// the operations that set or read a stack's config (roll, restore) name keys the same way.

/** The project's config namespace, as `pulumi config` spells a key's prefix. */
export const CONFIG_NAMESPACE = "distributed-consul";
