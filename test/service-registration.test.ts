import * as assert from "assert";
import {
  PreparedQuerySpec,
  ServicePort,
  checkPreparedQuery,
  checkServicePorts,
  preparedQueryDefinition,
  registratorLabels,
} from "../core/service-registration";
import { Problem } from "../core/problems";

const keyOf = (field: string): string => `svc.${field}`;

/** The `key: message` lines of a list of problems, for exact comparison. */
function lines(problems: readonly Problem[]): string[] {
  return problems.map((p) => `${p.severity} ${p.key}: ${p.message}`);
}

describe("registratorLabels", () => {
  it("gives an HTTP check its path, interval and timeout, defaults filled in", () => {
    const ports: ServicePort[] = [
      { internal: 9200, name: "elasticsearch", check: { kind: "http", path: "/_cluster/health" } },
    ];
    assert.deepStrictEqual(registratorLabels(ports), [
      { label: "SERVICE_9200_CHECK_HTTP", value: "/_cluster/health" },
      { label: "SERVICE_9200_CHECK_INTERVAL", value: "10s" },
      { label: "SERVICE_9200_CHECK_TIMEOUT", value: "5s" },
      { label: "SERVICE_9200_NAME", value: "elasticsearch" },
    ]);
  });

  it("gives a TCP check CHECK_TCP=true and the given interval and timeout", () => {
    const ports: ServicePort[] = [
      {
        internal: 9300,
        name: "es-transport",
        check: { kind: "tcp", interval: "30s", timeout: "500ms" },
      },
    ];
    assert.deepStrictEqual(registratorLabels(ports), [
      { label: "SERVICE_9300_CHECK_INTERVAL", value: "30s" },
      { label: "SERVICE_9300_CHECK_TCP", value: "true" },
      { label: "SERVICE_9300_CHECK_TIMEOUT", value: "500ms" },
      { label: "SERVICE_9300_NAME", value: "es-transport" },
    ]);
  });

  it("comma-joins tags and emits no check labels without a check", () => {
    const ports: ServicePort[] = [{ internal: 80, name: "web", tags: ["blue", "v2"] }];
    assert.deepStrictEqual(registratorLabels(ports), [
      { label: "SERVICE_80_NAME", value: "web" },
      { label: "SERVICE_80_TAGS", value: "blue,v2" },
    ]);
  });

  it("keys a UDP port by its container port number alone, as registrator reads it", () => {
    const ports: ServicePort[] = [{ internal: 5353, protocol: "udp", name: "mdns", tags: [] }];
    assert.deepStrictEqual(registratorLabels(ports), [
      { label: "SERVICE_5353_NAME", value: "mdns" },
    ]);
  });

  it("keys by the container port, not the host port, sorted by port then key", () => {
    const ports: ServicePort[] = [
      { internal: 8080, external: 18080, name: "api", tags: ["x"] },
      { internal: 443, name: "https" },
    ];
    assert.deepStrictEqual(
      registratorLabels(ports).map((l) => l.label),
      ["SERVICE_443_NAME", "SERVICE_8080_NAME", "SERVICE_8080_TAGS"],
    );
  });

  it("writes a TCP and a UDP port on one container port once, with the TCP check", () => {
    const ports: ServicePort[] = [
      { internal: 53, protocol: "udp", name: "dns" },
      { internal: 53, name: "dns", check: { kind: "tcp" } },
    ];
    assert.deepStrictEqual(registratorLabels(ports), [
      { label: "SERVICE_53_CHECK_INTERVAL", value: "10s" },
      { label: "SERVICE_53_CHECK_TCP", value: "true" },
      { label: "SERVICE_53_CHECK_TIMEOUT", value: "5s" },
      { label: "SERVICE_53_NAME", value: "dns" },
    ]);
    assert.deepStrictEqual(checkServicePorts(ports, keyOf), []);
  });
});

