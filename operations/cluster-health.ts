// The global datacenter's health as the day-two scripts see it: a stack's outputs give the API, the
// CA and the management token; autopilot's answer gives the verdict (core/autopilot-health).
import { OutputMap } from "@pulumi/pulumi/automation";
import { ConsulEndpoint, consulRequest } from "../components";
import {
  AutopilotExpectation,
  AutopilotVerdict,
  autopilotVerdict,
  parseAutopilotHealth,
} from "./autopilot-health";

/** What a stack's outputs say about reaching its global server. */
export interface StackApi {
  /** The stack's name. */
  readonly stack: string;
  /** Its global server's node name. */
  readonly nodeName: string;
  /** The global datacenter's name. */
  readonly datacenter: string;
  /** Its global server's API, with the CA and the management token. */
  readonly endpoint: ConsulEndpoint;
}

/**
 * Reads a stack's `globalApiAddress`, `tlsCaCertificate`, `aclManagementToken`, `nodeName` and
 * `globalDatacenter` outputs (see components/host-outputs.ts); throws naming what is missing. A
 * stack last deployed by the previous release names its node `globalNodeName`, which is read too,
 * so that a roll can upgrade it.
 */
export function stackApi(stack: string, outputs: OutputMap): StackApi {
  const value = (name: string): string | undefined => {
    const v = outputs[name]?.value as unknown;
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const address = value("globalApiAddress");
  const nodeName = value("nodeName") ?? value("globalNodeName");
  const datacenter = value("globalDatacenter");
  const missing = [
    ...(address ? [] : ["globalApiAddress"]),
    ...(nodeName ? [] : ["nodeName"]),
    ...(datacenter ? [] : ["globalDatacenter"]),
  ];
  if (!address || !nodeName || !datacenter) {
    throw new Error(
      `stack ${stack} has no output ${missing.join(", ")}: deploy it first (npm run deploy:${stack}, or npx pulumi up -s ${stack}), or leave it out with --stacks.`,
    );
  }
  const ca = value("tlsCaCertificate");
  return {
    stack,
    nodeName,
    datacenter,
    endpoint: {
      url: `${ca ? "https" : "http"}://${address}`,
      caCertificate: ca,
      token: value("aclManagementToken"),
    },
  };
}

/** Asks the stack's server for autopilot's health once; a failed request is a verdict too. */
export async function askHealth(
  api: StackApi,
  expect: AutopilotExpectation,
): Promise<AutopilotVerdict> {
  const unreachable = (why: string): AutopilotVerdict => ({
    ok: false,
    allHealthy: false,
    failureTolerance: 0,
    voters: 0,
    servers: 0,
    problems: [why],
  });
  try {
    const answer = await consulRequest(api.endpoint, {
      method: "GET",
      path: "/v1/operator/autopilot/health",
      timeoutMs: 10_000,
    });
    // Consul answers 429 with the same body while the datacenter is unhealthy.
    if (answer.status !== 200 && answer.status !== 429) {
      return unreachable(
        `${api.endpoint.url} answered ${answer.status}: ${answer.body.trim().slice(0, 200)}`,
      );
    }
    return autopilotVerdict(parseAutopilotHealth(answer.body), expect);
  } catch (e) {
    return unreachable((e as Error).message);
  }
}

/** Serf's member status `alive`, as `/v1/agent/members` gives it. */
const SERF_ALIVE = 1;

/**
 * The health of a client host (role `client`), asked once through its own client agent: the
 * servers' autopilot health as the client's API forwards it (all servers healthy, a leader), and
 * the client itself `alive` in the datacenter's LAN members. A client is no voter: there is no
 * autopilot gate for it, only its own health.
 */
export async function askClientHealth(api: StackApi): Promise<AutopilotVerdict> {
  const servers = await askHealth(api, {});
  const problems = [...servers.problems];
  try {
    const answer = await consulRequest(api.endpoint, {
      method: "GET",
      path: "/v1/agent/members",
      timeoutMs: 10_000,
    });
    const members =
      answer.status === 200 ? (JSON.parse(answer.body) as { Name: string; Status: number }[]) : [];
    const me = members.find((m) => m.Name === api.nodeName);
    if (answer.status !== 200) {
      problems.push(`${api.endpoint.url} answered ${answer.status} for its members.`);
    } else if (me?.Status !== SERF_ALIVE) {
      problems.push(
        `client ${api.nodeName} ${me ? `is not alive (serf status ${me.Status}) in` : "is not a member of"} ${api.datacenter}.`,
      );
    }
  } catch (e) {
    problems.push((e as Error).message);
  }
  return { ...servers, ok: problems.length === 0, problems };
}

/**
 * Asks until the verdict is ok or `timeoutSeconds` have passed; returns the last verdict.
 * `onWait` hears each verdict that is not ok yet.
 */
export async function waitForHealth(
  api: StackApi,
  expect: AutopilotExpectation,
  timeoutSeconds: number,
  onWait: (verdict: AutopilotVerdict, elapsedSeconds: number) => void = () => undefined,
): Promise<AutopilotVerdict> {
  return waitFor(() => askHealth(api, expect), timeoutSeconds, onWait);
}

/** {@link waitForHealth} for a client host: until {@link askClientHealth} is ok. */
export async function waitForClientHealth(
  api: StackApi,
  timeoutSeconds: number,
  onWait: (verdict: AutopilotVerdict, elapsedSeconds: number) => void = () => undefined,
): Promise<AutopilotVerdict> {
  return waitFor(() => askClientHealth(api), timeoutSeconds, onWait);
}

async function waitFor(
  ask: () => Promise<AutopilotVerdict>,
  timeoutSeconds: number,
  onWait: (verdict: AutopilotVerdict, elapsedSeconds: number) => void,
): Promise<AutopilotVerdict> {
  const start = Date.now();
  for (;;) {
    const verdict = await ask();
    const elapsed = (Date.now() - start) / 1000;
    if (verdict.ok || elapsed >= timeoutSeconds) return verdict;
    onWait(verdict, elapsed);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
