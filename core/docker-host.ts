import { Problem, error } from "./problems";

/** The Docker host URL used when a stack names none: the local daemon's socket. */
export const LOCAL_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * An error unless `value` is a Docker host URL the docker provider can use:
 * `unix:///absolute/path`, `tcp://host:port` or `ssh://[user@]host[:port]`.
 */
export function checkDockerHost(key: string, value: string): Problem[] {
  const hostPart = "[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?";
  const forms = [
    new RegExp("^unix:///[^\\s]+$"),
    new RegExp(`^tcp://${hostPart}:[0-9]{1,5}$`),
    new RegExp(`^ssh://([A-Za-z0-9._-]+@)?${hostPart}(:[0-9]{1,5})?$`),
  ];
  const portText = /:([0-9]+)$/.exec(value)?.[1];
  const portOk = value.startsWith("unix://") || portText === undefined || Number(portText) <= 65535;
  return forms.some((f) => f.test(value)) && portOk
    ? []
    : [
        error(
          key,
          `"${value}" is not a Docker host the docker provider can use; give unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host.`,
        ),
      ];
}

/**
 * An error when `DOCKER_CONTEXT` is set in the environment: the docker provider lets it override
 * the configured host, so a stack could silently deploy to another daemon.
 */
export function checkDockerContextEnv(dockerContext: string | undefined): Problem[] {
  return dockerContext
    ? [
        error(
          "DOCKER_CONTEXT (environment)",
          `is "${dockerContext}" and would override distributed-consul:dockerHost in the docker provider; unset it (\`unset DOCKER_CONTEXT\`) and name the daemon in distributed-consul:dockerHost.`,
        ),
      ]
    : [];
}

/** What {@link checkDockerHostEnv} found: an error, or a notice that the stack's config wins. */
export interface DockerHostEnvCheck {
  /** An error naming `distributed-consul:dockerHost` when `DOCKER_HOST` would be ignored silently. */
  readonly problems: Problem[];
  /** Said when both are set and differ: the stack's config is used, `DOCKER_HOST` is not. */
  readonly notice?: string;
}

/**
 * `DOCKER_HOST` from the environment against the stack's `dockerHost`. Every Docker tool honours
 * `DOCKER_HOST`, but a stack's engine must not change with the shell it runs in (a changed
 * provider host replaces every container), so the program never takes it from there: when
 * `DOCKER_HOST` names another engine and `dockerHost` is at its default ({@link LOCAL_DOCKER_HOST},
 * which also counts as not set), an error says how to pin that engine in the stack's config or to
 * unset the variable. When the stack's config names its own engine, it wins, with a notice if
 * `DOCKER_HOST` differs.
 */
export function checkDockerHostEnv(
  dockerHostEnv: string | undefined,
  dockerHost: string,
): DockerHostEnvCheck {
  const key = "distributed-consul:dockerHost";
  if (!dockerHostEnv || dockerHostEnv === dockerHost) return { problems: [] };
  if (dockerHost === LOCAL_DOCKER_HOST) {
    return {
      problems: [
        error(
          key,
          `is not set, but DOCKER_HOST is "${dockerHostEnv}" in the environment. A stack's Docker engine comes from its own config, never from the shell (another engine would replace every container), so this stack would deploy to ${LOCAL_DOCKER_HOST}. To deploy to that engine, pin it in the stack's config: \`pulumi config set ${key} "$DOCKER_HOST"\`; to deploy to ${LOCAL_DOCKER_HOST}, unset the variable: \`unset DOCKER_HOST\`.`,
        ),
      ],
    };
  }
  return {
    problems: [],
    notice: `${key} is ${dockerHost}: this stack deploys there; DOCKER_HOST ("${dockerHostEnv}", in the environment) is not used.`,
  };
}

/**
 * The fields of a Docker engine's `/info` answer (`docker info --format '{{json .}}'`) that
 * {@link checkDockerEngine} reads; the answer has many more.
 */
