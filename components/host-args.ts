import * as pulumi from "@pulumi/pulumi";
import {
  HOST_SETTINGS,
  HostSettingName,
  RequiredSettingName,
  SettingDeclaration,
} from "../core/host-settings";

/** A setting as a component argument: a `pulumi.Input` where its declaration says so. */
export type ArgumentOf<D> =
  D extends SettingDeclaration<infer T, infer I> ? (I extends true ? pulumi.Input<T> : T) : never;

/**
 * Every host setting as a component argument, derived from the one declaration
 * (`HOST_SETTINGS`): the same names, documentation and defaults as the stack settings.
 */
export type HostArguments = {
  readonly [K in HostSettingName as K extends RequiredSettingName ? K : never]: ArgumentOf<
    (typeof HOST_SETTINGS)[K]
  >;
} & {
  readonly [K in HostSettingName as K extends RequiredSettingName ? never : K]?: ArgumentOf<
    (typeof HOST_SETTINGS)[K]
  >;
};

/**
 * What a host needs to join a cluster, as one object: a {@link ConsulHost}'s `cluster` output,
 * passed on unchanged to the next host's `cluster` argument (and exported by the stack program as
 * its `cluster` output). Whole, it is a Pulumi secret: it carries the shared secrets.
 */
export interface ConsulCluster {
  /** The global datacenter's name. */
  readonly globalDatacenter: string;
  /** LAN join addresses (`host:serf_lan`) of the cluster's global servers known so far. */
  readonly joinAddresses: string[];
  /** WAN addresses (`host:serf_wan`) of the same servers. */
  readonly wanJoinAddresses: string[];
  /** HTTPS API (`host:https`) of a global server, through which a joining host's tokens are made. */
  readonly apiAddress: string;
  /** The node names of the servers known so far (a joining host must not reuse one). */
  readonly nodeNames: string[];
  /** The gossip key every agent shares. */
  readonly gossipKey: string;
  /** The ACL management token; absent with ACLs off. */
  readonly aclManagementToken?: string;
  /** The CA certificate (PEM) every agent trusts. */
  readonly tlsCaCertificate: string;
  /** The CA's private key (PEM), with which each server's certificate is issued. */
  readonly tlsCaKey: string;
}

/**
 * {@link ConsulCluster} as an argument: every field an Input, and each optional, so that a program
 * can assemble it from several sources (another host's output, a stack reference, config). A field
 * the host needs but the object lacks fails when it resolves, naming it.
 */
export type ConsulClusterArgs = {
  readonly [K in keyof ConsulCluster]?: pulumi.Input<ConsulCluster[K]>;
};
