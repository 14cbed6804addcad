import * as assert from "assert";
import {
  DEFAULT_HEALTH_TIMEOUT_SECONDS,
  parseRestoreArgs,
  parseRollArgs,
} from "../components/core/operator-args";

describe("day-two command lines", () => {
  it("roll: --set in the project's namespace, repeated; stacks in the given order", () => {
    assert.deepStrictEqual(
      parseRollArgs([
        "--set",
        "consulImage=hashicorp/consul:1.22.7-rolled",
        "--set=service.image=x:1=2",
        "--set",
        "other:key=v",
        "--stacks",
        "node2, node1,node3",
      ]),
      {
        args: {
          changes: [
            { key: "distributed-consul:consulImage", value: "hashicorp/consul:1.22.7-rolled" },
            { key: "distributed-consul:service.image", value: "x:1=2" },
            { key: "other:key", value: "v" },
          ],
          stacks: ["node2", "node1", "node3"],
          healthTimeoutSeconds: DEFAULT_HEALTH_TIMEOUT_SECONDS,
        },
      },
    );
    assert.deepStrictEqual(parseRollArgs([]), {
      args: {
        changes: [],
        stacks: undefined,
        healthTimeoutSeconds: DEFAULT_HEALTH_TIMEOUT_SECONDS,
      },
    });
  });

  it("roll: reports every mistake at once, naming the flag", () => {
    const parsed = parseRollArgs([
      "--set",
      "consulImage",
      "--set",
      "a=1",
      "--set",
      "a=2",
      "--stacks",
      "n1,n1",
      "--health-timeout",
      "soon",
      "--yes",
      "stray",
    ]);
    assert.ok("problems" in parsed);
    assert.deepStrictEqual(parsed.problems, [
      "unknown flag --yes; flags are --set, --stacks, --health-timeout.",
      "--set consulImage: expected <key>=<value>, e.g. --set consulImage=hashicorp/consul:1.22.7.",
      "--set gives distributed-consul:a more than once.",
      "--stacks names n1 more than once.",
      '--health-timeout must be a whole number of seconds (at least 1), not "soon".',
    ]);
  });

  it("restore: --stack required; file, folder and stacks optional", () => {
    assert.deepStrictEqual(parseRestoreArgs(["--stack", "node1"], "snapshots"), {
      args: { stack: "node1", file: undefined, dir: "snapshots", stacks: undefined },
    });
    assert.deepStrictEqual(
      parseRestoreArgs(
        ["--stack=node2", "--file", "s/dc1/a.snap", "--dir", "/b", "--stacks", "node1,node2"],
        "snapshots",
      ),
      { args: { stack: "node2", file: "s/dc1/a.snap", dir: "/b", stacks: ["node1", "node2"] } },
    );
    assert.deepStrictEqual(parseRestoreArgs(["--file"], "snapshots"), {
      problems: [
        "--file needs a value.",
        "--stack is required: the stack whose server receives the snapshot (e.g. --stack node1).",
      ],
    });
  });
});
