import * as assert from "assert";
import {
  deployedStacks,
  leaderLast,
  DEFAULT_HEALTH_TIMEOUT_SECONDS,
  parseRestoreArgs,
  parseRollArgs,
  rollGroups,
} from "../operations/operator-args";

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
          clientBatch: 1,
        },
      },
    );
    assert.deepStrictEqual(parseRollArgs([]), {
      args: {
        changes: [],
        stacks: undefined,
        healthTimeoutSeconds: DEFAULT_HEALTH_TIMEOUT_SECONDS,
        clientBatch: 1,
      },
    });
  });

  it("roll: servers one at a time (leader last), then the client hosts in batches of --client-batch", () => {
    const parsed = parseRollArgs(["--client-batch", "3"]);
    assert.ok("args" in parsed && parsed.args.clientBatch === 3);
    assert.deepStrictEqual(parseRollArgs(["--client-batch", "0"]), {
      problems: ['--client-batch must be a whole number of client hosts (at least 1), not "0".'],
    });
    const ordered = leaderLast(
      ["node1", "node2", "node3", "node4", "node5", "node6", "node7"],
      (s) => s,
      "node2",
    );
    const isClient = (s: string) => Number(s.slice(4)) >= 4;
    assert.deepStrictEqual(rollGroups(ordered, isClient, 3), [
      ["node1"],
      ["node3"],
      ["node2"],
      ["node4", "node5", "node6"],
      ["node7"],
    ]);
    assert.deepStrictEqual(rollGroups(ordered, isClient, 1).flat(), [
      "node1",
      "node3",
      "node2",
      "node4",
      "node5",
      "node6",
      "node7",
    ]);
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
      "unknown flag --yes; flags are --set, --stacks, --health-timeout, --client-batch.",
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

  it("restore --from-host: another host's scheduled snapshot, by its file name", () => {
    assert.deepStrictEqual(
      parseRestoreArgs(["--stack", "node1", "--from-host", "node2"], "snapshots"),
      {
        args: {
          stack: "node1",
          file: undefined,
          dir: "snapshots",
          stacks: undefined,
          fromHost: "node2",
        },
      },
    );
    assert.deepStrictEqual(
      parseRestoreArgs(
        ["--stack", "node1", "--from-host=node2", "--file", "node2-20261207T190000Z.snap"],
        "snapshots",
      ),
      {
        args: {
          stack: "node1",
          file: "node2-20261207T190000Z.snap",
          dir: "snapshots",
          stacks: undefined,
          fromHost: "node2",
        },
      },
    );
    // With --from-host, --file names a file on that host: no folder, a snapshot's name.
    assert.deepStrictEqual(
      parseRestoreArgs(
        [
          "--stack",
          "node1",
          "--from-host",
          "node2",
          "--file",
          "snapshots/dc1/node2-20261207T190000Z.snap",
        ],
        "snapshots",
      ),
      {
        problems: [
          '--file with --from-host names a snapshot on that host, <node>-<UTC yyyymmddThhmmssZ>.snap without a folder, not "snapshots/dc1/node2-20261207T190000Z.snap"; leave --file out for its newest.',
        ],
      },
    );
    assert.deepStrictEqual(
      parseRestoreArgs(["--stack", "node1", "--from-host", " "], "snapshots"),
      {
        problems: [
          "--from-host needs the stack of a server host that keeps scheduled snapshots (e.g. --from-host node2).",
        ],
      },
    );
  });

  it("rolls the leader's host last, keeping the others' order", () => {
    const node = (stack: string) => ({ a: "node1", b: "node2", c: "node3" })[stack];
    assert.deepStrictEqual(leaderLast(["a", "b", "c"], node, "node1"), ["b", "c", "a"]);
    assert.deepStrictEqual(leaderLast(["a", "b", "c"], node, "node2"), ["a", "c", "b"]);
    assert.deepStrictEqual(leaderLast(["a", "b", "c"], node, "node3"), ["a", "b", "c"]);
    // No leader known, or one on a host not rolled: the order as given.
    assert.deepStrictEqual(leaderLast(["b", "a"], node, undefined), ["b", "a"]);
    assert.deepStrictEqual(leaderLast(["b", "a"], node, "node3"), ["b", "a"]);
  });
  it("acts on deployed stacks only: a destroyed one (no resources) would be deployed again", () => {
    // As after `pulumi destroy --stack node3`: Pulumi keeps the stack and its config, empty.
    assert.deepStrictEqual(
      deployedStacks([
        { name: "node3", resourceCount: 0 },
        { name: "node1", resourceCount: 50 },
        { name: "node2", resourceCount: 49 },
        { name: "new" },
      ]),
      { deployed: ["node1", "node2"], skipped: ["new", "node3"] },
    );
  });
});
