/**
 * Checks of the Docker side of a service container: image pinning, container name, restart
 * policy, mounts and limits. Pure; the component calls it before registering anything.
 */
import { Problem, error } from "./problems";
import { checkIpv4 } from "./validators";

/** Docker restart policies (`docker run --restart`), without `on-failure:<n>` retry counts. */
export const RESTART_POLICIES: readonly string[] = ["no", "on-failure", "always", "unless-stopped"];

/** One mount of a service container: a named volume, a host path, or an anonymous volume. */
export interface ServiceVolume {
  /**
   * Named Docker volume to mount. Default: none (a host path or an anonymous volume).
   * @default none
   */
  readonly volumeName?: string;
  /**
   * Host path to bind-mount; absolute. Default: none.
   * @default none
   */
  readonly hostPath?: string;
  /** Where it appears inside the container; absolute. Required. */
  readonly containerPath: string;
  /**
   * Mount read-only. Default `false`.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** A resource limit (`docker run --ulimit name=soft:hard`). */
export interface ServiceUlimit {
  /** Limit name, e.g. `nofile`, `memlock`. Required. */
  readonly name: string;
  /** Soft limit; at most `hard`. Required. */
  readonly soft: number;
  /** Hard limit. Required. */
  readonly hard: number;
}

/** The known arguments of a service container; `undefined` where a value is not known yet. */
export interface ServiceContainerToCheck {
  /** Image reference. */
  readonly image?: string;
  /** Docker container name. */
  readonly containerName?: string;
  /** The host address ports are published on. */
  readonly hostAddress?: string;
  /** DNS server, when already known as a plain string. */
  readonly dnsServer?: string;
  /** Restart policy. */
  readonly restart?: string;
  /** Memory limit in MB. */
  readonly memoryMb?: number;
  /** Mounts. */
  readonly volumes?: readonly ServiceVolume[];
  /** Resource limits. */
  readonly ulimits?: readonly ServiceUlimit[];
}

/**
 * An error unless `value` names an exact image version: a tag other than `latest`, or a digest
 * (`@sha256:…`). A `docker.RemoteImage` does not pull again when the tag exists locally, so a
 * moving tag would run whatever happens to be on the host.
 */
export function checkPinnedImage(key: string, value: string): Problem[] {
  const lastPart = value.slice(value.lastIndexOf("/") + 1);
  const digest = /@sha256:[0-9a-f]{64}$/.test(value);
  const tag = /^[a-z0-9._-]+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(lastPart)?.[1];
  if (digest || (tag !== undefined && tag !== "latest")) return [];
  return [
    error(
      key,
      `"${value}" does not name an exact image version; pin a tag other than latest (e.g. hashicorp/consul:1.22.7) or a digest (@sha256:…).`,
    ),
  ];
}

/** An error unless `value` is a name Docker accepts for a container (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`). */
export function checkContainerName(key: string, value: string): Problem[] {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(value)
    ? []
    : [
        error(
          key,
          `"${value}" is not a container name Docker accepts; use letters, digits, "_", "." and "-", at least 2 characters, starting with a letter or digit.`,
        ),
      ];
}

/** Every problem with a service container's plain arguments; `keyOf` names the argument. */
export function checkServiceContainer(
  args: ServiceContainerToCheck,
  keyOf: (field: string) => string,
): Problem[] {
  const problems: Problem[] = [
    ...(args.image === undefined ? [] : checkPinnedImage(keyOf("image"), args.image)),
    ...(args.containerName === undefined
      ? []
      : checkContainerName(keyOf("containerName"), args.containerName)),
    ...(args.hostAddress === undefined ? [] : checkIpv4(keyOf("hostAddress"), args.hostAddress)),
    ...(args.dnsServer === undefined ? [] : checkIpv4(keyOf("dnsServer"), args.dnsServer)),
  ];
  if (args.hostAddress === "0.0.0.0") {
    problems.push(
      error(
        keyOf("hostAddress"),
        '"0.0.0.0" publishes on every interface; give the one host address the service is registered under.',
      ),
    );
  }
  if (args.restart !== undefined && !RESTART_POLICIES.includes(args.restart)) {
    problems.push(
      error(
        keyOf("restart"),
        `"${args.restart}" is not a restart policy; use one of ${RESTART_POLICIES.join(", ")}.`,
      ),
    );
  }
  if (args.memoryMb !== undefined && !(Number.isInteger(args.memoryMb) && args.memoryMb >= 6)) {
    problems.push(
      error(
        keyOf("memoryMb"),
        `${args.memoryMb} is not a memory limit; give whole megabytes, at least 6 (Docker's minimum).`,
      ),
    );
  }
  (args.volumes ?? []).forEach((v, i) => {
    const key = (f: string): string => keyOf(`volumes[${i}].${f}`);
    if (!v.containerPath.startsWith("/")) {
      problems.push(error(key("containerPath"), `"${v.containerPath}" is not an absolute path.`));
    }
    if (v.hostPath !== undefined && !v.hostPath.startsWith("/")) {
      problems.push(error(key("hostPath"), `"${v.hostPath}" is not an absolute path.`));
    }
    if (v.hostPath !== undefined && v.volumeName !== undefined) {
      problems.push(
        error(key("hostPath"), "give either volumeName or hostPath, not both, for one mount."),
      );
    }
  });
  (args.ulimits ?? []).forEach((u, i) => {
    const valid = (n: number): boolean => Number.isInteger(n) && n >= -1;
    // -1 is unlimited.
    const exceeds = (soft: number, hard: number): boolean =>
      hard !== -1 && (soft === -1 || soft > hard);
    if (!/^[a-z]+$/.test(u.name) || !valid(u.soft) || !valid(u.hard) || exceeds(u.soft, u.hard)) {
      problems.push(
        error(
          keyOf(`ulimits[${i}]`),
          `${u.name}=${u.soft}:${u.hard} is not a ulimit; give a lowercase name (e.g. nofile) and whole numbers (-1 for unlimited) with soft <= hard.`,
        ),
      );
    }
  });
  return problems;
}
