import { DEFAULT_REGISTRATOR_OPTIONS } from "./defaults";
import { HostSettings } from "./host-settings";
import { DEFAULT_REGISTRATOR_IMAGE } from "./registrator-args";
import { HostTopology, JoinList, KeyNamer } from "./topology";

/**
 * What is known of a host's settings before anything is deployed: each setting's plain value, or
 * `undefined` while it is not known (a component argument that is an Output); a join list may be
 * `"later"` (read from the cluster or the bootstrap stack).
 */
export type KnownHostSettings = Omit<
  Partial<HostSettings>,
  "joinAddresses" | "wanJoinAddresses"
> & {
  /** LAN join addresses, as far as known. */
  readonly joinAddresses?: JoinList;
  /** WAN join addresses, as far as known. */
  readonly wanJoinAddresses?: JoinList;
};

/** Which of a host's parts a check covers: a building block checks only its own. */
export interface HostParts {
  /** The global server. */
  readonly global: boolean;
  /** The internal datacenter's server. */
  readonly internal: boolean;
  /** The registrators and the service. */
  readonly containers: boolean;
}

/** A whole host: both servers, the registrators and the service. */
export const WHOLE_HOST: HostParts = { global: true, internal: true, containers: true };

/**
 * A host as the topology check sees it, from its settings: the one translation, used by the
 * stack program (its config), `ConsulHost` (its plain arguments) and, for their own part, the
 * building blocks (`GlobalConsul`, `InternalDc`), whose arguments share the settings' names.
 * `keyOf` names a setting in messages (`distributed-consul:<name>` or `ConsulHost(host).<name>`).
 */
export function hostTopologyOf(
  keyOf: KeyNamer,
  host: KnownHostSettings,
  parts: HostParts = WHOLE_HOST,
): HostTopology {
  const { image, registerInternal, ...flags } = host.registrator ?? {};
  void registerInternal;
  const registratorImage = image ?? DEFAULT_REGISTRATOR_IMAGE;
  const service =
    parts.containers && host.service && host.service.enabled !== false ? host.service : undefined;
  return {
    keyOf,
    nodeName: host.nodeName,
    hostAddress: host.hostAddress,
    dockerHost: host.dockerHost,
    dockerBridgeAddress: host.dockerBridgeAddress,
    dockerBridgeSubnet: host.dockerBridgeSubnet,
    gossipKey: host.gossipKey,
    recursors: host.recursors,
    extraConfig: host.extraConfig,
    global: parts.global
      ? {
          datacenter: host.globalDatacenter,
          role: host.role,
          bootstrap: host.bootstrap ?? false,
          bootstrapExpect: host.bootstrapExpect,
          serverCount: host.serverCount,
          joinAddresses: host.joinAddresses,
          ports: host.globalPorts,
          resources: host.globalResources,
        }
      : undefined,
    internal: parts.internal
      ? {
          datacenter: host.internalDatacenter,
          wanJoinAddresses: host.wanJoinAddresses,
          ports: host.internalPorts,
          resources: host.internalResources,
        }
      : undefined,
    registrator:
      !parts.containers || host.registrator === undefined
        ? undefined
        : { image: registratorImage, options: { ...DEFAULT_REGISTRATOR_OPTIONS, ...flags } },
    images: {
      ...(host.consulImage === undefined ? {} : { consulImage: host.consulImage }),
      ...(parts.containers ? { "registrator.image": registratorImage } : {}),
      ...(service ? { "service.image": service.image } : {}),
    },
    servicePorts: service?.ports,
  };
}