describe("checkServicePorts", () => {
  it("accepts a well-formed port list", () => {
    const ports: ServicePort[] = [
      { internal: 9200, name: "elasticsearch", check: { kind: "http", path: "/", interval: "1m" } },
      { internal: 9300, external: 19300, name: "es-transport", check: { kind: "tcp" } },
      { internal: 514, protocol: "udp", name: "syslog" },
    ];
    assert.deepStrictEqual(checkServicePorts(ports, keyOf), []);
  });

  it("refuses an empty list", () => {
    assert.deepStrictEqual(lines(checkServicePorts([], keyOf)), [
      "error svc.ports: no ports: registrator registers only published ports; give at least one.",
    ]);
  });

  it("refuses ports outside 1..65535, internal and external", () => {
    const ports: ServicePort[] = [
      { internal: 0, name: "a" },
      { internal: 80, external: 65536, name: "b" },
      { internal: 8.5, external: 81, name: "c" },
    ];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      "error svc.ports[0].internal: 0 is not a port; give a whole number from 1 to 65535.",
      "error svc.ports[1].external: 65536 is not a port; give a whole number from 1 to 65535.",
      "error svc.ports[2].internal: 8.5 is not a port; give a whole number from 1 to 65535.",
    ]);
  });

  it("refuses a host port published twice on one protocol, but not once per protocol", () => {
    const ports: ServicePort[] = [
      { internal: 80, name: "web" },
      { internal: 8080, external: 80, name: "admin" },
      { internal: 8081, external: 80, protocol: "udp", name: "other" },
    ];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      "error svc.ports[1].external: host port 80/tcp is already published by ports[0]; a host port can be published once per protocol.",
    ]);
  });

  it("refuses a container port listed twice on one protocol", () => {
    const ports: ServicePort[] = [
      { internal: 80, name: "web" },
      { internal: 80, external: 8080, name: "web" },
    ];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      "error svc.ports[1].internal: container port 80/tcp is already listed as ports[0]; registrator registers only the first host binding of a container port.",
    ]);
  });

  it("refuses a TCP and a UDP port on one container port with different names", () => {
    const ports: ServicePort[] = [
      { internal: 53, name: "dns" },
      { internal: 53, protocol: "udp", name: "dns-udp" },
    ];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      "error svc.ports[1]: container port 53 is also ports[0] with another name or tags; registrator keys SERVICE_53_* labels by port number only, whatever the protocol, so both must have the same name and tags.",
    ]);
  });

  it("refuses a checked TCP/UDP pair published on different host ports", () => {
    const ports: ServicePort[] = [
      { internal: 53, name: "dns", check: { kind: "tcp" } },
      { internal: 53, external: 5353, protocol: "udp", name: "dns" },
    ];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      "error svc.ports[1].external: container port 53 has a check (on its TCP port) and registrator keys SERVICE_53_* labels by port number only, whatever the protocol, so the UDP service gets the same check against its own host port; publish both on the same host port.",
    ]);
  });

  it("refuses service names that are not lowercase DNS labels", () => {
    const names = ["Web", "-web", "web-", "web_1", "web.api", "", "a".repeat(64)];
    const ports: ServicePort[] = names.map((name, i) => ({ internal: 1000 + i, name }));
    const problems = checkServicePorts(ports, keyOf);
    assert.deepStrictEqual(
      problems.map((p) => p.key),
      names.map((_, i) => `svc.ports[${i}].name`),
    );
    assert.strictEqual(
      problems[0].message,
      '"Web" is not a valid service name; use lowercase letters, digits and inner "-" only, at most 63 characters (it is the DNS label in <name>.service.consul).',
    );
    const ok: ServicePort[] = [
      { internal: 1, name: "a" },
      { internal: 2, name: "es-9200" },
    ];
    assert.deepStrictEqual(checkServicePorts(ok, keyOf), []);
  });

  it("refuses empty tags and tags with a comma", () => {
    const ports: ServicePort[] = [{ internal: 80, name: "web", tags: ["ok", "", "a,b"] }];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      'error svc.ports[0].tags[1]: "" is not a usable tag; tags must be non-empty and without "," (registrator splits its tag label on commas).',
      'error svc.ports[0].tags[2]: "a,b" is not a usable tag; tags must be non-empty and without "," (registrator splits its tag label on commas).',
    ]);
  });

  it("refuses durations that are not positive Go durations", () => {
    const bad = ["10", "ten", "-5s", "0s", "5 s", "1d", ""];
    const ports: ServicePort[] = bad.map((interval, i) => ({
      internal: 2000 + i,
      name: "svc",
      check: { kind: "tcp", interval },
    }));
    const problems = checkServicePorts(ports, keyOf);
    assert.deepStrictEqual(
      problems.map((p) => p.key),
      bad.map((_, i) => `svc.ports[${i}].check.interval`),
    );
    assert.strictEqual(
      problems[0].message,
      '"10" is not a duration; give a positive Go duration such as 10s, 500ms or 1m.',
    );
    const good = ["10s", "500ms", "1m", "1m30s", "1.5h", "250us"];
    const fine: ServicePort[] = good.map((timeout, i) => ({
      internal: 3000 + i,
      name: "svc",
      check: { kind: "http", path: "/health", timeout },
    }));
    assert.deepStrictEqual(checkServicePorts(fine, keyOf), []);
  });

  it("refuses an empty HTTP path and one not starting with /", () => {
    const ports: ServicePort[] = [
      { internal: 80, name: "a", check: { kind: "http", path: "" } },
      { internal: 81, name: "b", check: { kind: "http", path: "health" } },
    ];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      'error svc.ports[0].check.path: "" is not an HTTP path; give a path starting with "/", e.g. /health.',
      'error svc.ports[1].check.path: "health" is not an HTTP path; give a path starting with "/", e.g. /health.',
    ]);
  });

  it("refuses a check on a UDP port", () => {
    const ports: ServicePort[] = [
      { internal: 514, protocol: "udp", name: "syslog", check: { kind: "tcp" } },
    ];
    assert.deepStrictEqual(lines(checkServicePorts(ports, keyOf)), [
      "error svc.ports[0].check: a UDP port cannot have a tcp check (registrator runs it over TCP against the published port); drop the check or check a TCP port of the same service.",
    ]);
  });

  it("reports every problem at once", () => {
    const ports: ServicePort[] = [
      { internal: 70000, name: "Bad", check: { kind: "http", path: "x", timeout: "soon" } },
    ];
    assert.deepStrictEqual(
      checkServicePorts(ports, keyOf).map((p) => p.key),
      [
        "svc.ports[0].internal",
        "svc.ports[0].name",
        "svc.ports[0].check.path",
        "svc.ports[0].check.timeout",
      ],
    );
  });
});

