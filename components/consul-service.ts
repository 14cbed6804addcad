import * as consul from "@pulumi/consul";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Problem, error } from "../core/problems";
import { checkServiceContainer, ServiceUlimit, ServiceVolume } from "../core/service-container";
import {
  PreparedQueryFailover,
  ServicePort,
  checkPreparedQuery,
  externalPort,
  preparedQueryDefinition,
  protocolOf,
  registratorLabels,
} from "../core/service-registration";
import { checkDatacenter } from "../core/validators";
import { consulProvider } from "./consul-api";
import { ArgumentCheck, known } from "./input-checks";
import { checkTopology } from "../core/topology";
import { DEFAULT_PROTECTION_ENABLED } from "../core/defaults";
import { clientTokenCheck, missingToken } from "../core/secure-defaults";
import { failOnProblems } from "./problems-error";

/** Default restart policy of a service container: back after a crash or a Docker restart. */
export const DEFAULT_SERVICE_RESTART = "unless-stopped";

/** A Consul prepared query for the service, declared through the Consul agent's HTTP API. */
export interface ConsulServicePreparedQuery {
  /** Query name, a DNS label; answers `<name>.query.consul`. Required. */
  readonly name: string;
  /**
   * The service it looks up, one of the ports' names. Default: the first port's service name.
   * @default the first port's service name
   */
  readonly service?: string;
  /**
   * `host:port` of the agent API `pulumi up` reaches to create the query: give the agent
   * component's `apiAddress` output (e.g. `InternalDc.apiAddress`), which is known only once the
   * agent is healthy, so the query is created after it. Required.
   */
  readonly consulAddress: pulumi.Input<string>;
  /** Datacenter the query is created in. Required. */
  readonly datacenter: pulumi.Input<string>;
  /** Where the query fails over: `nearestN`, `datacenters` or both. Required. */
  readonly failover: PreparedQueryFailover;
  /**
   * ACL token for the Consul API (`query:write` on the query's name, read on services and nodes
   * is enough: a `ConsulAclToken` with `preparedQueryRules(name)`); always handled as a Pulumi
   * secret. Required unless `aclEnabled: false`.
   * @default required unless aclEnabled is false
   */
  readonly token?: pulumi.Input<string>;
  /**
   * Write the query with `token`. `false`: the query is written anonymously, which works only
   * against an agent without ACLs; warned about at every preview and update, and `token` must
   * not be given then. Default `true`.
   * @default true
   */
  readonly aclEnabled?: boolean;
  /**
   * CA certificate (PEM) of the agent at `consulAddress`: the query is then written over HTTPS,
   * the agent verified (give the agent component's `apiAddress` and `caCertificate`). Default:
   * none (plain HTTP).
   * @default none
   */
  readonly caCertificate?: pulumi.Input<string>;
}

/** Resource options of {@link ConsulService}: Pulumi's, and one of its own. */
export interface ConsulServiceOptions extends pulumi.ComponentResourceOptions {
  /**
   * The agent component whose state holds the prepared query (e.g. the `InternalDc` at
   * `consulAddress`): when an operation deletes it too (`pulumi destroy`), the query is not
   * deleted through the API, which is pointless then and fails when its datacenter has no leader.
   * Not `deletedWith` on the component itself: Pulumi would then skip deleting the container too.
   * TypeScript only (a resource option, not an argument in the package schema). Default: none.
   * @default none
   */
  readonly queryDeletedWith?: pulumi.Resource;
}

