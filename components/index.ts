/** The public surface of distributed-consul, for programs that compose several hosts. */
export * from "./global-consul";
export * from "./internal-dc";
export * from "./registrator";
export * from "./consul-service";
export * from "./core/port-plan";
export * from "./problems-error";
export * from "./defaults";
export * from "./core/agent-config";
export * from "./core/agent-ports";
export * from "./core/problems";
export * from "./core/validators";
export * from "./core/docker-host";
export * from "./core/server-settings";
export * from "./core/topology";
export * from "./core/stack-settings";
export * from "./core/stack-topology";
