// The floor of the benchmark: the same containers, with the same configuration, and the same ACL
// objects and prepared query as a Pulumi deployment made, started by a plain script talking to the
// same Docker engine and the same Consul agents over HTTP. Everything starts as early as what it
// needs allows (a container once the tokens in its environment exist, a Consul object once its API
// accepts it, retried every 100 ms); nothing waits on a healthcheck.
import { ConsulAccess, consulRequest } from "../testbed/probes";
import { DockerEngine, tarOf } from "./docker-engine";

/** One resource of `pulumi stack export` (secrets shown, as the Automation API exports). */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly parent?: string;
  readonly provider?: string;
  readonly dependencies?: string[];
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

/** A container as the floor creates it through the Engine API. */
interface FloorContainer {
  readonly name: string;
  /** `POST /containers/create` body. */
  readonly body: Record<string, unknown>;
  /** Files put into the container before it starts (the provider's `uploads`). */
  readonly files: { path: string; content: string; mode: number }[];
  /** Secret IDs of API-made tokens in its environment: it is created once they exist. */
  readonly tokens: string[];
  /**
   * The loopback HTTP port of the agent it registers into (a registrator's `consul://` URI): it
   * starts once that agent is healthy, as in the deployment (registrator retries only its first
   * connection; a registration the agent refuses waits for the next resync).
   */
  readonly agentPort?: number;
}

/** One write to a Consul API, replayed until the API accepts it. */
interface ConsulWrite {
  readonly what: string;
  readonly address: string;
  readonly access: ConsulAccess;
  readonly method: string;
  readonly path: string;
  /** The body, or a function of what the API holds now (read-modify-write). */
  readonly body: () => Promise<string>;
  /** Names of the policies it refers to: written after them. */
  readonly policies: string[];
  /** The token's secret, for a token. */
  readonly secretId?: string;
}

/** A server the floor waits for, the way its healthcheck would see it, through its API. */
interface FloorServer {
  readonly container: string;
  readonly address: string;
  /** `/v1/status/leader` queries that must all name a leader (`""`, `?dc=dc1`, …). */
  readonly leaderQueries: string[];
  /** The loopback HTTP port its healthcheck asks. */
  readonly httpPort: number;
}

/** Everything the floor replays, read from one Pulumi deployment while it runs. */
export interface FloorRecipe {
  readonly volumes: string[];
  readonly containers: FloorContainer[];
  readonly writes: ConsulWrite[];
  readonly servers: FloorServer[];
  readonly ca: string;
}

/** Container inputs the floor maps to the Engine API; any other set input is an error. */
const MAPPED = new Set([
  "name",
  "image",
  "entrypoints",
  "command",
  "envs",
  "labels",
  "networkMode",
  "restart",
  "volumes",
  "uploads",
  "healthcheck",
  "ports",
  "dns",
  "dnsSearches",
  "memory",
  "memorySwap",
  "ulimits",
  "logDriver",
]);
/** Inputs that do not shape the container (the provider's own behaviour) or are defaults. */
const NOT_SHAPING = new Set([
  "wait",
  "waitTimeout",
  "destroyGraceSeconds",
  "mustRun",
  "start",
  "attach",
  "logs",
  "rm",
  "removeVolumes",
  "containerReadRefreshTimeoutMilliseconds",
  "__defaults",
]);

/** Go duration (`5s`, `500ms`, `1m`) in nanoseconds. */
export function goDurationNs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const unit = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[match[2]] ?? 0;
  return Math.round(Number(match[1]) * unit);
}

function isDefault(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === false ||
    value === 0 ||
    value === "" ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && Object.keys(value).length === 0)
  );
}

type Inputs = Record<string, unknown>;

/** The signature key Pulumi marks a secret value with in an exported state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A state value with every secret (`{<sig>: …, plaintext: "<json>"}`) replaced by its value. */
export function revealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealed);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG in record && typeof record.plaintext === "string") {
      return revealed(JSON.parse(record.plaintext));
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revealed(v)]));
  }
  return value;
}
const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
/** A scalar state value as text; anything else is a recipe this file does not understand. */
function text(value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  throw new Error(`bench floor: expected a scalar, got ${JSON.stringify(value)}`);
}

