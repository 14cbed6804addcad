import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_CONSUL_IMAGE,
  DEFAULT_GLOBAL_DATACENTER,
  DEFAULT_PROTECTION_ENABLED,
} from "../core/defaults";
import { Problem } from "../core/problems";
import {
  DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS,
  DEFAULT_SCHEDULED_SNAPSHOTS_KEEP,
  SCHEDULED_SNAPSHOTS_DIR,
  SCHEDULED_SNAPSHOTS_RESOURCES,
  checkScheduledSnapshotsInterval,
  checkScheduledSnapshotsKeep,
  scheduledSnapshotsContainerName,
  scheduledSnapshotsScript,
  scheduledSnapshotsVolumeName,
} from "../core/scheduled-snapshots";
import { AGENT_ENTRYPOINT } from "../core/agent-start";
import { DATA_DIR } from "../core/agent-config";
import { checkPinnedImage } from "../core/service-container";
import { containerLimits } from "../core/server-resources";
import { checkDatacenter, checkNodeName } from "../core/validators";
import { clientTokenCheck, missingToken } from "../core/secure-defaults";
import { ArgumentCheck, known } from "./input-checks";
import { failOnProblems } from "./problems-error";

/** Arguments of {@link ScheduledSnapshots}. */
export interface ScheduledSnapshotsArgs {
  /** The node name of the server asked (e.g. `node1`); it names the files. Required. */
  readonly nodeName: pulumi.Input<string>;
  /**
   * The datacenter of the server asked. Default `dc1`.
   * @default dc1
   */
  readonly datacenter?: pulumi.Input<string>;
  /**
   * `host:port` of the server's plain HTTP API on this host's network, e.g. a `GlobalConsul`'s
   * `localHttpAddress` output (known once the server is healthy, so the sidecar waits). Required.
   */
  readonly httpAddress: pulumi.Input<string>;
  /**
   * Consul image the sidecar runs (`consul snapshot save`), an exact tag or digest: the server's.
   * Default `hashicorp/consul:1.22.7`.
   * @default hashicorp/consul:1.22.7
   */
  readonly image?: pulumi.Input<string>;
  /**
   * Seconds between two snapshots (whole, at least 60). Default 3600.
   * @default 3600
   */
  readonly intervalSeconds?: number;
  /**
   * Snapshots kept (a whole number, at least 1). Default 24.
   * @default 24
   */
  readonly keep?: number;
  /**
   * A token with `acl:write` (Consul's requirement for `/v1/snapshot`; e.g. a `ConsulAclToken`
   * with `snapshotRules()`), passed as `CONSUL_HTTP_TOKEN` and kept a Pulumi secret. Required
   * unless `aclEnabled: false`.
   * @default required unless aclEnabled is false
   */
  readonly token?: pulumi.Input<string>;
  /**
   * Authenticate with `token`. `false`: the sidecar asks anonymously, which works only in a
   * datacenter without ACLs; warned about at every preview and update. Default `true`.
   * @default true
   */
  readonly aclEnabled?: boolean;
  /**
   * Keep the snapshots' volume when the component is deleted (`pulumi destroy`). Default `false`.
   * @default false
   */
  readonly keepOnDestroy?: boolean;
}

/** Every problem of the plain arguments, each named `ScheduledSnapshots(<name>).<argument>`. */
function checkArgs(
  component: string,
  args: {
    nodeName?: string;
    datacenter?: string;
    image?: string;
    intervalSeconds?: number;
    keep?: number;
  },
): Problem[] {
  return [
    ...(args.nodeName === undefined ? [] : checkNodeName(`${component}.nodeName`, args.nodeName)),
    ...(args.datacenter === undefined
      ? []
      : checkDatacenter(`${component}.datacenter`, args.datacenter)),
    ...(args.image === undefined ? [] : checkPinnedImage(`${component}.image`, args.image)),
    ...(args.intervalSeconds === undefined
      ? []
      : checkScheduledSnapshotsInterval(args.intervalSeconds, `${component}.intervalSeconds`)),
    ...(args.keep === undefined ? [] : checkScheduledSnapshotsKeep(args.keep, `${component}.keep`)),
  ];
}

/**
 * Scheduled Raft snapshots of one server's datacenter, kept on the server's host: a sidecar
 * container from the Consul image (host networking, restarted unless stopped, not published by
 * registrator) that saves a snapshot every `intervalSeconds` through the server's plain HTTP API
 * on loopback into a named volume, written to a temporary file and renamed (a snapshot file is
 * always whole), mode 0600, and deletes all but the newest `keep` (see
 * `scheduledSnapshotsScript`). Its container is `consul-snapshots-<datacenter>-<node>`, its
 * volume `consul-<datacenter>-<node>-snapshots`, mounted at `/snapshots`; files are
 * `<node>-<UTC yyyymmddThhmmssZ>.snap`, as `npm run restore` reads them. The container runs with
 * fixed limits, `SCHEDULED_SNAPSHOTS_RESOURCES` (64 MB without swap, half a core: a few times what
 * a save was measured to use; see there). Only the container depends on the server's outputs: a
 * replacement of the server (deleted before it is made again) replaces the sidecar's container,
 * never its volume and the snapshots in it.
 */
