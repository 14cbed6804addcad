// The stack program's input: this stack's config (and, for a joining stack, the bootstrap stack's
// `cluster` output) read, checked and turned into the arguments of one ConsulHost. Settings and
// ConsulHost arguments share one declaration and one set of names, so reading config yields the
// arguments directly; only the secrets are re-read as Pulumi secrets and the cluster added.
import * as fs from "fs";
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import {
  ConsulClusterArgs,
  ConsulHostArgs,
  checkDockerContextEnv,
  checkDockerEngine,
  checkDockerHostEnv,
  describeProblem,
  failOnProblems,
} from "../components";
import { askDockerEngine } from "./docker-engine";
import { ROUTE_TABLE_PATH } from "./host-address";
import { readsBootstrapStack } from "../operations/bootstrap-join";
import { checkStack } from "./stack-topology";
import { CONFIG_NAMESPACE, configKey, readStack } from "./stack-settings";
import { SECRET_SETTING_NAMES, StackSettings } from "./settings";

/** This stack's settings and the ConsulHost arguments they give. */
export interface HostConfig {
  /** The stack's settings, typed and defaulted (secrets as plain text: for checks only). */
  readonly settings: StackSettings;
  /** The arguments of this host's ConsulHost. */
  readonly args: ConsulHostArgs;
}

/**
 * Reads and checks this stack's config: every problem is reported at once, before any resource is
 * registered. A joining stack reads the bootstrap stack's `cluster` output only when config lacks
 * something it needs, so a stack configured explicitly needs no bootstrap stack.
 */
export function readHostConfig(): HostConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  // Raw values for reading and checking only; secrets reach ConsulHost through requireSecret.
  const raw = (name: string): string | undefined => pulumi.runtime.getConfig(configKey(name));
  // isConfigSecret is exported by the SDK's runtime but missing from its typings.
  const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

  // Without hostAddress and with a local Docker engine, it is this machine's address (said here).
  const { settings, problems, warnings, notice } = readStack(
    raw,
    os.networkInterfaces(),
    readRouteTable(),
  );
  if (notice) void pulumi.log.info(notice);
  for (const w of warnings) void pulumi.log.warn(describeProblem(w));
  const plainText = SECRET_SETTING_NAMES.filter(
    (name) => settings[name] !== undefined && !runtime.isConfigSecret(configKey(name)),
  );
  // DOCKER_HOST is never this stack's engine: set without dockerHost it stops preview.
  const dockerHostEnv = checkDockerHostEnv(process.env.DOCKER_HOST, settings.dockerHost);
  if (dockerHostEnv.notice) void pulumi.log.info(dockerHostEnv.notice);
  // A local engine is asked what it is: Docker Desktop and rootless engines cannot bind this
  // host's address.
  const engine = askDockerEngine(settings.dockerHost);
  if (engine.skipped) void pulumi.log.info(engine.skipped);
  failOnProblems([
    ...checkStack(settings, problems, { plainText }),
    ...checkDockerContextEnv(process.env.DOCKER_CONTEXT),
    ...dockerHostEnv.problems,
    ...(engine.info ? checkDockerEngine(engine.info, settings.dockerHost) : []),
  ]);
  if (!settings.aclEnabled) {
    void pulumi.log.warn(
      `${configKey("aclEnabled")} is false: Consul's ACLs are off, so anyone who reaches an agent's API (HTTPS on the host address, HTTP on the Docker bridge) may read and write everything, KV and catalog included. Remove the setting to turn them back on.`,
    );
  }

  // The program's own settings stay here; every other setting is a ConsulHost argument as read.
  const { dockerSshOpts, bootstrapStack, ...host } = settings;
  void dockerSshOpts;
  const secret = (name: "gossipKey" | "aclManagementToken" | "tlsCaKey") =>
    settings[name] === undefined ? undefined : config.requireSecret(name);
  const args: ConsulHostArgs = {
    ...host,
    gossipKey: secret("gossipKey"),
    aclManagementToken: secret("aclManagementToken"),
    tlsCaKey: secret("tlsCaKey"),
    // The rule `npm run up` orders stacks by (operations/bootstrap-join.ts).
    cluster: readsBootstrapStack(settings) ? bootstrapCluster(bootstrapStack) : undefined,
  };
  return { settings, args };
}

/** This machine's route table (Linux), for the default route's interface; `undefined` elsewhere. */
function readRouteTable(): string | undefined {
  try {
    return fs.readFileSync(ROUTE_TABLE_PATH, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The outputs a bootstrap stack deployed by the previous release (0.1, which had no `cluster`
 * output) exports, by the `ConsulCluster` field each gives. Read for one release only.
 */
const PREVIOUS_RELEASE_OUTPUTS = {
  globalDatacenter: "globalDatacenter",
  joinAddresses: "globalJoinAddress",
  wanJoinAddresses: "globalWanAddress",
  apiAddress: "globalApiAddress",
  nodeNames: "globalNodeName",
  gossipKey: "gossipKey",
  aclManagementToken: "aclManagementToken",
  tlsCaCertificate: "tlsCaCertificate",
  tlsCaKey: "tlsCaKey",
} as const;

/**
 * The bootstrap stack's `cluster` output, passed to ConsulHost unchanged. A bootstrap stack of the
 * previous release has none: its separate outputs are read instead, with a warning to update it.
 */
function bootstrapCluster(stack: string): pulumi.Output<ConsulClusterArgs> {
  const reference = new pulumi.StackReference(stack);
  const previous = pulumi.all(
    Object.fromEntries(
      Object.entries(PREVIOUS_RELEASE_OUTPUTS).map(([field, output]) => [
        field,
        reference.getOutput(output),
      ]),
    ),
  );
  const cluster = pulumi
    .all([reference.getOutput("cluster"), previous])
    .apply(([current, old]): ConsulClusterArgs => {
      if (typeof current === "object" && current !== null) return current as ConsulClusterArgs;
      const listed = (value: unknown) => (typeof value === "string" ? [value] : undefined);
      if (typeof old.joinAddresses !== "string") {
        throw new pulumi.ResourceError(
          `${configKey("bootstrapStack")}: stack "${stack}" has no output "cluster"; deploy the bootstrap stack first, point ${configKey("bootstrapStack")} at it, or set ${configKey("joinAddresses")}, ${configKey("wanJoinAddresses")} and the shared secrets (gossipKey, aclManagementToken, tlsCaKey, tlsCaCertificate) in config.`,
          undefined,
          true,
        );
      }
      void pulumi.log.warn(
        `${configKey("bootstrapStack")}: stack "${stack}" was deployed by the previous release (no "cluster" output); its separate outputs are read instead, for this release only. Run \`pulumi up\` on it with this release.`,
      );
      return {
        ...(old as Record<string, string | undefined>),
        joinAddresses: listed(old.joinAddresses),
        wanJoinAddresses: listed(old.wanJoinAddresses),
        nodeNames: listed(old.nodeNames),
      };
    });
  return pulumi.secret(cluster);
}
