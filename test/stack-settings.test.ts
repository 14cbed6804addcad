import * as assert from "assert";
import { readStackSettings } from "../components/core/stack-settings";

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
