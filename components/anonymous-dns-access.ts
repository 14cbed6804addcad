import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { ANONYMOUS_TOKEN_ID, dnsReadRules } from "../core/acl-rules";
import { ConsulApi, consulProvider } from "./consul-api";

/** Arguments of {@link AnonymousDnsAccess}. */
export interface AnonymousDnsAccessArgs {
  /**
   * A server of the primary datacenter, where ACL policies live and replicate from, with a token
   * that may write ACLs. Required.
   */
  readonly api: ConsulApi;
  /**
   * Name of the policy, unique in the cluster: every host declares its own (see the class), so it
   * should name the host, e.g. `dns-read-node1`. Required.
   */
  readonly policyName: pulumi.Input<string>;
}

/**
 * With ACLs on (default deny), lets Consul DNS answer: a policy with read access to services and
 * nodes, attached to the anonymous token. Every host declares its own policy (the attachments add
 * up), so it holds in every topology, with one bootstrap host or with `bootstrapExpect`, and one
 * host's destroy leaves the others' DNS alone. Policies and the anonymous token replicate to the
 * other datacenters. The `deletedWith` option is passed on to the policy and the attachment: give
 * it the primary's server on this host when the same operation can delete it (the objects are
 * then not deleted through the API, which fails once the datacenter has no leader).
 */
export class AnonymousDnsAccess extends pulumi.ComponentResource {
  /** The policy's name. */
  public readonly policyName: pulumi.Output<string>;

  constructor(name: string, args: AnonymousDnsAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("distributed-consul:index:AnonymousDnsAccess", name, {}, opts);
    const provider = consulProvider(`${name}-consul`, args.api, this);
    // `deletedWith` has no effect of its own on a component: the policy and attachment carry it.
    const childOpts = { parent: this, provider, deletedWith: opts?.deletedWith };
    const policy = new consul.AclPolicy(
      `${name}-policy`,
      {
        name: args.policyName,
        description: "Lets the anonymous token resolve service and node names (Consul DNS).",
        rules: dnsReadRules(),
      },
      childOpts,
    );
    new consul.AclTokenPolicyAttachment(
      `${name}-anonymous`,
      { tokenId: ANONYMOUS_TOKEN_ID, policy: policy.name },
      childOpts,
    );
    this.policyName = policy.name;
    this.registerOutputs({ policyName: this.policyName });
  }
}
