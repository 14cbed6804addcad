/**
 * The public surface of distributed-consul for programs that compose it: `ConsulHost` (one whole
 * host) and the building blocks it is made of, their
 * argument types, the pinned defaults, the whole-cluster topology check and the derivation of a
 * shared gossip key. The stack program's own config reading and checks are not part of it.
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
export * from "./registrator";
export * from "./consul-service";
export * from "./anonymous-dns-access";
export * from "./consul-acl-token";
export type { ConsulApi } from "./consul-api";
export {
  dnsReadRules,
  preparedQueryRules,
  registratorRules,
  replicationRules,
} from "../core/acl-rules";
export * from "../core/defaults";
export { LogLevel } from "../core/log-level";
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
export type { Problem } from "../core/problems";
export { describeProblem, errorsOf } from "../core/problems";
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
