// Resource hooks under Pulumi's mocks, shared by the unit suite's harness and `npm run bench`.
import * as pulumi from "@pulumi/pulumi";

/** A hook the program registered: a resource hook or an error hook. */
export type RegisteredHook = pulumi.ResourceHook | pulumi.ErrorHook;

/**
 * Under mocks the SDK has no engine to register hooks with: its callback server would start a gRPC
 * server and call `registerResourceHook` (or `registerErrorHook`) on the mock monitor, which has
 * none, so a resource with a hook waits forever or fails with "this._monitor.registerErrorHook is
 * not a function". The SDK looks the callback server up in its runtime store (`store.callbacks`)
 * before making one; this puts one there that records each hook by name into `into` (callers may
 * run them) and registers nothing else. Call it after every `setMocks`. The store is internal to
 * the SDK (hence the require and the cast): a newer SDK that moves it makes every run with a hook
 * time out, loudly.
 */
export function recordHooksUnderMocks(into: Map<string, RegisteredHook>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require("@pulumi/pulumi/runtime/state") as {
    getStore(): { callbacks?: unknown };
  };
  const refuse = (what: string) => () => {
    throw new Error(`hooks are only recorded under mocks; ${what} is not mocked`);
  };
  state.getStore().callbacks = {
    registerResourceHook: (hook: pulumi.ResourceHook) => {
      into.set(hook.name, hook);
      return Promise.resolve();
    },
    registerErrorHook: (hook: pulumi.ErrorHook) => {
      into.set(hook.name, hook);
      return Promise.resolve();
    },
    registerTransform: refuse("registerTransform"),
    registerStackTransform: refuse("registerStackTransform"),
    registerStackInvokeTransform: refuse("registerStackInvokeTransform"),
    registerStackInvokeTransformAsync: refuse("registerStackInvokeTransformAsync"),
    shutdown: () => undefined,
    awaitStackRegistrations: () => Promise.resolve(),
  };
}
