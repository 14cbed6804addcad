/**
 * The public entry of the `distributed-consul` package (compiled to `dist/components/index.js`):
 * `ConsulHost` (one whole host) and the building blocks it is made of, their argument types, the
 * pinned defaults, the whole-cluster topology check and the checks a program runs on the values it
 * reads, the derivation of shared secrets, and the configuration the components give each
 * container. Importing it registers no resource. Everything outside the library in this repository
 * (the stack program, operations, bench, examples, the component package) imports it from here
 * only; the stack program's own config reading is not part of it.
 *
 * @packageDocumentation
 */
export * from "./consul-host";
export * from "./host-args";
export * from "./host-outputs";
export * from "../core/host-settings";
export { hostTopologyOf } from "../core/host-topology";
export type { KnownHostSettings } from "../core/host-topology";
export * from "./global-consul";
export * from "./internal-dc";
export type {
  ConsulServerArgs,
  ConsulServerTls,
  GlobalConsulAcl,
  InternalDcAcl,
} from "./consul-server-container";
export type { SnapshotSettings } from "../core/host-settings";
export type { ExtraAgentConfig } from "../core/extra-config";
export type { ServerResources } from "../core/server-resources";
export { DEFAULT_GLOBAL_RESOURCES, DEFAULT_INTERNAL_RESOURCES } from "../core/server-resources";
export { OWNED_CONSUL_KEYS, checkExtraConfig } from "../core/extra-config";
export * from "./registrator";
export * from "./consul-service";
export * from "./anonymous-dns-access";
export * from "./consul-acl-token";
export * from "./scheduled-snapshots";
export type { ConsulApi } from "./consul-api";
export {
  dnsReadRules,
  metricsRules,
  preparedQueryRules,
  registratorRules,
  replicationRules,
  snapshotRules,
  uiReadRules,
} from "../core/acl-rules";
export * from "../core/defaults";
export { LogLevel } from "../core/log-level";
export { HostRole } from "../core/host-role";
export type { AgentPorts } from "../core/agent-ports";
export { Protocol } from "../core/agent-ports";
export { DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
export type { RegistratorFlags } from "../core/registrator-args";
export { DeregisterMode } from "../core/registrator-args";
export { DEFAULT_REGISTRATOR_IMAGE } from "../core/registrator-args";
export type {
  PreparedQueryFailover,
  ServiceCheck,
  ServicePort,
} from "../core/service-registration";
export { CheckKind } from "../core/service-registration";
export type { ServiceUlimit, ServiceVolume } from "../core/service-container";
export type {
  GlobalServerTopology,
  HostTopology,
  InternalServerTopology,
  Topology,
} from "../core/topology";
export { checkTopology } from "../core/topology";
export type { JoinList, KeyNamer } from "../core/topology";
export type { Problem } from "../core/problems";
export { describeProblem, error, errorsOf, warning } from "../core/problems";
// The checks a program runs on values it reads itself (config, the environment), each problem
// naming the key it is given.
export { checkServiceContainer } from "../core/service-container";
export { checkCaPem } from "../core/server-tls";
export {
  LOCAL_DOCKER_HOST,
  checkDockerContextEnv,
  checkDockerEngine,
  checkDockerHostEnv,
} from "../core/docker-host";
export type { DockerEngineInfo } from "../core/docker-host";
export { inSubnet } from "../core/validators";
// Talking to a deployed agent's HTTP API, and where GlobalConsul's snapshots go: what day-two
// tools (roll, restore) build on.
export type { ConsulEndpoint, ConsulRequest, ConsulResponse } from "./consul-http";
export { consulRequest } from "./consul-http";
export type { SnapshotFile } from "../core/snapshot-files";
export {
  DEFAULT_SNAPSHOTS_DIR,
  newestSnapshot,
  parseSnapshotFileName,
  snapshotFiles,
  snapshotFolder,
} from "../core/snapshot-files";
export {
  DEFAULT_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS,
  DEFAULT_SCHEDULED_SNAPSHOTS_KEEP,
  MIN_SCHEDULED_SNAPSHOTS_INTERVAL_SECONDS,
  SCHEDULED_SNAPSHOTS_DIR,
  SCHEDULED_SNAPSHOTS_RESOURCES,
  scheduledSnapshotsContainerName,
  scheduledSnapshotsScript,
  scheduledSnapshotsVolumeName,
} from "../core/scheduled-snapshots";
export type { ScheduledSnapshotsLoop } from "../core/scheduled-snapshots";
// The configuration the components give each container, for a program that declares the
// containers itself (bench/compose.ts's plain-resource side does, to measure the components).
export type { ConsulConfigDocument } from "../core/agent-config";
export {
  AGENT_CONFIG_FILE,
  DATA_DIR,
  LOCAL_CONFIG_ENV,
  METRICS_PATH,
  PROMETHEUS_RETENTION_TIME,
  renderConfig,
} from "../core/agent-config";
export type { AgentStart } from "../core/agent-start";
export { AGENT_ENTRYPOINT, agentStartScript } from "../core/agent-start";
export type { LeaderHealthcheck } from "../core/health";
export { leaderHealthcheck } from "../core/health";
export type { RegistratorOptions } from "../core/registrator-args";
export { registratorCommand } from "../core/registrator-args";
export type {
  GlobalClientSpec,
  GlobalServerSpec,
  InternalServerSpec,
} from "../core/server-settings";
export {
  globalAgentConfig,
  globalClientAgentConfig,
  internalAgentConfig,
} from "../core/server-settings";
export { failOnProblems } from "./problems-error";
export { SECRET_SEED_LENGTH, aclTokenFromSeed, gossipKeyFromSeed } from "../core/shared-secrets";
export {
  CA_LIFETIME_DAYS,
  CertificateAuthority,
  generatedAclToken,
  generatedCertificateAuthority,
  generatedClusterSecrets,
  generatedGossipKey,
} from "./generated-secrets";
export type { CertificateAuthorityArgs, GeneratedCertificateAuthority } from "./generated-secrets";