/** The Engine API create body of a `docker.Container`'s inputs, as the provider builds it. */
export function engineContainer(inputs: Inputs, tokenSecrets: string[]): FloorContainer {
  for (const [key, value] of Object.entries(inputs)) {
    if (!MAPPED.has(key) && !NOT_SHAPING.has(key) && !isDefault(value)) {
      throw new Error(
        `bench floor: container input "${key}" (${JSON.stringify(value)}) is not mapped to the Engine API; add it to bench/floor.ts`,
      );
    }
  }
  const name = String(inputs.name);
  const envs = list<string>(inputs.envs);
  const health = inputs.healthcheck as Inputs | undefined;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp?: string; HostPort: string }[]> = {};
  for (const p of list<Inputs>(inputs.ports)) {
    const key = `${text(p.internal)}/${text(p.protocol, "tcp")}`;
    exposed[key] = {};
    bindings[key] = [
      {
        ...(p.ip ? { HostIp: text(p.ip) } : {}),
        HostPort: text(p.external ?? p.internal),
      },
    ];
  }
  const binds = list<Inputs>(inputs.volumes).map((v) => {
    const source = v.volumeName ?? v.hostPath;
    if (!source || !v.containerPath) throw new Error(`bench floor: volume ${JSON.stringify(v)}`);
    return `${text(source)}:${text(v.containerPath)}${v.readOnly ? ":ro" : ""}`;
  });
  const mb = (value: unknown): number | undefined =>
    typeof value === "number" && value !== 0
      ? value > 0
        ? value * 1024 * 1024
        : value
      : undefined;
  const labels: Record<string, string> = {};
  for (const l of list<Inputs>(inputs.labels)) labels[String(l.label)] = String(l.value);
  const body: Record<string, unknown> = {
    Image: inputs.image,
    Env: envs,
    Labels: labels,
    ...(inputs.entrypoints ? { Entrypoint: inputs.entrypoints } : {}),
    ...(inputs.command ? { Cmd: inputs.command } : {}),
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    ...(health
      ? {
          Healthcheck: {
            Test: health.tests,
            Interval: goDurationNs(text(health.interval, "0s")),
            Timeout: goDurationNs(text(health.timeout, "0s")),
            StartPeriod: goDurationNs(text(health.startPeriod, "0s")),
            Retries: health.retries ?? 0,
          },
        }
      : {}),
    HostConfig: {
      NetworkMode: inputs.networkMode ?? "default",
      RestartPolicy: { Name: inputs.restart ?? "no" },
      LogConfig: { Type: inputs.logDriver ?? "json-file" },
      Binds: binds,
      PortBindings: bindings,
      Dns: list<string>(inputs.dns),
      DnsSearch: list<string>(inputs.dnsSearches),
      ...(mb(inputs.memory) ? { Memory: mb(inputs.memory) } : {}),
      ...(mb(inputs.memorySwap) ? { MemorySwap: mb(inputs.memorySwap) } : {}),
      Ulimits: list<Inputs>(inputs.ulimits).map((u) => ({
        Name: u.name,
        Soft: u.soft,
        Hard: u.hard,
      })),
    },
  };
  const files = list<Inputs>(inputs.uploads).map((u) => {
    if (typeof u.content !== "string") throw new Error(`bench floor: upload ${String(u.file)}`);
    return { path: String(u.file), content: u.content, mode: u.executable ? 0o744 : 0o644 };
  });
  const tokens = tokenSecrets.filter((secret) => envs.some((e) => e.includes(secret)));
  const registry = /^consul:\/\/[^/]+:(\d+)$/.exec(list<string>(inputs.command).at(-1) ?? "");
  return { name, body, files, tokens, agentPort: registry ? Number(registry[1]) : undefined };
}

/** The consul provider a Consul object was made through: its API address and access. */
function providerAccess(
  resources: readonly StateResource[],
  reference: string | undefined,
): { address: string; access: ConsulAccess; datacenter: string } {
  const urn = reference?.slice(0, reference.lastIndexOf("::"));
  const provider = resources.find((r) => r.urn === urn);
  const inputs = provider?.inputs ?? {};
  if (!provider || typeof inputs.address !== "string") {
    throw new Error(`bench floor: no consul provider ${String(reference)} in the state`);
  }
  return {
    address: inputs.address,
    access: {
      ca: typeof inputs.caPem === "string" ? inputs.caPem : undefined,
      token: typeof inputs.token === "string" ? inputs.token : undefined,
    },
    datacenter: text(inputs.datacenter, ""),
  };
}

