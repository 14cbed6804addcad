import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Problem, error } from "../core/problems";
import {
  DEFAULT_REGISTRATOR_IMAGE,
  REGISTRATOR_DOCKER_SOCKET,
  RegistratorFlags,
  checkConsulAddress,
  registratorCommand,
} from "../core/registrator-args";
import { checkContainerName, checkPinnedImage } from "../core/service-container";
import { ArgumentCheck, known } from "./input-checks";
import { checkTopology } from "../core/topology";
import { DEFAULT_PROTECTION_ENABLED, DEFAULT_REGISTRATOR_OPTIONS } from "../core/defaults";
import { clientTokenCheck, missingToken } from "../core/secure-defaults";
import { failOnProblems } from "./problems-error";

/** Where the Docker engine's socket is on a stock Linux Docker host. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Arguments of {@link Registrator}. */
export interface RegistratorArgs {
  /**
   * `host:port` of the Consul agent's plain HTTP API registrator registers into, e.g. a
   * `GlobalConsul`'s `localHttpAddress` output. Required.
   */
  readonly consulAddress: pulumi.Input<string>;
  /**
   * registrator's flags; each field not given takes its value from
   * {@link DEFAULT_REGISTRATOR_OPTIONS} (`-cleanup`, `-resync`, and retrying while the agent
   * starts) or, if not there, registrator's own default. An Output (e.g. built
   * from a VM's address for `hostIp`) is checked when it resolves. Default `{}`.
   * @default {}
   */
  readonly options?: pulumi.Input<RegistratorFlags>;
  /**
   * registrator image, an exact tag or digest. Default {@link DEFAULT_REGISTRATOR_IMAGE}.
   * @default gliderlabs/registrator:v7
   */
  readonly image?: pulumi.Input<string>;
  /** Docker container name, fixed and unique on the Docker host (e.g. `registrator-dc1`). Required. */
  readonly containerName: pulumi.Input<string>;
  /**
   * Consul ACL token registrator authenticates with (`service:write`, e.g. a `ConsulAclToken`
   * with `registratorRules()`), passed as `CONSUL_HTTP_TOKEN` and kept a Pulumi secret. Required
   * unless `aclEnabled: false`.
   * @default required unless aclEnabled is false
   */
  readonly aclToken?: pulumi.Input<string>;
  /**
   * Authenticate with `aclToken`. `false`: registrator calls its agent anonymously, which works
   * only against an agent without ACLs; warned about at every preview and update, and `aclToken`
   * must not be given then. Default `true`.
   * @default true
   */
  readonly aclEnabled?: boolean;
  /**
   * Host path of the Docker engine socket, mounted read-only. Default `/var/run/docker.sock`.
   * @default /var/run/docker.sock
   */
  readonly dockerSocket?: string;
}

/** What is known of the arguments the check reads, plain or resolved. */
interface KnownRegistratorArgs {
  readonly consulAddress?: string;
  readonly options?: RegistratorFlags;
  readonly image?: string;
  readonly containerName?: string;
  readonly dockerSocket?: string;
}

/** Every problem with the arguments, each named `Registrator(<name>).<argument>`. */
function checkArgs(component: string, args: KnownRegistratorArgs): Problem[] {
  const keyOf = (field: string): string =>
    field === "consulAddress" ? `${component}.consulAddress` : `${component}.options.${field}`;
  const problems: Problem[] = [];
  if (args.containerName !== undefined) {
    problems.push(...checkContainerName(`${component}.containerName`, args.containerName));
  }
  if (args.dockerSocket !== undefined && !args.dockerSocket.startsWith("/")) {
    problems.push(
      error(
        `${component}.dockerSocket`,
        `"${args.dockerSocket}" is not an absolute host path; give the Docker socket's path, e.g. ${DEFAULT_DOCKER_SOCKET}.`,
      ),
    );
  }
  if (args.image !== undefined && args.options !== undefined) {
    problems.push(
      ...checkTopology({
        quorum: false,
        hosts: [
          {
            keyOf: (setting) =>
              setting === "registrator.image"
                ? `${component}.image`
                : keyOf(setting.replace(/^registrator\./, "")),
            registrator: { image: args.image, options: args.options },
            images: { "registrator.image": args.image },
          },
        ],
      }),
    );
  } else if (args.image !== undefined) {
    problems.push(...checkPinnedImage(`${component}.image`, args.image));
  }
  if (args.consulAddress !== undefined) {
    problems.push(...checkConsulAddress(keyOf("consulAddress"), args.consulAddress));
  }
  return problems;
}

