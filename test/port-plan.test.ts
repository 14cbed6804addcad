import * as assert from "assert";
import { DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { findPortClashes, planHostPorts } from "../core/port-plan";

const global = {
  owner: "global server (dc1)",
  key: "distributed-consul:globalPorts",
  defaults: DEFAULT_GLOBAL_PORTS,
};
const internal = {
  owner: "internal server (vm1)",
  key: "distributed-consul:internalPorts",
  defaults: DEFAULT_INTERNAL_PORTS,
};

describe("port plan", () => {
  it("the default global and internal ports do not clash", () => {
    const plan = planHostPorts([
      { ...global, overrides: {} },
      { ...internal, overrides: {} },
    ]);
    assert.deepStrictEqual(plan.problems, []);
    assert.deepStrictEqual(plan.ports, [DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS]);
    // 7 ports, serf LAN/WAN and DNS on both protocols: 10 sockets per agent.
    assert.strictEqual(plan.listeners.length, 20);
  });

  it("applies overrides on top of the defaults", () => {
    const plan = planHostPorts([{ ...global, overrides: { http: 8511 } }]);
    assert.strictEqual(plan.ports[0].http, 8511);
    assert.strictEqual(plan.ports[0].server, 8300);
  });

  it("rejects an explicit clash, naming both owners and the key to change", () => {
    const plan = planHostPorts([
      { ...global, overrides: {} },
      { ...internal, overrides: { http: 8500 } },
    ]);
    assert.deepStrictEqual(plan.problems, [
      {
        severity: "error",
        key: "distributed-consul:internalPorts.http",
        message:
          "port 8500 (tcp) of internal server (vm1) clashes with global server (dc1) (distributed-consul:globalPorts.http); give distributed-consul:internalPorts.http a free port.",
      },
    ]);
  });

  it("reports a TCP+UDP clash once, and clashes with extra listeners such as services", () => {
    const plan = planHostPorts(
      [
        { ...global, overrides: {} },
        { ...internal, overrides: { serfLan: 8301 } },
      ],
      [
        {
          owner: "service elasticsearch",
          key: "distributed-consul:serviceImage",
          port: 8500,
          protocol: "tcp",
        },
      ],
    );
    assert.deepStrictEqual(
      plan.problems.map((p) => p.key),
      ["distributed-consul:internalPorts.serfLan", "distributed-consul:serviceImage"],
    );
  });

  it("rejects ports out of range", () => {
    const plan = planHostPorts([{ ...global, overrides: { dns: 70000, server: 0 } }]);
    assert.deepStrictEqual(
      plan.problems.map((p) => p.message),
      [
        "0 is not a port; give a whole number from 1 to 65535.",
        "70000 is not a port; give a whole number from 1 to 65535.",
      ],
    );
  });

  it("finds no clash between one port used over TCP and UDP by different owners", () => {
    assert.deepStrictEqual(
      findPortClashes([
        { owner: "a", key: "a.dns", port: 53, protocol: "udp" },
        { owner: "b", key: "b.x", port: 53, protocol: "tcp" },
      ]),
      [],
    );
  });
});
