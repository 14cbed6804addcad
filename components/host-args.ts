import * as pulumi from "@pulumi/pulumi";
import {
  AgentSettingName,
  HOST_SETTINGS,
  HostSettingName,
  RequiredSettingName,
  SettingDeclaration,
} from "../core/host-settings";
import { AgentArguments, HostArguments } from "./host-arguments";

export type { AgentArguments, HostArguments } from "./host-arguments";

/**
 * A setting as a component argument: a `pulumi.Input` where its declaration says so (a list then
 * takes Inputs as its items too, such as another host's join address).
 */
export type ArgumentOf<D> =
  D extends SettingDeclaration<infer T, infer I>
    ? I extends true
      ? [T] extends [readonly (infer E)[]]
        ? pulumi.Input<pulumi.Input<E>[]>
        : pulumi.Input<T>
      : T
    : never;

/**
 * Every host setting as a component argument, derived from the one declaration (`HOST_SETTINGS`).
 * The declared interface `HostArguments` (generated, for Pulumi's schema inference) must be this
 * very type: the checks below fail to compile when the two part.
 */
type DerivedHostArguments = {
  readonly [K in HostSettingName as K extends RequiredSettingName ? K : never]: ArgumentOf<
    (typeof HOST_SETTINGS)[K]
  >;
} & {
  readonly [K in HostSettingName as K extends RequiredSettingName ? never : K]?: ArgumentOf<
    (typeof HOST_SETTINGS)[K]
  >;
};

/** `true` only when `A` and `B` are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The generated arguments are the declaration's. */
export const HOST_ARGUMENTS_MATCH_THE_DECLARATION: Same<HostArguments, DerivedHostArguments> = true;
/** The generated agent-wide arguments are the declaration's agent-wide settings. */
export const AGENT_ARGUMENTS_MATCH_THE_DECLARATION: Same<
  AgentArguments,
  Partial<Pick<DerivedHostArguments, AgentSettingName>>
> = true;

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
 * the host needs but the object lacks fails when it resolves, naming it. (Written out, not mapped
 * from ConsulCluster: Pulumi's schema inference reads declared properties only.)
 */
export interface ConsulClusterArgs {
  /**
   * The global datacenter's name.
   * @default dc1
   */
  readonly globalDatacenter?: pulumi.Input<string>;
  /**
   * LAN join addresses (`host:serf_lan`) of the cluster's global servers known so far.
   * @default none
   */
  readonly joinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * WAN addresses (`host:serf_wan`) of the same servers.
   * @default none
   */
  readonly wanJoinAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * HTTPS API (`host:https`) of a global server, through which a joining host's tokens are made.
   * @default the first join address's host, on this host's global HTTPS port
   */
  readonly apiAddress?: pulumi.Input<string>;
  /**
   * The node names of the servers known so far (a joining host must not reuse one).
   * @default none
   */
  readonly nodeNames?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The gossip key every agent shares.
   * @default none
   */
  readonly gossipKey?: pulumi.Input<string>;
  /**
   * The ACL management token; absent with ACLs off.
   * @default none
   */
  readonly aclManagementToken?: pulumi.Input<string>;
  /**
   * The CA certificate (PEM) every agent trusts.
   * @default none
   */
  readonly tlsCaCertificate?: pulumi.Input<string>;
  /**
   * The CA's private key (PEM), with which each server's certificate is issued.
   * @default none
   */
  readonly tlsCaKey?: pulumi.Input<string>;
}