export interface DockerEngineInfo {
  /** `Docker Desktop` on Docker Desktop (macOS, Windows, Linux); the distribution elsewhere. */
  readonly OperatingSystem?: string;
  /** The engine's host name: `docker-desktop` on Docker Desktop. */
  readonly Name?: string;
  /** `linux`, or `windows` for an engine running Windows containers. */
  readonly OSType?: string;
  /** The engine's version, e.g. `27.4.0` (Podman's own version, e.g. `5.2.5`, from Podman). */
  readonly ServerVersion?: string;
  /**
   * The engine's security options, e.g. `name=seccomp,profile=builtin`: `name=rootless` when the
   * engine runs as an unprivileged user (rootless Docker, rootless Podman).
   */
  readonly SecurityOptions?: readonly string[];
  /** Where the engine keeps its data: `…/containers/storage` for Podman. */
  readonly DockerRootDir?: string;
}

/** Whether the engine says it runs rootless: a security option `name=rootless`. */
function isRootless(info: DockerEngineInfo): boolean {
  return (info.SecurityOptions ?? []).some((option) =>
    option.split(",").some((field) => field.trim() === "name=rootless"),
  );
}

/**
 * An error naming `distributed-consul:dockerHost` when the engine cannot run this project's
 * containers as designed: Docker Desktop (its engine runs in a VM, so host networking binds inside
 * that VM, where this machine's address does not exist and other hosts cannot reach); a rootless
 * engine (rootless Docker's host networking is RootlessKit's network namespace, where the host's
 * address cannot be bound; rootless Podman's containers cannot bind port 53 and have no Docker
 * bridge); or an engine that runs Windows containers. Recognised by what the engine says of itself
 * in its `/info` answer.
 */
export function checkDockerEngine(info: DockerEngineInfo, dockerHost: string): Problem[] {
  const key = "distributed-consul:dockerHost";
  const useLinux =
    `Use a Linux Docker host (a Linux machine or VM running Docker Engine) and point ${key} at it, ` +
    `e.g. \`pulumi config set ${key} ssh://user@linux-vm\`, with distributed-consul:hostAddress set to that host's address.`;
  const version = info.ServerVersion ? ` ${info.ServerVersion}` : "";
  if (info.OperatingSystem?.startsWith("Docker Desktop") || info.Name === "docker-desktop") {
    return [
      error(
        key,
        `${dockerHost} is Docker Desktop (engine${version} "${info.Name ?? ""}", operating system "${info.OperatingSystem ?? ""}"), which is not supported: its engine runs in a VM, so the containers' host networking binds inside that VM, where this host's address cannot be bound and other hosts cannot reach the agents. ${useLinux}`,
      ),
    ];
  }
  if (isRootless(info)) {
    const pointElsewhere =
      `or point ${key} at a rootful engine on another host, e.g. \`pulumi config set ${key} ssh://user@linux-host\`, ` +
      `with distributed-consul:hostAddress set to that host's address.`;
    if (info.DockerRootDir?.includes("/containers/storage")) {
      return [
        error(
          key,
          `${dockerHost} is rootless Podman (Podman${version}; its security options list "name=rootless"), which is not supported: containers it starts as an unprivileged user cannot bind ports below 1024, where the internal agent serves DNS to containers (port 53), and it makes no Docker bridge on the host (distributed-consul:dockerBridgeAddress) for that DNS to listen on. Run Podman as root (\`sudo systemctl enable --now podman.socket\`) and set ${key} to its socket, unix:///run/podman/podman.sock, ${pointElsewhere}`,
        ),
      ];
    }
    return [
      error(
        key,
        `${dockerHost} is a rootless Docker engine (engine${version}; its security options list "name=rootless"), which is not supported: it runs inside RootlessKit's network namespace, and the containers' host networking with it, where this host's address cannot be bound and other hosts cannot reach the agents. Run Docker Engine as root (its system service, socket unix:///var/run/docker.sock), ${pointElsewhere}`,
      ),
    ];
  }
  if (info.OSType !== undefined && info.OSType !== "" && info.OSType !== "linux") {
    return [
      error(
        key,
        `${dockerHost} runs ${info.OSType} containers (engine${version}); Consul's and registrator's images are Linux images with host networking. ${useLinux}`,
      ),
    ];
  }
  return [];
}
