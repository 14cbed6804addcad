import {
  HostTopology,
  JoinList,
  KeyNamer,
  Problem,
  checkCaPem,
  checkServiceContainer,
  checkSetting,
  checkTopology,
  error,
  hostTopologyOf,
} from "../components";
import { mayReadBootstrapStack } from "../operations/bootstrap-join";
import { configKey } from "./stack-settings";
import { StackSettings } from "./settings";

/** Names a topology setting as this project's stack config key (`distributed-consul:<key>`). */
export const stackKeyOf: KeyNamer = (setting) => configKey(setting);

/** A join list: plain addresses, or the bootstrap stack's output to read. */
export type JoinSource = readonly string[] | "bootstrap-stack";

/**
 * Where this stack's LAN and WAN join lists come from. Config wins; otherwise a joining stack
 * reads the bootstrap stack, unless it bootstraps itself, every server expects a count (then
 * config must list the servers), or `bootstrapStack` is empty. The program and the topology
 * check both ask this function, so they cannot disagree (and `npm run up` orders stacks by the
 * same rule, operations/bootstrap-join.ts).
 */
export function joinSources(settings: StackSettings): { lan: JoinSource; wan: JoinSource } {
  const fallback: JoinSource = mayReadBootstrapStack(settings) ? "bootstrap-stack" : [];
  return {
    lan: settings.joinAddresses ?? fallback,
    wan: settings.wanJoinAddresses ?? fallback,
  };
}

/** A join source as the topology check sees it: the bootstrap stack's output arrives later. */
function joinList(source: JoinSource): JoinList {
  return source === "bootstrap-stack" ? "later" : source;
}

/**
 * This stack's host, as the topology check sees it: its settings as they are (the one shape
 * `ConsulHost` is checked in too), with the join lists of {@link joinSources}.
 */
export function stackTopology(settings: StackSettings): HostTopology {
  const joins = joinSources(settings);
  return hostTopologyOf(stackKeyOf, {
    ...settings,
    joinAddresses: joinList(joins.lan),
    wanJoinAddresses: joinList(joins.wan),
  });
}

/** The secrets a stack has in its own config (their values are never part of a message). */
export interface ConfiguredSecrets {
  /** Secret keys (`gossipKey`, …) configured in plain text instead of with `--secret`. */
  readonly plainText: readonly string[];
}

/**
 * Where a stack gets what it does not make itself: only the bootstrap stack generates the gossip
 * key and ACL token; every other stack needs them from config or from a bootstrap stack to read.
 */
function checkSources(settings: StackSettings, configured: ConfiguredSecrets): Problem[] {
  const secrets = settings;
  const problems: Problem[] = configured.plainText.map((name) =>
    error(
      configKey(name),
      `is stored in plain text in the stack file; set it again with \`pulumi config set --secret ${configKey(name)} <value>\` so it is encrypted.`,
    ),
  );
  const expect = settings.bootstrapExpect !== undefined;
  const noStack = settings.bootstrapStack === "";
  if (expect && settings.joinAddresses === undefined) {
    problems.push(
      error(
        configKey("joinAddresses"),
        "with bootstrapExpect every server lists the others; set joinAddresses to their LAN addresses (host:8301).",
      ),
    );
  }
  const needsSource = !settings.bootstrap && (expect || noStack);
  const why = expect ? "with bootstrapExpect no stack generates it" : "bootstrapStack is empty";
  if (needsSource && secrets.gossipKey === undefined) {
    problems.push(
      error(
        configKey("gossipKey"),
        `is not set and ${why}; set the same key on every stack: pulumi config set --secret ${configKey("gossipKey")} "$(openssl rand -base64 32)".`,
      ),
    );
  }
  if (needsSource && settings.aclEnabled && secrets.aclManagementToken === undefined) {
    problems.push(
      error(
        configKey("aclManagementToken"),
        `is not set and ${why}; set the same token on every stack: pulumi config set --secret ${configKey("aclManagementToken")} "$(uuidgen)".`,
      ),
    );
  }
  if (needsSource && secrets.tlsCaKey === undefined) {
    problems.push(
      error(
        configKey("tlsCaKey"),
        `is not set and ${why}; make one CA (e.g. with the bootstrap stack, then copy its tlsCaKey and tlsCaCertificate outputs) and set the same on every stack: pulumi config set --secret ${configKey("tlsCaKey")} < ca-key.pem.`,
      ),
    );
  }
  if (secrets.tlsCaKey !== undefined && secrets.tlsCaCertificate !== undefined) {
    problems.push(
      ...checkCaPem(
        secrets.tlsCaCertificate,
        secrets.tlsCaKey,
        (part) => configKey(part === "certificate" ? "tlsCaCertificate" : "tlsCaKey"),
        new Date(),
      ),
    );
  } else if (secrets.tlsCaKey !== undefined || secrets.tlsCaCertificate !== undefined) {
    const missing = secrets.tlsCaKey !== undefined ? "tlsCaCertificate" : "tlsCaKey";
    problems.push(
      error(
        configKey(missing),
        `is not set but ${configKey(missing === "tlsCaKey" ? "tlsCaCertificate" : "tlsCaKey")} is; set both (the CA's certificate and its private key) or neither.`,
      ),
    );
  }
  return problems;
}

/** The service container's own settings (memory, name), named as stack config keys. */
function checkServiceSettings(settings: StackSettings): Problem[] {
  const service = settings.service;
  if (!service || service.enabled === false) return [];
  const names: Record<string, string> = { containerName: "service.ports[0].name" };
  // The host address (nodeIp) and the image are the topology check's, which covers both.
  return checkServiceContainer(
    {
      containerName: service.ports[0]?.name ?? "service",
      memoryMb: service.memoryMb,
    },
    (field) => configKey(names[field] ?? `service.${field}`),
  );
}

/**
 * Every problem with one stack: its config's type problems, where it gets its join addresses and
 * secrets, then the topology check's, leaving out what a type problem already reported for the
 * same setting (a missing nodeIp is reported once, as missing, not again as malformed).
 */
export function checkStack(
  settings: StackSettings,
  typeProblems: readonly Problem[],
  secrets: ConfiguredSecrets,
): Problem[] {
  // A setting with a type problem is reported once: not again by a check of the same setting,
  // of a part of it, or of what contains it (a malformed service.ports[0] is not also "no ports").
  const related = (a: string, b: string): boolean =>
    a === b || [".", "["].some((sep) => a.startsWith(b + sep) || b.startsWith(a + sep));
  const covered = (key: string): boolean => typeProblems.some((t) => related(t.key, key));
  const topology = checkTopology({ hosts: [stackTopology(settings)] });
  const found = [
    ...checkSources(settings, secrets),
    ...topology,
    ...checkServiceSettings(settings),
    ...checkSetting(
      "waitTimeoutSeconds",
      configKey("waitTimeoutSeconds"),
      settings.waitTimeoutSeconds,
    ),
  ].filter((p) => !covered(p.key));
  return [...typeProblems, ...found];
}
