import * as assert from "assert";
import { readStackSettings } from "../program/stack-settings";

function read(values: Record<string, string>) {
  return readStackSettings((name) => values[name]);
}
const required = { nodeName: "node1", nodeIp: "192.168.99.100", internalDatacenter: "vm1" };

describe("stack settings (reading config)", () => {
  it("overrides registrator options field by field, keeping the others as when unset", () => {
    // The defaults themselves show in the commands: program.test.ts, "wires two registrators".
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
    const unset = read(required).settings.snapshots;
    assert.deepStrictEqual(unset, { enabled: true, dir: "snapshots", keep: 5 });
    const { settings, problems } = read({
      ...required,
      snapshots: JSON.stringify({ dir: "/var/backups/consul", keep: 2 }),
    });
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(settings.snapshots, {
      enabled: true,
      dir: "/var/backups/consul",
      keep: 2,
    });
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

  it("names unknown fields and wrong types of an object key", () => {
    const { problems } = read({
      ...required,
      registrator: JSON.stringify({ clean: true, resyncSeconds: "60" }),
    });
    assert.deepStrictEqual(
      problems.map((p) => `${p.key}: ${p.message}`),
      [
        "distributed-consul:registrator.clean: is not a known field; use one of image, registerInternal, cleanup, resyncSeconds, retryAttempts, retryIntervalMs, deregister, ttlSeconds, ttlRefreshSeconds, tags, explicit.",
        'distributed-consul:registrator.resyncSeconds: must be a number, not "60".',
      ],
    );
  });

  it("names each missing required key with the command that sets it", () => {
    assert.deepStrictEqual(
      read({}).problems.map((p) => `${p.key}: ${p.message}`),
      [
        "distributed-consul:nodeName: is required; set it with `pulumi config set distributed-consul:nodeName node1`.",
        "distributed-consul:internalDatacenter: is required; set it with `pulumi config set distributed-consul:internalDatacenter vm1`.",
      ],
    );
  });
});
