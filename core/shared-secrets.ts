import { createHash } from "crypto";

/**
 * Shared secrets (the gossip key, the ACL management token) are derived from a random seed rather
 * than generated directly, because of how Pulumi stores resources: a resource's ID is never
 * encrypted in state, and `random.RandomBytes` and `random.RandomUuid` use the random value itself
 * as their ID (so the key would sit in plain text in every state file and backup).
 * `random.RandomPassword`'s ID is the constant `none` and its `result` is a secret output: its
 * result is the seed, and the secrets below are computed from it inside an `apply`, so they stay
 * secrets and are stable across runs.
 */

/** Length of the seed (letters and digits: about 5.95 bits each, 380 bits in all). */
export const SECRET_SEED_LENGTH = 64;

function digest(purpose: string, seed: string): Buffer {
  if (seed.length < SECRET_SEED_LENGTH) {
    throw new Error(
      `a ${purpose} seed must have at least ${SECRET_SEED_LENGTH} characters, not ${seed.length}.`,
    );
  }
  // The purpose separates the derivations: one seed never yields related key and token.
  return createHash("sha256").update(`distributed-consul ${purpose}\n`).update(seed).digest();
}

/** A Consul gossip key (32 bytes, base64, what `consul keygen` prints) derived from a seed. */
export function gossipKeyFromSeed(seed: string): string {
  return digest("gossip key", seed).toString("base64");
}

/** An ACL token secret (a random, version 4 UUID, as Consul makes them) derived from a seed. */
export function aclTokenFromSeed(seed: string): string {
  const bytes = digest("acl token", seed).subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString("hex");
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20, 32),
  ].join("-");
}
