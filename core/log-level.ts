/**
 * Consul's log levels. A `const` object and a type of the same name, which Pulumi's schema
 * inference turns into an enum (a string-literal union it refuses).
 */
export const LogLevel = {
  Trace: "trace",
  Debug: "debug",
  Info: "info",
  Warn: "warn",
  Error: "error",
} as const;
/** One of {@link LogLevel}'s values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];