export class ScheduledSnapshots extends pulumi.ComponentResource {
  /** The sidecar's container name. */
  public readonly containerName: pulumi.Output<string>;
  /** The snapshots' volume name. */
  public readonly volumeName: pulumi.Output<string>;
  /** The Docker container id. */
  public readonly containerId: pulumi.Output<string>;

  constructor(name: string, args: ScheduledSnapshotsArgs, opts?: pulumi.ComponentResourceOptions) {
    const component = `ScheduledSnapshots(${name})`;
    const image = args.image ?? DEFAULT_CONSUL_IMAGE;
    const datacenter = args.datacenter ?? DEFAULT_GLOBAL_DATACENTER;
    const intervalSeconds = args.intervalSeconds ?? DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS;
    const keep = args.keep ?? DEFAULT_SCHEDULED_SNAPSHOTS_KEEP;
    const aclEnabled = args.aclEnabled ?? DEFAULT_PROTECTION_ENABLED;
    const token = clientTokenCheck({
      client: "scheduledSnapshots",
      at: component,
      enabled: aclEnabled,
      token: args.token === undefined ? "absent" : args.token === "" ? "empty" : "present",
    });
    // Checked before anything is registered, this component included; Outputs once resolved.
    const argumentCheck = new ArgumentCheck([
      ...checkArgs(component, {
        nodeName: known(args.nodeName),
        datacenter: known(datacenter),
        image: known(image),
        intervalSeconds,
        keep,
      }),
      ...token.errors,
    ]);
    // Nothing secret goes to super(): its args are recorded as the component's inputs.
    super("distributed-consul:index:ScheduledSnapshots", name, {}, opts);
    failOnProblems(token.optOuts, this);

    // Not the server's address: what the volume and the image are made from must not depend on
    // the server's container. When the server is replaced (deleted first), Pulumi deletes first
    // every resource with an input from it that the replacement could change: the volume, with
    // the snapshots, would go with it.
    const resolved = pulumi
      .all([args.nodeName, datacenter, image])
      .apply(([nodeName, datacenterName, imageName]) => {
        argumentCheck.onResolve(
          checkArgs(component, { nodeName, datacenter: datacenterName, image: imageName }),
          this,
        );
        return { nodeName, datacenter: datacenterName, image: imageName };
      });
    // Wrapped unconditionally: the token is never plain, whether or not the caller marked it.
    const envs = pulumi.secret(
      pulumi
        .all([args.httpAddress, aclEnabled ? args.token : undefined])
        .apply(([httpAddress, secret]) => {
          if (aclEnabled && (secret === undefined || secret === "")) {
            failOnProblems([missingToken("scheduledSnapshots", component, "is empty")], this);
          }
          return [
            `CONSUL_HTTP_ADDR=http://${httpAddress}`,
            ...(aclEnabled ? [`CONSUL_HTTP_TOKEN=${secret}`] : []),
          ];
        }),
    );
    const limits = containerLimits(undefined, SCHEDULED_SNAPSHOTS_RESOURCES);
    const childOpts = { parent: this };
    const remoteImage = new docker.RemoteImage(
      `${name}-image`,
      // keepLocally: the server on the same host runs the same image.
      { name: resolved.image, keepLocally: true },
      childOpts,
    );
    const volume = new docker.Volume(
      `${name}-volume`,
      { name: resolved.apply((r) => scheduledSnapshotsVolumeName(r.datacenter, r.nodeName)) },
      // Not replaced with the container; deleted with the component unless asked to keep it.
      { ...childOpts, retainOnDelete: args.keepOnDestroy ?? false },
    );
    const script = resolved.apply((r) =>
      scheduledSnapshotsScript({ nodeName: r.nodeName, intervalSeconds, keep }),
    );
    const container = new docker.Container(
      `${name}-container`,
      {
        name: resolved.apply((r) => scheduledSnapshotsContainerName(r.datacenter, r.nodeName)),
        image: remoteImage.imageId,
        entrypoints: [...AGENT_ENTRYPOINT],
        command: [script],
        networkMode: "host",
        restart: "unless-stopped",
        envs,
        // Not a service for registrator to publish.
        labels: [{ label: "SERVICE_IGNORE", value: "true" }],
        volumes: [{ volumeName: volume.name, containerPath: SCHEDULED_SNAPSHOTS_DIR }],
        // The image declares /consul/data a volume: without a mount there, every container of
        // it gets an anonymous volume. The sidecar keeps no agent data: a small tmpfs instead.
        tmpfs: { [DATA_DIR]: "size=1m" },
        // Fixed limits (see SCHEDULED_SNAPSHOTS_RESOURCES): memory without swap beyond it, and a
        // CFS CPU quota (Docker's --cpus).
        memory: limits.memoryMb,
        memorySwap: limits.memoryMb,
        cpus: limits.cpus,
      },
      // Fixed name: the old container must go before the new one starts.
      { ...childOpts, deleteBeforeReplace: true },
    );

    this.containerName = container.name;
    this.volumeName = volume.name;
    this.containerId = container.id;
    this.registerOutputs({
      containerName: this.containerName,
      volumeName: this.volumeName,
      containerId: this.containerId,
    });
  }
}
