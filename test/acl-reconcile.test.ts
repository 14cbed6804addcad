import * as assert from "assert";
import {
  INITIAL_MANAGEMENT_DESCRIPTION,
  aclCleanup,
  stateAclObjects,
} from "../operations/acl-reconcile";

describe("ACL objects after a snapshot restore", () => {
  const stacks = {
    policies: [{ id: "new-p1", name: "replication-node1" }],
    tokens: [{ accessorId: "new-t1", description: "registrator of node1 (dc1)" }],
    selfRegisteredDescriptions: ["agent token of node1 (dc1)"],
  };

  it("deletes restored namesakes of the stacks' objects and old management tokens, nothing else", () => {
    const restored = {
      policies: [
        { ID: "old-p1", Name: "replication-node1" },
        { ID: "user-p", Name: "team-read" },
        { ID: "mgmt-p", Name: "global-management" },
      ],
      tokens: [
        { AccessorID: "old-t1", Description: "registrator of node1 (dc1)" },
        { AccessorID: "old-agent", Description: "agent token of node1 (dc1)" },
        { AccessorID: "old-mgmt", Description: INITIAL_MANAGEMENT_DESCRIPTION },
        { AccessorID: "new-mgmt", Description: INITIAL_MANAGEMENT_DESCRIPTION },
        { AccessorID: "anon", Description: "Anonymous Token" },
        { AccessorID: "user-t", Description: "ci deploys" },
      ],
    };
    assert.deepStrictEqual(aclCleanup(restored, stacks, "new-mgmt"), {
      policies: [{ ID: "old-p1", Name: "replication-node1" }],
      tokens: [
        { AccessorID: "old-t1", Description: "registrator of node1 (dc1)" },
        { AccessorID: "old-agent", Description: "agent token of node1 (dc1)" },
        { AccessorID: "old-mgmt", Description: INITIAL_MANAGEMENT_DESCRIPTION },
      ],
    });
  });

  it("deletes nothing after restoring a snapshot of the same deployment", () => {
    const restored = {
      policies: [{ ID: "new-p1", Name: "replication-node1" }],
      tokens: [
        { AccessorID: "new-t1", Description: "registrator of node1 (dc1)" },
        { AccessorID: "new-mgmt", Description: INITIAL_MANAGEMENT_DESCRIPTION },
      ],
    };
    assert.deepStrictEqual(
      aclCleanup(restored, { ...stacks, selfRegisteredDescriptions: [] }, "new-mgmt"),
      {
        policies: [],
        tokens: [],
      },
    );
  });

  it("reads policies and tokens from a state's consul resources", () => {
    assert.deepStrictEqual(
      stateAclObjects([
        {
          type: "consul:index/aclPolicy:AclPolicy",
          id: "p",
          inputs: { name: "dns-read-node1" },
          outputs: { name: "dns-read-node1" },
        },
        {
          type: "consul:index/aclToken:AclToken",
          id: "a",
          outputs: { accessorId: "a", description: "d" },
        },
        { type: "docker:index/container:Container", id: "c" },
      ]),
      {
        policies: [{ id: "p", name: "dns-read-node1" }],
        tokens: [{ accessorId: "a", description: "d" }],
      },
    );
  });
});
