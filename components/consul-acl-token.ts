import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { ConsulApi, consulProvider } from "./consul-api";

/**
 * What a {@link ConsulAclToken}'s secret is when its token was never made (a destroy that runs the
 * program after a failed `up`): no token has it, so nothing could ever authenticate with it.
 */
export const TOKEN_NOT_MADE = "token-not-made";

/** Arguments of {@link ConsulAclToken}. */
export interface ConsulAclTokenArgs {
  /**
   * Where the token is created: a server of the primary datacenter (tokens are global and
   * replicate to the other datacenters), with a token that may write ACLs. Required.
   */
  readonly api: ConsulApi;
  /** What the token is for, shown in Consul. Required. */
  readonly description: pulumi.Input<string>;
  /**
   * The token's own rules, held by a policy named `policyName`. Default: none.
   * @default none
   */
  readonly rules?: pulumi.Input<string>;
  /**
   * Name of the policy holding `rules`, unique in the cluster. Required with `rules`.
   */
  readonly policyName?: pulumi.Input<string>;
  /**
   * A node identity (`node:write` on that node, `service:read`), for an agent's own token.
   * Default: none.
   * @default none
   */
  readonly nodeIdentity?: AclNodeIdentity;
}

/** A Consul node identity: `node:write` on one node of one datacenter, and `service:read`. */
export interface AclNodeIdentity {
  /** The agent's node name. Required. */
  readonly nodeName: pulumi.Input<string>;
  /** The agent's datacenter. Required. */
  readonly datacenter: pulumi.Input<string>;
}

/**
 * One least-privilege ACL token made through the Consul API: a policy with its rules and/or a node
 * identity, and the token. Consul makes the secret; it is read back (`getAclTokenSecretId`) as a
 * Pulumi secret and is never an ID or a plain output. The `deletedWith` option is passed on to the
 * Consul objects: give it the agent whose state holds them when it can go in the same operation
 * (they are then not deleted through the API, which fails once the datacenter has no leader).
 */
export class ConsulAclToken extends pulumi.ComponentResource {
  /** The token's accessor ID (not secret: it names the token, it does not authorize). */
  public readonly accessorId: pulumi.Output<string>;
  /** The token's secret ID, a Pulumi secret. */
  public readonly secretId: pulumi.Output<string>;

  constructor(name: string, args: ConsulAclTokenArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.rules !== undefined && args.policyName === undefined) {
      throw new pulumi.ResourceError(
        `ConsulAclToken(${name}).policyName: is missing; give the policy holding the rules a name unique in the cluster.`,
        undefined,
        true,
      );
    }
    super("distributed-consul:index:ConsulAclToken", name, {}, opts);
    const provider = consulProvider(`${name}-consul`, args.api, this);
    // `deletedWith` has no effect of its own on a component: its Consul objects carry it.
    const childOpts = { parent: this, provider, deletedWith: opts?.deletedWith };
    const policy =
      args.rules === undefined
        ? undefined
        : new consul.AclPolicy(
            `${name}-policy`,
            {
              name: args.policyName,
              description: args.description,
              rules: args.rules,
            },
            childOpts,
          );
    const token = new consul.AclToken(
      `${name}-token`,
      {
        description: args.description,
        policies: policy ? [policy.name] : [],
        nodeIdentities: args.nodeIdentity
          ? [{ nodeName: args.nodeIdentity.nodeName, datacenter: args.nodeIdentity.datacenter }]
          : [],
        local: false,
      },
      childOpts,
    );
    this.accessorId = token.accessorId;
    // Read only for a token that exists. `pulumi destroy --run-program` runs the program for the
    // servers' delete hooks, and after a failed `up` that never made the token its accessor is
    // empty: the read would fail the destroy ("accessor_id: required field is not set"), and so
    // would an empty secret, which the token's users refuse. In an `up` a token always has an
    // accessor once made (unknown before, in a preview), so the stand-in is only ever seen by a
    // destroy, which deletes what uses it.
    this.secretId = pulumi.secret(
      token.accessorId.apply((accessorId) =>
        accessorId
          ? consul.getAclTokenSecretIdOutput({ accessorId }, { parent: this, provider }).secretId
          : TOKEN_NOT_MADE,
      ),
    );
    this.registerOutputs({ accessorId: this.accessorId });
  }
}
