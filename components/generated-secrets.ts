import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SECRET_SEED_LENGTH, aclTokenFromSeed, gossipKeyFromSeed } from "../core/shared-secrets";
import { certificateAuthority, keySeed } from "../core/certificates";

/** How long a generated CA is valid: ten years from its creation. */
export const CA_LIFETIME_DAYS = 3650;
/** The generated CA's subject common name. */
export const CA_COMMON_NAME = "distributed-consul CA";

/**
 * A random seed kept only as a secret: RandomPassword's ID is "none", whereas RandomBytes,
 * RandomString and RandomUuid use the value itself as their ID, which Pulumi never encrypts
 * (see core/shared-secrets).
 */
function secretSeed(name: string, opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return new random.RandomPassword(
    name,
    { length: SECRET_SEED_LENGTH, special: false },
    opts,
  ).result.apply(seedOrStandIn);
}

/**
 * A seed as read, or a stand-in where there is none: `pulumi destroy --run-program` of a stack
 * whose seed was never made (or is already destroyed) runs the program with no value for it, and
 * deriving from nothing would fail the destroy. In an `up` a seed always has a value once made
 * (and is unknown before, in a preview), so the stand-in only ever reaches a destroy.
 */
function seedOrStandIn(seed: string | undefined): string {
  return seed ?? "0".repeat(SECRET_SEED_LENGTH);
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

/** A CA certificate (public) and its private key (a Pulumi secret), both PEM. */
export interface GeneratedCertificateAuthority {
  /** The CA certificate every agent trusts (not secret). */
  readonly certificatePem: pulumi.Output<string>;
  /** The CA's Ed25519 private key (secret): whoever holds it can issue server certificates. */
  readonly privateKeyPem: pulumi.Output<string>;
}

/**
 * A new CA for the agents' TLS, valid {@link CA_LIFETIME_DAYS} days from its first `up`. Its key
 * is derived from a `random.RandomPassword` seed, like the shared secrets; its creation time is
 * kept in that resource's `keepers` (later changes to them are ignored), so every later run
 * rebuilds the very same certificate: no diff, and no CA that changes under the other stacks.
 * Replacing the seed resource (`pulumi up --replace`) makes a new CA (see the README).
 */
export function generatedCertificateAuthority(
  name: string,
  opts?: pulumi.CustomResourceOptions,
): GeneratedCertificateAuthority {
  const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const seed = new random.RandomPassword(
    name,
    { length: SECRET_SEED_LENGTH, special: false, keepers: { createdAt } },
    { ...opts, ignoreChanges: ["keepers"] },
  );
  const pair = pulumi.all([seed.result, seed.keepers]).apply(([secret, keepers]) => {
    const created = new Date(keepers?.createdAt ?? createdAt);
    return certificateAuthority({
      keySeed: keySeed(seedOrStandIn(secret), "ca"),
      commonName: CA_COMMON_NAME,
      // An hour back: another host's clock may be a little behind this one's.
      notBefore: new Date(created.getTime() - 3600_000),
      notAfter: new Date(created.getTime() + CA_LIFETIME_DAYS * 86400_000),
    });
  });
  return {
    certificatePem: pulumi.unsecret(pair.apply((p) => p.certificatePem)),
    privateKeyPem: pulumi.secret(pair.apply((p) => p.privateKeyPem)),
  };
}

/**
 * Every secret the hosts of one cluster share, made once: a gossip key, an ACL management token
 * and a CA, from seeds named `<name>-gossip-key-seed`, `<name>-acl-management-token-seed` and
 * `<name>-tls-ca-seed`. Give the result to every host's `secrets` (e.g. with `bootstrapExpect`,
 * where no host bootstraps alone); a single bootstrapping `ConsulHost` makes its own.
 */
export function generatedClusterSecrets(
  name: string,
  opts?: pulumi.CustomResourceOptions,
): {
  gossipKey: pulumi.Output<string>;
  aclManagementToken: pulumi.Output<string>;
  tlsCaCertificate: pulumi.Output<string>;
  tlsCaKey: pulumi.Output<string>;
} {
  const ca = generatedCertificateAuthority(`${name}-tls-ca-seed`, opts);
  return {
    gossipKey: generatedGossipKey(`${name}-gossip-key-seed`, opts),
    aclManagementToken: generatedAclToken(`${name}-acl-management-token-seed`, opts),
    tlsCaCertificate: ca.certificatePem,
    tlsCaKey: ca.privateKeyPem,
  };
}

/** Arguments of {@link CertificateAuthority}. */
export interface CertificateAuthorityArgs {
  /**
   * Keep the CA's seed (and so the CA) when the component is deleted. Default `false`.
   * @default false
   */
  readonly retainOnDelete?: boolean;
}

/**
 * A CA for the agents' TLS as a component, for programs in any language (the component package):
 * the same CA {@link generatedCertificateAuthority} makes, valid {@link CA_LIFETIME_DAYS} days, its
 * key a Pulumi secret. Give `certificatePem` and `privateKeyPem` to the servers' `tls` argument.
 */
export class CertificateAuthority extends pulumi.ComponentResource {
  /** The CA certificate (PEM), public. */
  public readonly certificatePem: pulumi.Output<string>;
  /** The CA's private key (PEM), a Pulumi secret. */
  public readonly privateKeyPem: pulumi.Output<string>;

  constructor(
    name: string,
    args: CertificateAuthorityArgs = {},
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("distributed-consul:index:CertificateAuthority", name, {}, opts);
    const ca = generatedCertificateAuthority(`${name}-seed`, {
      parent: this,
      retainOnDelete: args.retainOnDelete ?? false,
    });
    this.certificatePem = ca.certificatePem;
    this.privateKeyPem = ca.privateKeyPem;
    this.registerOutputs({
      certificatePem: this.certificatePem,
      privateKeyPem: this.privateKeyPem,
    });
  }
}
