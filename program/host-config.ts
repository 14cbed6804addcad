// The stack program's input: this stack's config (and, for a joining stack, the bootstrap stack's
// outputs) read, checked and turned into the arguments of one ConsulHost. Everything here is about
// where values come from; what a host is made of lives in ConsulHost.
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { ConsulClusterArgs, ConsulHostArgs } from "../components/consul-host";
import { failOnProblems } from "../components/problems-error";
import { DEFAULT_GLOBAL_PORTS } from "../core/agent-ports";
import { hostPort } from "../core/server-settings";
import { checkDockerContextEnv } from "../core/docker-host";
import { checkStack, joinSources } from "./stack-topology";
import {
  CONFIG_NAMESPACE,
  StackSettings,
  configKey,
  readStack,
  splitRegistratorSettings,
} from "./stack-settings";

/** The config keys that hold secrets: each must be set with `--secret`. */
const SECRET_KEYS = ["gossipKey", "aclManagementToken", "tlsCaKey"] as const;

/** This stack's settings and the ConsulHost arguments they give. */
export interface HostConfig {
  /** The stack's settings, typed and defaulted. */
  readonly settings: StackSettings;
  /** The arguments of this host's ConsulHost. */
  readonly args: ConsulHostArgs;
}

/**
 * Reads and checks this stack's config: every problem is reported at once, before any resource is
 * registered. A joining stack reads the bootstrap stack (a StackReference, made on first use) only
 * for what config lacks, so a stack configured explicitly needs no bootstrap stack.
 */
