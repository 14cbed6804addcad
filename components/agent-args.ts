import * as pulumi from "@pulumi/pulumi";
import { AGENT_SETTING_NAMES, AgentOptions, agentOptions } from "../core/host-settings";
import { AgentArguments } from "./host-arguments";

/**
 * The agent-wide arguments resolved, each defaulted as declared: passed on to every agent's
 * configuration without being named.
 */
export function resolveAgentArguments(args: AgentArguments): pulumi.Output<AgentOptions> {
  const given = Object.fromEntries(AGENT_SETTING_NAMES.map((name) => [name, args[name]])) as {
    [K in (typeof AGENT_SETTING_NAMES)[number]]: AgentArguments[K];
  };
  return pulumi.output(given).apply((values) => agentOptions(values));
}
