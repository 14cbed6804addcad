// The project's config namespace: the stack program reads `distributed-consul:<name>`, and the
// operations that set or read a stack's config (roll, restore) name keys the same way. It is the
// project's, not the library's (the library never reads config), and lives with the operations
// because the program may import them, never the reverse.

/** The project's config namespace, as `pulumi config` spells a key's prefix. */
export const CONFIG_NAMESPACE = "distributed-consul";