export function readHostConfig(): HostConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  // Raw values for checking only; secrets are read through requireSecret and never logged.
  const raw = (name: string): string | undefined => pulumi.runtime.getConfig(configKey(name));
  // A secret key is "given" when non-empty (Pulumi.yaml defaults it to "": see there).
  const given = (name: string): string | undefined => raw(name) || undefined;
  // isConfigSecret is exported by the SDK's runtime but missing from its typings.
  const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

  // Without nodeIp and with a local Docker engine, nodeIp is this machine's address (said here).
  const { settings, problems, notice } = readStack(raw, os.networkInterfaces());
  if (notice) void pulumi.log.info(notice);
  failOnProblems([
    ...checkStack(settings, problems, {
      gossipKey: given("gossipKey"),
      aclManagementToken: given("aclManagementToken") !== undefined,
      tlsCaKey: given("tlsCaKey"),
      tlsCaCertificate: given("tlsCaCertificate"),
      plainText: SECRET_KEYS.filter(
        (name) => given(name) !== undefined && !runtime.isConfigSecret(configKey(name)),
      ),
    }),
    ...checkDockerContextEnv(process.env.DOCKER_CONTEXT),
  ]);
  if (!settings.aclEnabled) {
    void pulumi.log.warn(
      `${configKey("aclEnabled")} is false: Consul's ACLs are off, so anyone who reaches an agent's API (HTTPS on the host address, HTTP on the Docker bridge) may read and write everything, KV and catalog included. Remove the setting to turn them back on.`,
    );
  }

  let bootstrapStack: pulumi.StackReference | undefined;
  /** An output of the bootstrap stack; fails naming `bootstrapStack` and `fix` when it is absent. */
  function fromBootstrap(output: string, fix: string): pulumi.Output<string> {
    if (settings.bootstrap || settings.bootstrapStack === "") {
      throw new pulumi.ResourceError(
        `${configKey("bootstrapStack")}: is empty, so nothing provides "${output}"; ${fix}.`,
        undefined,
        true,
      );
    }
    bootstrapStack ??= new pulumi.StackReference(settings.bootstrapStack);
    return bootstrapStack.getOutput(output).apply((value: unknown) => {
      if (typeof value !== "string" || value === "") {
        throw new pulumi.ResourceError(
          `${configKey("bootstrapStack")}: stack "${settings.bootstrapStack}" has no output "${output}"; deploy the bootstrap stack first, point ${configKey("bootstrapStack")} at it, or ${fix}.`,
          undefined,
          true,
        );
      }
      return value;
    });
  }
  const fromBootstrapSecret = (name: string, what: string): pulumi.Output<string> =>
    pulumi.secret(
      fromBootstrap(name, `set ${configKey(name)} (--secret) to the bootstrap stack's ${what}`),
    );

  // The shared secrets: from config when set (with --secret), else made by the bootstrap host (by
  // ConsulHost), else read from the bootstrap stack.
  const joining = !settings.bootstrap;
  const secrets: ConsulClusterArgs = {
    gossipKey: given("gossipKey") ? config.requireSecret("gossipKey") : undefined,
    aclManagementToken: given("aclManagementToken")
      ? config.requireSecret("aclManagementToken")
      : undefined,
    tlsCaCertificate: given("tlsCaKey") ? config.require("tlsCaCertificate") : undefined,
    tlsCaKey: given("tlsCaKey") ? config.requireSecret("tlsCaKey") : undefined,
  };
  const caFix = (what: string) =>
    `set ${configKey("tlsCaKey")} (--secret) and ${configKey("tlsCaCertificate")} to the bootstrap stack's CA ${what}`;
  const joins = joinSources(settings);
  const cluster: ConsulClusterArgs | undefined = joining
    ? {
        gossipKey: secrets.gossipKey ?? fromBootstrapSecret("gossipKey", "key"),
        aclManagementToken: !settings.aclEnabled
          ? undefined
          : (secrets.aclManagementToken ?? fromBootstrapSecret("aclManagementToken", "token")),
        tlsCaCertificate:
          secrets.tlsCaCertificate ?? fromBootstrap("tlsCaCertificate", caFix("certificate")),
        tlsCaKey: secrets.tlsCaKey ?? pulumi.secret(fromBootstrap("tlsCaKey", caFix("key"))),
        // The bootstrap stack must be another host: the same node name or address would be two
        // servers claiming one identity.
        joinAddresses:
          joins.lan !== "bootstrap-stack"
            ? [...joins.lan]
            : [bootstrapJoinAddress(settings, fromBootstrap)],
        wanAddresses:
          joins.wan !== "bootstrap-stack"
            ? [...joins.wan]
            : [
                fromBootstrap(
                  "globalWanAddress",
                  `set ${configKey("wanJoinAddresses")} to the WAN address of a global server`,
                ),
              ],
        // A host joining by a configured list makes its agent token through the first one's API.
        apiAddress:
          !settings.aclEnabled || settings.bootstrapExpect !== undefined
            ? undefined
            : joins.lan !== "bootstrap-stack"
              ? hostPort(
                  joins.lan[0].split(":")[0],
                  settings.globalPorts.https ?? DEFAULT_GLOBAL_PORTS.https,
                )
              : fromBootstrap(
                  "globalApiAddress",
                  `set ${configKey("joinAddresses")} (the first one's host then serves the API)`,
                ),
      }
    : undefined;

  const service = settings.service;
  const registrator = splitRegistratorSettings(settings.registrator);
  return {
    settings,
    args: {
      nodeName: settings.nodeName,
      hostAddress: settings.nodeIp,
      internalDatacenter: settings.internalDatacenter,
      bootstrap: settings.bootstrap,
      bootstrapExpect: settings.bootstrapExpect,
      serverCount: settings.serverCount,
      cluster,
      secrets: settings.bootstrap ? secrets : undefined,
      // The bootstrap host honours configured join lists too.
      joinAddresses: joins.lan !== "bootstrap-stack" ? [...joins.lan] : undefined,
      wanJoinAddresses: joins.wan !== "bootstrap-stack" ? [...joins.wan] : undefined,
      globalDatacenter: settings.globalDatacenter,
      aclEnabled: settings.aclEnabled,
      consulImage: settings.consulImage,
      globalPorts: settings.globalPorts,
      internalPorts: settings.internalPorts,
      dockerBridgeAddress: settings.dockerBridgeAddress,
      recursors: [...settings.recursors],
      ui: settings.ui,
      logLevel: settings.logLevel,
      keepDataOnDestroy: settings.keepDataOnDestroy,
      snapshots: settings.snapshots,
      waitTimeoutSeconds: settings.waitTimeoutSeconds,
      // The failure explanation reads a server's log on the same engine the provider uses.
      dockerHost: settings.dockerHost,
      registrator: {
        image: registrator.image,
        options: registrator.options,
        registerInternal: registrator.registerInternal,
      },
      service: service.enabled
        ? {
            image: service.image,
            ports: [...service.ports],
            envs: [...service.envs],
            command: service.command ? [...service.command] : undefined,
            memoryMb: service.memoryMb,
            preparedQuery: service.preparedQuery,
          }
        : undefined,
    },
  };
}

/**
 * The bootstrap stack's LAN join address, refused when it names this very host (same node name or
 * address): two servers cannot share one identity.
 */
function bootstrapJoinAddress(
  settings: StackSettings,
  fromBootstrap: (output: string, fix: string) => pulumi.Output<string>,
): pulumi.Output<string> {
  return pulumi
    .all([
      fromBootstrap(
        "globalJoinAddress",
        `set ${configKey("joinAddresses")} to the LAN address of a global server`,
      ),
      fromBootstrap("globalNodeName", `set ${configKey("joinAddresses")} instead`),
    ])
    .apply(([address, bootstrapNode]) => {
      const sameName = bootstrapNode === settings.nodeName;
      if (sameName || address.split(":")[0] === settings.nodeIp) {
        throw new pulumi.ResourceError(
          sameName
            ? `${configKey("nodeName")}: "${settings.nodeName}" is also the bootstrap stack's node name; give every host its own.`
            : `${configKey("nodeIp")}: ${settings.nodeIp} is also the bootstrap stack's address; give every host its own.`,
          undefined,
          true,
        );
      }
      return address;
    });
}
