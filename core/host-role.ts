/**
 * A host's role in the global datacenter: a voting `server` (three or five per datacenter) or a
 * `client` agent that joins them. A `const` object and a type of the same name, which Pulumi's
 * schema inference turns into an enum (a string-literal union it refuses).
 */
export const HostRole = {
  Server: "server",
  Client: "client",
} as const;
/** One of {@link HostRole}'s values. */
export type HostRole = (typeof HostRole)[keyof typeof HostRole];
