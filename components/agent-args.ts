import * as pulumi from "@pulumi/pulumi";
import { AGENT_SETTING_NAMES, AgentOptions, agentOptions } from "../core/host-settings";
import { LogLevel } from "../core/log-level";

/**
 * The settings every Consul agent takes unchanged (`agent: true` in core/host-settings.ts), as the
 * arguments of every component that runs Consul servers: the same names, meaning and defaults as
 * the stack settings. They are properties here, not a type mapped from the declaration, because
 * Pulumi's schema inference for other languages reads declared properties only (a mapped type's
 * come out untyped and undocumented); {@link resolveAgentArgs} fails to compile when they and the
 * declaration part.
 */
export interface AgentArgs {
  /**
   * Upstream DNS servers Consul forwards names outside Consul to.
   * @default ["1.1.1.1", "8.8.8.8"]
   */
  readonly recursors?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Serve the Consul web UI (over HTTPS on the host address, plain HTTP on loopback and the
   * bridge).
   * @default true
   */
  readonly ui?: pulumi.Input<boolean>;
  /**
   * Consul's log level, one of {@link LogLevel}'s.
   * @default info
   */
  readonly logLevel?: pulumi.Input<LogLevel>;
}

/**
 * The agent-wide arguments resolved, each defaulted as declared: passed on to every agent's
 * configuration without being named.
 */
export function resolveAgentArgs(args: AgentArgs): pulumi.Output<AgentOptions> {
  const given = Object.fromEntries(AGENT_SETTING_NAMES.map((name) => [name, args[name]])) as {
    [K in (typeof AGENT_SETTING_NAMES)[number]]: AgentArgs[K];
  };
  return pulumi.output(given).apply((values) => agentOptions(values));
}
