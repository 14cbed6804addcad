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