async function apiJson<T>(
  address: string,
  path: string,
  access: ConsulAccess,
  method = "GET",
  body?: string,
): Promise<T> {
  const response = await consulRequest(address, method, path, access, body);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${method} ${address}${path}: ${response.status} ${response.body.trim()}`);
  }
  return JSON.parse(response.body) as T;
}

interface ApiToken {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies?: { Name: string }[];
  NodeIdentities?: { NodeName: string; Datacenter: string }[];
  Local: boolean;
}

const tokenBody = (t: ApiToken, extraPolicies: string[] = []): string =>
  JSON.stringify({
    AccessorID: t.AccessorID,
    SecretID: t.SecretID,
    Description: t.Description,
    Policies: [
      ...(t.Policies ?? []).map((p) => ({ Name: p.Name })),
      ...extraPolicies.map((Name) => ({ Name })),
    ],
    NodeIdentities: t.NodeIdentities ?? [],
    Local: t.Local,
  });

/**
 * Reads what the floor replays from a running Pulumi deployment: its state (containers, volumes,
 * the Consul objects and the providers they went through) and, through the management token, the
 * Consul objects themselves (token secrets, policy rules, the query definition).
 */
export async function recipeOf(
  resources: readonly StateResource[],
  outputs: Record<string, unknown>,
): Promise<FloorRecipe> {
  const ca = String(outputs.tlsCaCertificate);
  const management: ConsulAccess = { ca, token: String(outputs.aclManagementToken) };
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const dcQuery = (dc: string) => (dc ? `?dc=${dc}` : "");

  const writes: ConsulWrite[] = [];
  for (const policy of ofType("consul:index/aclPolicy:AclPolicy")) {
    const { address, access, datacenter } = providerAccess(resources, policy.provider);
    const name = String(policy.inputs?.name);
    const read = await apiJson<{
      Name: string;
      Description: string;
      Rules: string;
      Datacenters?: string[];
    }>(
      address,
      `/v1/acl/policy/name/${encodeURIComponent(name)}${dcQuery(datacenter)}`,
      management,
    );
    const body = JSON.stringify({
      Name: read.Name,
      Description: read.Description,
      Rules: read.Rules,
      Datacenters: read.Datacenters ?? [],
    });
    writes.push({
      what: `policy ${name}`,
      address,
      access,
      method: "PUT",
      path: `/v1/acl/policy${dcQuery(datacenter)}`,
      body: () => Promise.resolve(body),
      policies: [],
    });
  }
  for (const token of ofType("consul:index/aclToken:AclToken")) {
    const { address, access, datacenter } = providerAccess(resources, token.provider);
    const accessor = String(token.outputs?.accessorId);
    const read = await apiJson<ApiToken>(
      address,
      `/v1/acl/token/${accessor}${dcQuery(datacenter)}`,
      management,
    );
    writes.push({
      what: `token ${read.Description}`,
      address,
      access,
      method: "PUT",
      path: `/v1/acl/token${dcQuery(datacenter)}`,
      body: () => Promise.resolve(tokenBody(read)),
      policies: (read.Policies ?? []).map((p) => p.Name),
      secretId: read.SecretID,
    });
  }
  for (const attachment of ofType(
    "consul:index/aclTokenPolicyAttachment:AclTokenPolicyAttachment",
  )) {
    const { address, access, datacenter } = providerAccess(resources, attachment.provider);
    const tokenId = String(attachment.inputs?.tokenId);
    const policy = String(attachment.inputs?.policy);
    const path = `/v1/acl/token/${tokenId}${dcQuery(datacenter)}`;
    writes.push({
      what: `policy ${policy} on token ${tokenId}`,
      address,
      access,
      method: "PUT",
      path,
      // As the provider does: read the token, add the policy, write it back.
      body: async () => tokenBody(await apiJson<ApiToken>(address, path, access), [policy]),
      policies: [policy],
    });
  }
  for (const query of ofType("consul:index/preparedQuery:PreparedQuery")) {
    const { address, access, datacenter } = providerAccess(resources, query.provider);
    const name = String(query.inputs?.name);
    const all = await apiJson<Record<string, unknown>[]>(
      address,
      `/v1/query${dcQuery(datacenter)}`,
      management,
    );
    const found = all.find((q) => q.Name === name);
    if (!found) throw new Error(`bench floor: prepared query ${name} not found at ${address}`);
    const { ID: _id, CreateIndex: _c, ModifyIndex: _m, ...definition } = found;
    void _id;
    void _c;
    void _m;
    const body = JSON.stringify(definition);
    writes.push({
      what: `prepared query ${name}`,
      address,
      access,
      method: "POST",
      path: `/v1/query${dcQuery(datacenter)}`,
      body: () => Promise.resolve(body),
      policies: [],
    });
  }

  const tokenSecrets = writes.flatMap((w) => (w.secretId ? [w.secretId] : []));
  const containerResources = ofType("docker:index/container:Container");
  const containers = containerResources.map((c) => engineContainer(c.inputs ?? {}, tokenSecrets));
  // A server is a container the deployment waited for; its API is the output of the same prefix
  // as the output holding its container id (`globalContainerId` → `globalApiAddress`).
  const servers: FloorServer[] = [];
  for (const c of containerResources.filter((r) => r.inputs?.wait === true)) {
    const idKey = Object.keys(outputs).find(
      (k) => k.endsWith("ContainerId") && outputs[k] === c.id,
    );
    const address = idKey ? outputs[idKey.replace(/ContainerId$/, "ApiAddress")] : undefined;
    if (typeof address !== "string") {
      throw new Error(`bench floor: no API address output for container ${String(c.inputs?.name)}`);
    }
    const test = list<string>((c.inputs?.healthcheck as Inputs | undefined)?.tests).join(" ");
    const leaderQueries = [...test.matchAll(/\/v1\/status\/leader(\?dc=[\w-]+)?/g)].map(
      (m) => m[1] ?? "",
    );
    const port = /127\.0\.0\.1:(\d+)\//.exec(test);
    if (!port) throw new Error(`bench floor: no loopback port in the healthcheck of ${test}`);
    servers.push({
      container: String(c.inputs?.name),
      address,
      leaderQueries,
      httpPort: Number(port[1]),
    });
  }
  const volumes = ofType("docker:index/volume:Volume").map((v) => String(v.inputs?.name));
  return { volumes, containers, writes, servers, ca };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How often the floor retries what is not accepted yet, and for how long. */
const RETRY_MS = 100;
const GIVE_UP_MS = 180_000;

/** Retries `attempt` every {@link RETRY_MS} until it succeeds; throws its last error after a while. */
async function untilAccepted<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`bench floor: ${what}: ${String(e)}`, { cause: e });
      await sleep(RETRY_MS);
    }
  }
}

/** When each milestone of a floor run was reached, in ms since it began. */
export type FloorMilestones = Record<string, number>;

/** Runs the floor on an engine without any of its containers or volumes; ms until all is done. */
export async function runFloor(
  engine: DockerEngine,
  recipe: FloorRecipe,
): Promise<{ ms: number; milestones: FloorMilestones }> {
  const start = Date.now();
  const milestones: FloorMilestones = {};
  const mark = (what: string) => (milestones[what] = Date.now() - start);

  const written = new Map<string, Promise<void>>();
  const writeDone = (what: string): Promise<void> =>
    written.get(what) ?? Promise.reject(new Error(`bench floor: nothing writes ${what}`));
  const policyWrite = (name: string) => writeDone(`policy ${name}`);
  for (const w of recipe.writes) {
    written.set(
      w.what,
      (async () => {
        await Promise.all(w.policies.map(policyWrite));
        let attempts = 0;
        await untilAccepted(w.what, async () => {
          const body = await w.body();
          attempts++;
          const response = await consulRequest(w.address, w.method, w.path, w.access, body);
          // An earlier attempt may have been applied though its answer was lost (a timeout).
          if (
            attempts > 1 &&
            /already exists|already in use|aliases an existing/.test(response.body)
          )
            return;
          if (response.status < 200 || response.status > 299) {
            throw new Error(`${response.status} ${response.body.trim()}`);
          }
        });
        mark(w.what);
      })(),
    );
  }
  const tokenWritten = (secret: string): Promise<void> => {
    const write = recipe.writes.find((w) => w.secretId === secret);
    return write ? writeDone(write.what) : Promise.resolve();
  };

  const healthy = new Map<number, Promise<void>>();
  for (const s of recipe.servers) {
    healthy.set(
      s.httpPort,
      untilAccepted(`${s.container} healthy`, async () => {
        for (const query of s.leaderQueries) {
          const leader = await apiJson<string>(s.address, `/v1/status/leader${query}`, {
            ca: recipe.ca,
          });
          if (leader === "") throw new Error(`no leader${query}`);
        }
      }).then(() => {
        mark(`${s.container} healthy`);
      }),
    );
  }
  const volumes = Promise.all(
    recipe.volumes.map((name) => engine.call("POST", "/volumes/create", { Name: name })),
  );
  const containers = recipe.containers.map(async (c) => {
    await volumes;
    await Promise.all(c.tokens.map(tokenWritten));
    const created = await engine.call<{ Id: string }>(
      "POST",
      `/containers/create?name=${encodeURIComponent(c.name)}`,
      c.body,
    );
    if (c.files.length > 0) {
      await engine.call("PUT", `/containers/${created.Id}/archive?path=/`, tarOf(c.files));
    }
    if (c.agentPort !== undefined) await healthy.get(c.agentPort);
    await engine.call("POST", `/containers/${created.Id}/start`);
    mark(`${c.name} started`);
  });
  await Promise.all([...containers, ...healthy.values(), ...written.values()]);
  return { ms: Date.now() - start, milestones };
}

/** Removes what the floor made (containers killed, volumes removed). */
export async function cleanFloor(engine: DockerEngine, recipe: FloorRecipe): Promise<void> {
  await Promise.all(recipe.containers.map((c) => engine.removeContainer(c.name)));
  await Promise.all(recipe.volumes.map((v) => engine.removeVolume(v)));
}
