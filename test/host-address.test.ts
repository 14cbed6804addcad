import * as assert from "assert";
import { chooseHostAddress, resolveHostAddress } from "../program/host-address";
import { iface, readStackConfig, runProgram } from "./harness";

const v4 = (address: string, internal = false) => ({ address, family: "IPv4", internal });
const KEY = "distributed-consul:hostAddress";
const BRIDGE = "172.17.0.0/16";

describe("this machine's address, for a stack without hostAddress", () => {
  it("takes the host's LAN address, never loopback, link-local, IPv6 or a container network", () => {
    const choice = chooseHostAddress(
      {
        lo: [v4("127.0.0.1", true)],
        docker0: [v4("172.17.0.1")],
        "br-5f2c": [v4("172.18.0.1")],
        vethab12: [v4("10.200.0.1")],
        eth0: [
          { address: "fe80::1", family: "IPv6", internal: false },
          v4("169.254.3.4"),
          v4("192.168.1.23"),
        ],
      },
      BRIDGE,
    );
    assert.deepStrictEqual(choice, {
      address: "192.168.1.23",
      interfaceName: "eth0",
      candidates: ["eth0 192.168.1.23"],
    });
  });

  it("chooses by interface name, the same on every run, and lists the others", () => {
    const interfaces = {
      wlan0: [v4("10.0.0.7")],
      eth1: [v4("192.168.5.2")],
      eth0: [v4("192.168.1.23")],
    };
    const choice = chooseHostAddress(interfaces, BRIDGE);
    assert.strictEqual(choice?.address, "192.168.1.23");
    assert.deepStrictEqual(choice?.candidates, [
      "eth0 192.168.1.23",
      "eth1 192.168.5.2",
      "wlan0 10.0.0.7",
    ]);
  });

  it("says which address it chose when Docker is local, and keeps a configured hostAddress", () => {
    const found = resolveHostAddress(
      "",
      "unix:///var/run/docker.sock",
      { eth0: [v4("192.168.1.23")] },
      BRIDGE,
      KEY,
    );
    assert.strictEqual(found.hostAddress, "192.168.1.23");
    assert.match(
      String(found.notice),
      /^distributed-consul:hostAddress is not set: using 192\.168\.1\.23 \(eth0\)/,
    );
    assert.deepStrictEqual(found.problems, []);
    const kept = resolveHostAddress(
      "10.1.2.3",
      "unix:///var/run/docker.sock",
      { eth0: [v4("192.168.1.23")] },
      BRIDGE,
      KEY,
    );
    assert.deepStrictEqual(kept, { hostAddress: "10.1.2.3", problems: [] });
  });

  it("still requires hostAddress for a remote Docker host, and when nothing usable is found", () => {
    const remote = resolveHostAddress(
      "",
      "ssh://docker@192.168.99.101",
      { eth0: [v4("192.168.1.23")] },
      BRIDGE,
      KEY,
    );
    assert.deepStrictEqual(
      remote.problems.map((p) => `${p.key}: ${p.message}`),
      [
        "distributed-consul:hostAddress: is required when the Docker host is not this machine (ssh://docker@192.168.99.101); set it with `pulumi config set distributed-consul:hostAddress <this host's address>`.",
      ],
    );
    const nothing = resolveHostAddress(
      "",
      "unix:///var/run/docker.sock",
      { lo: [v4("127.0.0.1", true)] },
      BRIDGE,
      KEY,
    );
    assert.match(nothing.problems[0]?.message ?? "", /no address other hosts could reach/);
  });

  it("lets the shipped node1 stack deploy on its own machine without hostAddress, saying which it used", async () => {
    const node1 = readStackConfig("node1");
    assert.ok(
      !("distributed-consul:hostAddress" in node1) && !("distributed-consul:nodeIp" in node1),
    );
    const laptop = {
      lo: [iface("127.0.0.1", true)],
      docker0: [iface("172.17.0.1")],
      wlp2s0: [iface("10.0.0.7")],
    };
    const run = await runProgram(node1, {}, "node1", [], [], "../index", laptop);
    assert.strictEqual(run.outputs.globalJoinAddress, "10.0.0.7:8301");
  });
});
