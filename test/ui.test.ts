// The web UI (mocks): what the `ui` setting says about where it answers, and the read-only login
// token every host makes and outputs as a secret (never the management token).
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConsulHost, ConsulHostArgs } from "../components/consul-host";
import { presentOutputs } from "../components/host-outputs";
import { uiReadRules } from "../core/acl-rules";
import { DEFAULT_GLOBAL_PORTS, DEFAULT_INTERNAL_PORTS } from "../core/agent-ports";
import { HOST_SETTINGS } from "../core/host-settings";
import { Registration, installMocks, outputIsSecret, theOne, valueOf } from "./harness";

const POLICY = "consul:index/aclPolicy:AclPolicy";

const node1: ConsulHostArgs = {
  nodeName: "node1",
  hostAddress: "192.168.99.100",
  internalDatacenter: "vm1",
  bootstrap: true,
};

describe("the web UI", () => {
  it("is described where it answers: HTTPS on the host address, not the plain HTTP port", () => {
    const description = HOST_SETTINGS.ui.description;
    assert.match(description, /HTTPS on the host address/);
    assert.ok(description.includes(`:${DEFAULT_GLOBAL_PORTS.https}/ui/`), description);
    assert.ok(description.includes(`:${DEFAULT_INTERNAL_PORTS.https}`), description);
    assert.match(description, /uiToken/);
    assert.doesNotMatch(description, /on the HTTP port/);
  });

  it("has a read-only login token per host, a secret, which is not the management token", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const host = new ConsulHost("node1", node1);
    const [ui, management] = await valueOf(pulumi.all([host.uiToken, host.aclManagementToken]));
    await pulumi.runtime.disconnect();
    const policy = theOne({ registrations }, POLICY, "node1-ui-token-policy");
    assert.strictEqual(policy.inputs.rules, uiReadRules());
    // Read on services, nodes and keys; no write anywhere, no acl/agent/operator grant.
    assert.deepStrictEqual(
      [...uiReadRules().matchAll(/(\w+) "" \{\n {2}policy = "(\w+)"/g)].map(
        (m) => `${m[1]}:${m[2]}`,
      ),
      ["service_prefix:read", "node_prefix:read", "key_prefix:read"],
    );
    assert.strictEqual(await outputIsSecret(host.uiToken), true);
    assert.match(String(ui), /^secret-of-/);
    assert.notStrictEqual(ui, management);
  });

  it("ui: false makes no UI token; the stack leaves the output out", async () => {
    const registrations: Registration[] = [];
    await installMocks(registrations);
    const host = new ConsulHost("node1", { ...node1, ui: false });
    assert.strictEqual(await valueOf(host.uiToken), undefined);
    await pulumi.runtime.disconnect();
    assert.deepStrictEqual(
      registrations.filter((r) => r.name.includes("ui-token")).map((r) => r.name),
      [],
    );
    assert.ok(!("uiToken" in presentOutputs(host, { ...node1, ui: false })));
    assert.ok("uiToken" in presentOutputs(host, node1));
  });
});