/**
 * registrator on one Docker host: it watches the local Docker engine and registers containers'
 * published ports into the Consul agent at `consulAddress`. Host networking (service IDs carry the
 * host's name, so `-cleanup` touches only this host's entries), restarted unless stopped (it exits
 * when Docker's event stream closes), the Docker socket mounted read-only. It authenticates with
 * an ACL token unless told that its agent has no ACLs (`aclEnabled: false`).
 */
export class Registrator extends pulumi.ComponentResource {
  /** The Docker container id. */
  public readonly containerId: pulumi.Output<string>;
  /** registrator's argument list, options first and the registry URI last. */
  public readonly command: pulumi.Output<string[]>;

  constructor(name: string, args: RegistratorArgs, opts?: pulumi.ComponentResourceOptions) {
    const component = `Registrator(${name})`;
    const image = args.image ?? DEFAULT_REGISTRATOR_IMAGE;
    const withDefaults = (options: RegistratorFlags | undefined): RegistratorFlags => ({
      ...DEFAULT_REGISTRATOR_OPTIONS,
      ...options,
    });
    const knownOptions = args.options === undefined ? {} : known(args.options);
    const aclEnabled = args.aclEnabled ?? DEFAULT_PROTECTION_ENABLED;
    const token = clientTokenCheck({
      client: "registrator",
      at: component,
      enabled: aclEnabled,
      token: args.aclToken === undefined ? "absent" : args.aclToken === "" ? "empty" : "present",
    });
    // Checked before anything is registered, this component included; Outputs once resolved.
    const argumentCheck = new ArgumentCheck([
      ...checkArgs(component, {
        consulAddress: known(args.consulAddress),
        options: knownOptions === undefined ? undefined : withDefaults(knownOptions),
        image: known(image),
        containerName: known(args.containerName),
        dockerSocket: args.dockerSocket,
      }),
      ...token.errors,
    ]);
    // Nothing secret goes to super(): its args are recorded as the component's inputs.
    super("distributed-consul:index:Registrator", name, {}, opts);
    // Running without a token is said at every run.
    failOnProblems(token.optOuts, this);

    const resolved = pulumi
      .all([args.consulAddress, args.options ?? {}, image, args.containerName])
      .apply(([consulAddress, options, imageName, containerName]) => {
        const values = {
          consulAddress,
          options: withDefaults(options),
          image: imageName,
          containerName,
          dockerSocket: args.dockerSocket,
        };
        argumentCheck.onResolve(checkArgs(component, values), this);
        return values;
      });
    const command = resolved.apply((r) =>
      registratorCommand({ ...r.options, consulAddress: r.consulAddress }),
    );
    // Wrapped unconditionally: the token is never plain, whether or not the caller marked it.
    const envs = pulumi.secret(
      pulumi.output(aclEnabled ? args.aclToken : undefined).apply((token) => {
        if (!aclEnabled) return [];
        // An Output that resolves to nothing would leave registrator denied by its agent.
        if (token === undefined || token === "") {
          failOnProblems([missingToken("registrator", component, "is empty")], this);
        }
        return [`CONSUL_HTTP_TOKEN=${token}`];
      }),
    );

    const childOpts = { parent: this };
    const remoteImage = new docker.RemoteImage(
      `${name}-image`,
      // keepLocally: another component on the same host may run the same image.
      { name: resolved.image, keepLocally: true },
      childOpts,
    );
    const container = new docker.Container(
      `${name}-container`,
      {
        name: resolved.containerName,
        image: remoteImage.imageId,
        command,
        networkMode: "host",
        restart: "unless-stopped",
        envs,
        // registrator is not a service to publish, not even by another registrator.
        labels: [{ label: "SERVICE_IGNORE", value: "true" }],
        volumes: [
          {
            hostPath: args.dockerSocket ?? DEFAULT_DOCKER_SOCKET,
            containerPath: REGISTRATOR_DOCKER_SOCKET,
            readOnly: true,
          },
        ],
      },
      // Fixed name: the old container must go before the new one starts.
      { ...childOpts, deleteBeforeReplace: true },
    );

    this.containerId = container.id;
    this.command = command;
    this.registerOutputs({ containerId: this.containerId, command: this.command });
  }
}
