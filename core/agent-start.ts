import { TLS_FILES } from "./agent-config";
import { HEALTHY_MARK_FILE } from "./health";

/** The environment variable that carries an agent's TLS private key into its container. */
export const TLS_KEY_ENV = "DISTRIBUTED_CONSUL_TLS_KEY";
/** The environment variable that carries the management token, for servers that hold it. */
export const MANAGEMENT_TOKEN_ENV = "DISTRIBUTED_CONSUL_MANAGEMENT_TOKEN";
/** The environment variable that carries the agent's own token, for servers that register it. */
export const AGENT_TOKEN_ENV = "DISTRIBUTED_CONSUL_AGENT_TOKEN";

/**
 * What has to happen in a server's container before (and while) Consul starts, beyond the
 * image's own entrypoint.
 */
export interface AgentStart {
  /** Write the TLS private key from {@link TLS_KEY_ENV} to {@link TLS_FILES}.privateKey. */
  readonly tlsKey: boolean;
  /**
   * Register the agent's own token (node identity `nodeName` in `datacenter`, secret from
   * {@link AGENT_TOKEN_ENV}) with the management token from {@link MANAGEMENT_TOKEN_ENV}, once the
   * agent answers. Only for servers that hold the management token anyway (a bootstrapping
   * server): nobody else exists yet to create it through, and the secret must be in the agent's
   * configuration from its first start.
   */
  readonly registerAgentToken?: {
    readonly nodeName: string;
    readonly datacenter: string;
    /** The agent's plain-HTTP port, asked on loopback. */
    readonly httpPort: number;
  };
}

/** The entrypoint every server container gets: its command is a script for `sh`. */
export const AGENT_ENTRYPOINT: readonly string[] = ["/bin/sh", "-c"];

/** Single-quotes a value for `sh`. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The script a server's container runs (with {@link AGENT_ENTRYPOINT}): it clears the
 * healthcheck's mark of a healthy agent (`health`), writes the TLS key readable only by the
 * `consul` user, starts the token registration in the background (retried every 2 s until the
 * token answers `acl token read -self`, which also makes it a no-op on every later start), and
 * then hands over to the image's entrypoint (`docker-entrypoint.sh agent`), which starts the agent
 * as the `consul` user as usual. Secrets are read from the environment, never written into the
 * script.
 */
export function agentStartScript(start: AgentStart): string {
  // A restarted container starts with its healthcheck probing every second again (see health).
  const lines = ["set -e", `rm -f ${quote(HEALTHY_MARK_FILE)}`];
  if (start.tlsKey) {
    lines.push(
      `mkdir -p ${quote(TLS_FILES.dir)}`,
      `(umask 077 && printf '%s\\n' "$${TLS_KEY_ENV}" > ${quote(TLS_FILES.privateKey)})`,
      `chown consul ${quote(TLS_FILES.privateKey)}`,
    );
  }
  const register = start.registerAgentToken;
  if (register) {
    const identity = quote(`${register.nodeName}:${register.datacenter}`);
    const description = quote(`agent token of ${register.nodeName} (${register.datacenter})`);
    lines.push(
      "(",
      `  export CONSUL_HTTP_ADDR=http://127.0.0.1:${register.httpPort}`,
      `  until CONSUL_HTTP_TOKEN="$${AGENT_TOKEN_ENV}" consul acl token read -self >/dev/null 2>&1; do`,
      `    CONSUL_HTTP_TOKEN="$${MANAGEMENT_TOKEN_ENV}" consul acl token create -secret="$${AGENT_TOKEN_ENV}" -node-identity=${identity} -description=${description} >/dev/null 2>&1 || sleep 2`,
      "  done",
      ") &",
    );
  }
  lines.push("exec docker-entrypoint.sh agent");
  return lines.join("\n");
}
