// The stack program: this stack's config → one ConsulHost on this host's Docker engine → the
// outputs the other stacks and the operator read. It uses the library as any program would,
// through its public entry (components/index.ts); where each value comes from (config, the
// bootstrap stack's `cluster` output) is program/host-config.ts's business.
import * as docker from "@pulumi/docker";
import { ConsulHost, presentOutputs } from "./components";
import { readHostConfig } from "./program/host-config";

const { settings, args } = readHostConfig();

// Built from the project's own config keys: an explicit provider does not read `docker:host`.
const dockerProvider = new docker.Provider(`docker-${settings.nodeName}`, {
  host: settings.dockerHost,
  sshOpts: [...settings.dockerSshOpts],
});

const host = new ConsulHost("host", args, { providers: [dockerProvider] });

// Every output the host has, as declared once in HOST_OUTPUTS (`cluster` is what a joining stack
// reads; docs/configuration.md lists them all).
export = presentOutputs(host, args);
