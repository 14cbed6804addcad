// The real suite's and bench:up's scratch copy of the project: its own backend and passphrase, so a
// checkout's stack files must not hand it the salt of the checkout's own stacks' passphrase.
import * as assert from "assert";
import { withoutSecretsKey } from "../testbed/project";

describe("the scratch project's stack files (testbed/project.ts)", () => {
  it("drop the secrets key a deploy from the checkout wrote, keeping the config", () => {
    // Pulumi.node1.yaml after `npm run deploy:node1` in the checkout.
    const deployed = [
      "config:",
      "  distributed-consul:nodeName: node1",
      "  distributed-consul:hostAddress: 192.168.99.103",
      "encryptionsalt: v1:ANNdycIsuKM=:v1:o8vCCP898J1cSRvD:WSABwUbnXRl1mNpHmVRwL+2/R39alA==",
      "",
    ].join("\n");
    assert.strictEqual(
      withoutSecretsKey(deployed),
      "config:\n  distributed-consul:nodeName: node1\n  distributed-consul:hostAddress: 192.168.99.103\n",
    );
    const other = "secretsprovider: awskms://alias/x\nencryptedkey: abc\nconfig:\n  a: b\n";
    assert.strictEqual(withoutSecretsKey(other), "config:\n  a: b\n");
    // A stack file never deployed from is left as it is.
    assert.strictEqual(withoutSecretsKey("config:\n  a: b\n"), "config:\n  a: b\n");
  });
});
