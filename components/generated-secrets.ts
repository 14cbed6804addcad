import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SECRET_SEED_LENGTH, aclTokenFromSeed, gossipKeyFromSeed } from "./core/shared-secrets";

/**
 * A random seed kept only as a secret: RandomPassword's ID is "none", whereas RandomBytes,
 * RandomString and RandomUuid use the value itself as their ID, which Pulumi never encrypts
 * (see core/shared-secrets).
 */
function secretSeed(name: string, opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return new random.RandomPassword(name, { length: SECRET_SEED_LENGTH, special: false }, opts)
    .result;
}

/**
 * A new gossip key (32 bytes, base64), a Pulumi secret stable across runs, derived from a
 * `random.RandomPassword` named `name` so that the key is never a resource ID in the state.
 */
export function generatedGossipKey(
  name: string,
  opts?: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  return pulumi.secret(secretSeed(name, opts).apply(gossipKeyFromSeed));
}

/** A new ACL token (a version 4 UUID), made the same way as {@link generatedGossipKey}. */
export function generatedAclToken(
  name: string,
  opts?: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  return pulumi.secret(secretSeed(name, opts).apply(aclTokenFromSeed));
}
