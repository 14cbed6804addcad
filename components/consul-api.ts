import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";

/** How `pulumi up` reaches a Consul agent's API through the consul provider. */
export interface ConsulApi {
  /**
   * `host:port` of the agent's API: its component's `apiAddress` output (`host:https` with TLS,
   * `host:http` without). Required.
   */
  readonly address: pulumi.Input<string>;
  /** Datacenter the provider's requests are for. Required. */
  readonly datacenter: pulumi.Input<string>;
  /**
   * ACL token of the requests; always handled as a Pulumi secret. Default: none (anonymous).
   * @default none
   */
  readonly token?: pulumi.Input<string>;
  /**
   * CA certificate (PEM) that signed the agent's certificate: the API is then called over HTTPS and
   * the agent's certificate verified. Default: none (plain HTTP).
   * @default none
   */
  readonly caCertificate?: pulumi.Input<string>;
}

/** A consul provider for `api`, child of `parent`. */
export function consulProvider(
  name: string,
  api: ConsulApi,
  parent: pulumi.Resource,
): consul.Provider {
  return new consul.Provider(
    name,
    {
      address: api.address,
      scheme: api.caCertificate === undefined ? "http" : "https",
      caPem: api.caCertificate,
      datacenter: api.datacenter,
      token: api.token === undefined ? undefined : pulumi.secret(api.token),
    },
    { parent },
  );
}