/** Arguments of {@link ConsulService}. */
export interface ConsulServiceArgs {
  /** Image reference, an exact tag or digest (never `latest`). Required. */
  readonly image: pulumi.Input<string>;
  /** Docker container name, unique on the Docker host. Required. */
  readonly containerName: pulumi.Input<string>;
  /** Ports to publish and register in Consul (through registrator's labels). Required, non-empty. */
  readonly ports: ServicePort[];
  /** Host IPv4 address the ports are published on, and only on it. Required. */
  readonly hostAddress: pulumi.Input<string>;
  /**
   * IPv4 address of a Consul agent serving DNS on port 53, e.g. the internal DC's address on the
   * Docker bridge; the container's only resolver. Required.
   */
  readonly dnsServer: pulumi.Input<string>;
  /**
   * DNS search domains, e.g. `["service.consul"]`. Default: none.
   * @default none
   */
  readonly dnsSearch?: string[];
  /**
   * Environment variables, `NAME=value`; secret elements make the whole list secret. Default `[]`.
   * @default []
   */
  readonly envs?: pulumi.Input<string>[];
  /**
   * Command (overrides the image's `CMD`). Default: the image's.
   * @default the image's
   */
  readonly command?: string[];
  /**
   * Mounts. Default: none.
   * @default none
   */
  readonly volumes?: ServiceVolume[];
  /**
   * Restart policy. Default {@link DEFAULT_SERVICE_RESTART} (`unless-stopped`).
   * @default unless-stopped
   */
  readonly restart?: string;
  /**
   * Memory limit in MB; the container gets no swap beyond it (`memorySwap` is set to the same
   * value: left unset, Docker would set twice the limit, which the provider reads back as a change
   * on every preview). Default: no limit.
   * @default no limit
   */
  readonly memoryMb?: number;
  /**
   * Resource limits, e.g. `[{ name: "nofile", soft: 65535, hard: 65535 }]`. Default: Docker's.
   * @default Docker's
   */
  readonly ulimits?: ServiceUlimit[];
  /**
   * A prepared query with cross-datacenter failover for the service. Default: none.
   * @default none
   */
  readonly preparedQuery?: ConsulServicePreparedQuery;
}

/** The service a prepared query looks up: the one named, else the first port's. */
function queryService(args: ConsulServiceArgs): string {
  return args.preparedQuery?.service ?? args.ports[0]?.name ?? "";
}

/** The arguments a check reads, each the value or `undefined` while it is not known yet. */
interface KnownServiceValues {
  readonly image?: string;
  readonly containerName?: string;
  readonly hostAddress?: string;
  readonly dnsServer?: string;
}

function checkArgs(
  component: string,
  args: ConsulServiceArgs,
  values: KnownServiceValues,
): Problem[] {
  const keyOf = (field: string): string => `${component}.${field}`;
  const query = args.preparedQuery;
  const problems = [
    ...checkServiceContainer(
      {
        ...values,
        restart: args.restart,
        memoryMb: args.memoryMb,
        volumes: args.volumes,
        ulimits: args.ulimits,
      },
      keyOf,
    ),
    ...checkTopology({
      quorum: false,
      hosts: [
        { keyOf: (setting) => keyOf(setting.replace(/^service\./, "")), servicePorts: args.ports },
      ],
    }),
  ];
  if (query) {
    const queryKey = (field: string): string => keyOf(`preparedQuery.${field}`);
    const service = queryService(args);
    problems.push(...checkPreparedQuery({ ...query, service }, queryKey));
    if (typeof query.datacenter === "string") {
      problems.push(...checkDatacenter(queryKey("datacenter"), query.datacenter));
    }
    if (args.ports.length > 0 && !args.ports.some((p) => p.name === service)) {
      problems.push(
        error(
          queryKey("service"),
          `"${service}" is not a service of this container; use one of its ports' names.`,
        ),
      );
    }
  }
  return problems;
}

/**
 * A service container registered in Consul by registrator: published N:N on the host address,
 * labelled with registrator's per-port metadata (name, tags, health check), resolving through a
 * Consul agent's DNS, and optionally found across datacenters through a prepared query.
 */
export class ConsulService extends pulumi.ComponentResource {
  /** The Docker container id. */
  public readonly containerId: pulumi.Output<string>;
  /** The Consul service names registered for the ports, each once, in port order. */
  public readonly serviceNames: pulumi.Output<string[]>;
  /** The prepared query's name; `undefined` without a query. */
  public readonly queryName: pulumi.Output<string | undefined>;
  /** Consul DNS names: `<service>.service.consul` per service, then `<query>.query.consul`. */
  public readonly dnsNames: pulumi.Output<string[]>;

