import * as assert from "assert";
import { PORT_NAMES } from "../core/host-settings";
import { DEFAULT_SERVICE_SETTINGS, STACK_SETTINGS } from "../program/settings";
import { readStack, readStackSettings } from "../program/stack-settings";

function read(values: Record<string, string>) {
  return readStackSettings((name) => values[name]);
}
const required = { nodeName: "node1", hostAddress: "192.168.99.100", internalDatacenter: "vm1" };
/** `key: message` of each problem, as the program reports them. */
const described = (problems: readonly { key: string; message: string }[]): string[] =>
  problems.map((p) => `${p.key}: ${p.message}`);

describe("stack settings (reading config)", () => {
  it("overrides registrator options field by field, keeping the others as when unset", () => {
    const unset = read(required).settings.registrator;
    const { settings, problems } = read({
      ...required,
      registrator: JSON.stringify({ cleanup: false, tags: ["a"] }),
    });
    assert.deepStrictEqual(problems, []);
    // Values other than the defaults, or the check below would hold with no override at all.
    assert.notStrictEqual(unset.cleanup, false);
    assert.notDeepStrictEqual(unset.tags, ["a"]);
    assert.deepStrictEqual(settings.registrator, { ...unset, cleanup: false, tags: ["a"] });
  });

  it("reads snapshots field by field, and names a bad count or an empty folder", () => {
    // Unset, the declared default: none given (the component applies its own).
    assert.deepStrictEqual(read(required).settings.snapshots, STACK_SETTINGS.snapshots.default);
    const { settings, problems } = read({
      ...required,
      snapshots: JSON.stringify({ dir: "/var/backups/consul", keep: 2 }),
    });
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(settings.snapshots, { dir: "/var/backups/consul", keep: 2 });
    const bad = read({ ...required, snapshots: JSON.stringify({ dir: " ", keep: 0 }) });
    assert.deepStrictEqual(
      bad.problems.map((p) => p.key),
      ["distributed-consul:snapshots.keep", "distributed-consul:snapshots.dir"],
    );
  });

  it("reads serverCount, unset when 0", () => {
    assert.strictEqual(read(required).settings.serverCount, undefined);
    assert.strictEqual(read({ ...required, serverCount: "5" }).settings.serverCount, 5);
  });

  it("reads the values that mean 'not given' (0, [], \"\") as unset", () => {
    const { settings, problems } = read({
      ...required,
      bootstrapExpect: "0",
      joinAddresses: "[]",
      wanJoinAddresses: "[]",
      gossipKey: "",
      aclManagementToken: "",
      tlsCaCertificate: "",
      tlsCaKey: "",
    });
    assert.deepStrictEqual(problems, []);
    for (const name of [
      "bootstrapExpect",
      "joinAddresses",
      "wanJoinAddresses",
      "gossipKey",
      "aclManagementToken",
      "tlsCaCertificate",
      "tlsCaKey",
    ] as const) {
      assert.ok(!(name in settings), name);
    }
  });

  it("runs the service by default, and takes given fields over the default one by one", () => {
    assert.deepStrictEqual(read(required).settings.service, DEFAULT_SERVICE_SETTINGS);
    const off = read({ ...required, service: JSON.stringify({ enabled: false }) });
    assert.deepStrictEqual(off.settings.service, { ...DEFAULT_SERVICE_SETTINGS, enabled: false });
  });

  it("names unknown fields and wrong types of an object key", () => {
    const { problems } = read({
      ...required,
      registrator: JSON.stringify({ clean: true, resyncSeconds: "60" }),
    });
    assert.deepStrictEqual(described(problems), [
      "distributed-consul:registrator.clean: is not a known field; use one of image, registerInternal, cleanup, resyncSeconds, retryAttempts, retryIntervalMs, deregister, ttlSeconds, ttlRefreshSeconds, tags, explicit.",
      'distributed-consul:registrator.resyncSeconds: must be a number, not "60".',
    ]);
  });

  it("checks a ports object's port names and numbers from the declared fields", () => {
    const { settings, problems } = read({
      ...required,
      globalPorts: JSON.stringify({ htp: 8500, https: "8501", dns: 8601 }),
    });
    assert.deepStrictEqual(described(problems), [
      `distributed-consul:globalPorts.htp: is not a known field; use one of ${PORT_NAMES.join(", ")}.`,
      'distributed-consul:globalPorts.https: must be a number, not "8501".',
    ]);
    assert.deepStrictEqual(settings.globalPorts, { dns: 8601 });
  });

  it("checks each service port entry, naming the entry's field", () => {
    const { settings, problems } = read({
      ...required,
      service: JSON.stringify({
        ports: [
          { internal: "80", name: "web" },
          { internal: 81, name: "api", check: { kind: "http" } },
          { internal: 82, name: "ok" },
        ],
      }),
    });
    assert.deepStrictEqual(described(problems), [
      'distributed-consul:service.ports[0].internal: must be a port number, not "80".',
      'distributed-consul:service.ports[1].check.path: is required for an HTTP check, e.g. "/health".',
    ]);
    assert.deepStrictEqual(settings.service.ports, [{ internal: 82, name: "ok" }]);
  });

  it("checks a setting's type from its declaration, and goes on with its default", () => {
    const { settings, problems } = read({
      ...required,
      bootstrap: "yes",
      waitTimeoutSeconds: "2m",
      logLevel: "verbose",
      recursors: JSON.stringify([1, 2]),
      joinAddresses: "[not json",
      registrator: JSON.stringify(["a"]),
    });
    assert.deepStrictEqual(described(problems), [
      'distributed-consul:bootstrap: "yes" is not a boolean; use true or false.',
      "distributed-consul:joinAddresses: is not valid JSON/YAML structure: [not json",
      "distributed-consul:recursors: must be a list of strings, e.g. `pulumi config set --path 'distributed-consul:recursors[0]' value`.",
      'distributed-consul:logLevel: "verbose" is not one of trace, debug, info, warn, error.',
      'distributed-consul:waitTimeoutSeconds: "2m" is not a whole number.',
      "distributed-consul:registrator: must be an object, e.g. { image: ... }.",
    ]);
    const defaults = read(required).settings;
    for (const name of ["bootstrap", "waitTimeoutSeconds", "logLevel", "recursors"] as const) {
      assert.deepStrictEqual(settings[name], defaults[name], name);
    }
    assert.strictEqual(settings.joinAddresses, undefined);
  });

  it("runs each setting's declared check, naming the full key", () => {
    const { problems } = read({
      ...required,
      nodeName: "node 1",
      gossipKey: "short",
      serverCount: "-3",
      dockerBridgeSubnet: "172.17.0.0",
    });
    assert.deepStrictEqual(
      problems.map((p) => p.key),
      [
        "distributed-consul:nodeName",
        "distributed-consul:dockerBridgeSubnet",
        "distributed-consul:serverCount",
        "distributed-consul:gossipKey",
      ],
    );
    assert.ok(
      problems.every((p) => !p.message.includes("short")),
      "a secret is never echoed",
    );
  });

  it("names each missing required key with the command that sets it", () => {
    assert.deepStrictEqual(described(read({}).problems), [
      "distributed-consul:nodeName: is required; set it with `pulumi config set distributed-consul:nodeName node1`.",
      "distributed-consul:internalDatacenter: is required; set it with `pulumi config set distributed-consul:internalDatacenter vm1`.",
    ]);
  });
});