describe("preparedQueryDefinition", () => {
  const base = { name: "elasticsearch", service: "elasticsearch" };

  it("fails over to the nearest N datacenters, passing instances only, nearest first", () => {
    assert.deepStrictEqual(preparedQueryDefinition({ ...base, failover: { nearestN: 2 } }), {
      name: "elasticsearch",
      service: "elasticsearch",
      onlyPassing: true,
      near: "_agent",
      failover: { nearestN: 2 },
    });
  });

  it("fails over to listed datacenters, with no nearestN key", () => {
    const spec: PreparedQuerySpec = { ...base, failover: { datacenters: ["vm2", "dc1"] } };
    const definition = preparedQueryDefinition(spec);
    assert.deepStrictEqual(definition.failover, { datacenters: ["vm2", "dc1"] });
    assert.ok(!("nearestN" in definition.failover));
  });

  it("combines nearestN and datacenters", () => {
    const definition = preparedQueryDefinition({
      ...base,
      failover: { nearestN: 1, datacenters: ["dc1"] },
    });
    assert.deepStrictEqual(definition.failover, { nearestN: 1, datacenters: ["dc1"] });
  });
});

describe("checkPreparedQuery", () => {
  const ok: PreparedQuerySpec = { name: "es", service: "elasticsearch", failover: { nearestN: 1 } };

  it("accepts a well-formed query", () => {
    assert.deepStrictEqual(checkPreparedQuery(ok, keyOf), []);
    const both = { ...ok, failover: { nearestN: 3, datacenters: ["vm1", "dc1"] } };
    assert.deepStrictEqual(checkPreparedQuery(both, keyOf), []);
  });

  it("refuses a name that is not a DNS label", () => {
    assert.deepStrictEqual(lines(checkPreparedQuery({ ...ok, name: "ES_query" }, keyOf)), [
      'error svc.name: "ES_query" is not a valid query name; use lowercase letters, digits and inner "-" only, at most 63 characters (it is the DNS label in <name>.query.consul).',
    ]);
  });

  it("refuses a failover with no target", () => {
    assert.deepStrictEqual(lines(checkPreparedQuery({ ...ok, failover: {} }, keyOf)), [
      "error svc.failover: no failover target; give nearestN (how many other datacenters to try, nearest first), datacenters (which ones, in order) or both.",
    ]);
  });

  it("refuses nearestN that is not a whole number >= 1", () => {
    for (const nearestN of [0, -1, 1.5, Number.NaN]) {
      assert.deepStrictEqual(lines(checkPreparedQuery({ ...ok, failover: { nearestN } }, keyOf)), [
        `error svc.failover.nearestN: ${nearestN} is not a datacenter count; give a whole number of at least 1.`,
      ]);
    }
  });

  it("refuses an empty datacenter list and invalid datacenter names", () => {
    assert.deepStrictEqual(
      lines(checkPreparedQuery({ ...ok, failover: { datacenters: [] } }, keyOf)),
      [
        "error svc.failover.datacenters: an empty list fails over nowhere; name at least one datacenter or leave datacenters out.",
      ],
    );
    assert.deepStrictEqual(
      lines(checkPreparedQuery({ ...ok, failover: { datacenters: ["vm1", "DC.2", ""] } }, keyOf)),
      [
        'error svc.failover.datacenters[1]: "DC.2" is not a valid datacenter name; use lowercase letters, digits, "-" and "_" only (e.g. dc1, vm1).',
        'error svc.failover.datacenters[2]: "" is not a valid datacenter name; use lowercase letters, digits, "-" and "_" only (e.g. dc1, vm1).',
      ],
    );
  });
});
