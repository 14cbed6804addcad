import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { ANONYMOUS_TOKEN_ID, dnsReadRules } from "./core/acl-rules";

/** Arguments of {@link AnonymousDnsAccess}. */
export interface AnonymousDnsAccessArgs {
  /** `host:port` of a server's HTTP API in the primary datacenter. Required. */
  readonly consulAddress: pulumi.Input<string>;
  /** The primary datacenter, where ACL policies live and replicate from. Required. */
  readonly datacenter: pulumi.Input<string>;
  /** The ACL management token; kept a Pulumi secret. Required. */
  readonly managementToken: pulumi.Input<string>;
  /**
   * The agent at `consulAddress`: the ACL objects are written once it is healthy, and are not
   * deleted through the API when the agent goes in the same operation (on `pulumi destroy`, the
   * other hosts' servers may already be gone, leaving no leader to ask). Required.
   */
  readonly agent: pulumi.Resource;
}

/**
 * With ACLs on (default deny), lets Consul DNS answer: a policy with read access to services and
 * nodes, attached to the anonymous token. Declared once, by the bootstrap stack; policies and the
 * anonymous token replicate to the other datacenters.
 */
export class AnonymousDnsAccess extends pulumi.ComponentResource {
  /** The policy's name. */
  public readonly policyName: pulumi.Output<string>;

  constructor(name: string, args: AnonymousDnsAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("distributed-consul:index:AnonymousDnsAccess", name, {}, opts);
    const provider = new consul.Provider(
      `${name}-consul`,
      {
        address: args.consulAddress,
        scheme: "http",
        datacenter: args.datacenter,
        token: pulumi.secret(args.managementToken),
      },
      { parent: this },
    );
    const childOpts = { parent: this, provider, dependsOn: [args.agent], deletedWith: args.agent };
    const policy = new consul.AclPolicy(
      `${name}-policy`,
      {
        name: "dns-read",
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