describe("renamed config keys", () => {
  const former = { nodeName: "node2", internalDatacenter: "vm2", nodeIp: "192.168.99.101" };

  it("reads nodeIp as hostAddress, warning with the new key and the command that moves it", () => {
    // Pulumi hands the program hostAddress's declared default ("") when the stack lacks the key.
    for (const hostAddress of [undefined, ""]) {
      const { settings, problems, warnings } = read({
        ...former,
        ...(hostAddress === undefined ? {} : { hostAddress }),
      });
      assert.deepStrictEqual(problems, []);
      assert.strictEqual(settings.hostAddress, "192.168.99.101");
      assert.deepStrictEqual(described(warnings), [
        "distributed-consul:nodeIp: is now named distributed-consul:hostAddress; its value is read as distributed-consul:hostAddress for now. Rename it: `pulumi config rm distributed-consul:nodeIp && pulumi config set distributed-consul:hostAddress 192.168.99.101`.",
      ]);
    }
  });

  it("uses nodeIp's address as the host's, rather than this machine's", () => {
    const laptop = { eth0: [{ address: "10.0.0.7", family: "IPv4", internal: false }] };
    const { settings, notice } = readStack(
      (name) => (former as Record<string, string>)[name],
      laptop,
    );
    assert.strictEqual(settings.hostAddress, "192.168.99.101");
    assert.strictEqual(notice, undefined);
  });

  it("refuses nodeIp and hostAddress both set, naming both", () => {
    const { problems, warnings } = read({ ...former, hostAddress: "192.168.99.101" });
    assert.deepStrictEqual(described(problems), [
      "distributed-consul:nodeIp: is the former name of distributed-consul:hostAddress, and both are set; keep distributed-consul:hostAddress and remove the former: `pulumi config rm distributed-consul:nodeIp`.",
    ]);
    assert.deepStrictEqual(warnings, []);
  });

  it("warns about nothing when only the current names are set", () => {
    assert.deepStrictEqual(read(required).warnings, []);
  });
});