  constructor(name: string, args: ConsulServiceArgs, options?: ConsulServiceOptions) {
    const { queryDeletedWith, ...opts } = options ?? {};
    const component = `ConsulService(${name})`;
    const queryAt = `${component}.preparedQuery`;
    const queryAclEnabled = args.preparedQuery?.aclEnabled ?? DEFAULT_PROTECTION_ENABLED;
    const queryToken = args.preparedQuery?.token;
    const token = args.preparedQuery
      ? clientTokenCheck({
          client: "preparedQuery",
          at: queryAt,
          enabled: queryAclEnabled,
          token: queryToken === undefined ? "absent" : queryToken === "" ? "empty" : "present",
        })
      : { errors: [], optOuts: [] };
    // Checked before anything is registered, this component included.
    const argumentCheck = new ArgumentCheck([
      ...checkArgs(component, args, {
        image: known(args.image),
        containerName: known(args.containerName),
        hostAddress: known(args.hostAddress),
        dnsServer: known(args.dnsServer),
      }),
      ...token.errors,
    ]);
    super("distributed-consul:index:ConsulService", name, {}, opts);
    // Writing the query without a token is said at every run.
    failOnProblems(token.optOuts, this);

    const resolved = pulumi
      .all([args.image, args.containerName, args.hostAddress, args.dnsServer])
      .apply(([image, containerName, hostAddress, dnsServer]) => {
        const values = { image, containerName, hostAddress, dnsServer };
        argumentCheck.onResolve(checkArgs(component, args, values), this);
        return values;
      });
    const childOpts = { parent: this };
    const image = new docker.RemoteImage(
      `${name}-image`,
      // keepLocally: another container on the same host may run the same image.
      { name: resolved.image, keepLocally: true },
      childOpts,
    );

    const container = new docker.Container(
      `${name}-container`,
      {
        name: resolved.containerName,
        image: image.imageId,
        command: args.command ? [...args.command] : undefined,
        envs: args.envs ?? [],
        ports: args.ports.map((p) => ({
          internal: p.internal,
          external: externalPort(p),
          protocol: protocolOf(p),
          ip: resolved.hostAddress,
        })),
        labels: registratorLabels(args.ports),
        dns: [resolved.dnsServer],
        dnsSearches: args.dnsSearch ? [...args.dnsSearch] : undefined,
        restart: args.restart ?? DEFAULT_SERVICE_RESTART,
        memory: args.memoryMb,
        memorySwap: args.memoryMb,
        ulimits: args.ulimits?.map((u) => ({ ...u })),
        volumes: args.volumes?.map((v) => ({ ...v })),
      },
      // Fixed name and host ports: the old container must go before the new one starts.
      { ...childOpts, deleteBeforeReplace: true },
    );

    const query = args.preparedQuery;
    let preparedQuery: consul.PreparedQuery | undefined;
    if (query) {
      const provider = consulProvider(
        `${name}-consul`,
        {
          address: query.consulAddress,
          datacenter: query.datacenter,
          token:
            queryAclEnabled && queryToken !== undefined
              ? pulumi.output(queryToken).apply((t) => {
                  // An Output that resolves to nothing would leave the query denied.
                  if (typeof t !== "string" || t === "") {
                    failOnProblems([missingToken("preparedQuery", queryAt, "is empty")], this);
                  }
                  return t;
                })
              : undefined,
          caCertificate: query.caCertificate,
        },
        this,
      );
      const definition = preparedQueryDefinition({ ...query, service: queryService(args) });
      preparedQuery = new consul.PreparedQuery(`${name}-query`, definition, {
        ...childOpts,
        provider,
        // The query lives in the agent's datacenter state: when a destroy removes the agent too,
        // no API call, which is pointless then and can fail (no quorum, no leader).
        deletedWith: queryDeletedWith,
      });
    }

    const services = [...new Set(args.ports.map((p) => p.name))];
    // Fails with the argument check when a resolved value is wrong (the container never is).
    this.containerId = pulumi.all([container.id, resolved]).apply(([id]) => id);
    this.serviceNames = pulumi.output(services);
    // From the query resource: known once the query exists.
    this.queryName = preparedQuery ? preparedQuery.name : pulumi.output(undefined);
    this.dnsNames = this.queryName.apply((queryName) => [
      ...services.map((s) => `${s}.service.consul`),
      ...(queryName === undefined ? [] : [`${queryName}.query.consul`]),
    ]);
    this.registerOutputs({
      containerId: this.containerId,
      serviceNames: this.serviceNames,
      queryName: this.queryName,
      dnsNames: this.dnsNames,
    });
  }
}
