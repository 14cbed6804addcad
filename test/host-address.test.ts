import * as assert from "assert";
import {
  chooseHostAddress,
  defaultRouteInterface,
  resolveHostAddress,
} from "../program/host-address";
import { iface, readStackConfig, routeTable, runProgram } from "./harness";

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
      reason:
        "the first usable interface by name, since no default route could be read (/proc/net/route exists on Linux only)",
      candidates: ["eth0 192.168.1.23"],
    });
  });

  it("without a route table (macOS, Windows), chooses by interface name, the same on every run, and lists the others", () => {
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

  it("takes the interface of the default route, not a VPN or virtual interface that sorts first", () => {
    // A laptop on Wi-Fi with Tailscale, WireGuard, VirtualBox and Docker: by name, tailscale0
    // comes first; the default route goes out of wlp2s0, the last by name.
    const interfaces = {
      lo: [v4("127.0.0.1", true)],
      docker0: [v4("172.17.0.1")],
      tailscale0: [
        v4("100.101.102.103"),
        { address: "fd7a:115c:a1e0::1", family: "IPv6", internal: false },
      ],
      vboxnet0: [v4("192.168.56.1")],
      wg0: [v4("10.8.0.2")],
      wlp2s0: [v4("192.168.1.23")],
    };
    const routes = routeTable([
      ["wlp2s0", "00000000", "0101A8C0", "0003", "600", "00000000"],
      ["wlp2s0", "0001A8C0", "00000000", "0001", "600", "00FFFFFF"],
      ["wg0", "0000080A", "00000000", "0001", "0", "00FFFFFF"],
      ["vboxnet0", "0038A8C0", "00000000", "0001", "0", "00FFFFFF"],
      ["docker0", "000011AC", "00000000", "0001", "0", "0000FFFF"],
    ]);
    assert.deepStrictEqual(chooseHostAddress(interfaces, BRIDGE, routes), {
      address: "192.168.1.23",
      interfaceName: "wlp2s0",
      reason: "the interface of the default route",
      candidates: [
        "wlp2s0 192.168.1.23",
        "tailscale0 100.101.102.103",
        "vboxnet0 192.168.56.1",
        "wg0 10.8.0.2",
      ],
    });
    // Without the route table, the same machine gets the first by name: what the default route avoids.
    assert.strictEqual(chooseHostAddress(interfaces, BRIDGE)?.interfaceName, "tailscale0");
  });

  it("reads the default route of /proc/net/route: up, destination and mask 0, lowest metric", () => {
    assert.strictEqual(
      defaultRouteInterface(
        routeTable([
          ["eth0", "0001A8C0", "00000000", "0001", "0", "00FFFFFF"],
          ["wg0", "00000000", "00000000", "0000", "0", "00000000"], // down
          ["wlan0", "00000000", "0101A8C0", "0003", "600", "00000000"],
          ["eth0", "00000000", "0101A8C0", "0003", "100", "00000000"],
        ]),
      ),
      "eth0",
    );
    assert.strictEqual(
      defaultRouteInterface(
        routeTable([["eth0", "0001A8C0", "00000000", "0001", "0", "00FFFFFF"]]),
      ),
      undefined,
    );
    assert.strictEqual(defaultRouteInterface(undefined), undefined);
    assert.strictEqual(defaultRouteInterface(""), undefined);
  });

  it("falls back to the first by name, saying so, when the default route's interface has no usable address", () => {
    const choice = chooseHostAddress(
      { docker0: [v4("172.17.0.1")], eth0: [v4("192.168.1.23")], wg0: [v4("10.8.0.2")] },
      BRIDGE,
      routeTable([["tun0", "00000000", "00000000", "0001", "0", "00000000"]]),
    );
    assert.strictEqual(choice?.address, "192.168.1.23");
    assert.strictEqual(
      choice?.reason,
      "the first usable interface by name, since tun0, the interface of the default route, has no usable IPv4 address",
    );
  });

  it("says which interface it chose and why in the notice", () => {
    const interfaces = { tailscale0: [v4("100.101.102.103")], wlp2s0: [v4("192.168.1.23")] };
    const routed = resolveHostAddress(
      "",
      "unix:///var/run/docker.sock",
      interfaces,
      BRIDGE,
      KEY,
      routeTable([["wlp2s0", "00000000", "0101A8C0", "0003", "600", "00000000"]]),
    );
    assert.strictEqual(
      routed.notice,
      "distributed-consul:hostAddress is not set: using 192.168.1.23 (wlp2s0), this machine's address, since Docker is local: the interface of the default route. Other candidates: tailscale0 100.101.102.103. Set distributed-consul:hostAddress to choose another.",
    );
    const unrouted = resolveHostAddress("", "unix:///var/run/docker.sock", interfaces, BRIDGE, KEY);
    assert.strictEqual(
      unrouted.notice,
      "distributed-consul:hostAddress is not set: using 100.101.102.103 (tailscale0), this machine's address, since Docker is local: the first usable interface by name, since no default route could be read (/proc/net/route exists on Linux only). Other candidates: wlp2s0 192.168.1.23. Set distributed-consul:hostAddress to choose another.",
    );
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
    const run = await runProgram(node1, {}, "node1", [], [], "../index", {
      interfaces: laptop,
    });
    assert.strictEqual(run.outputs.globalJoinAddress, "10.0.0.7:8301");
    // With Tailscale up, the default route still decides.
    const withVpn = { ...laptop, tailscale0: [iface("100.101.102.103")] };
    const routes = routeTable([["wlp2s0", "00000000", "0100000A", "0003", "600", "00000000"]]);
    const routed = await runProgram(node1, {}, "node1", [], [], "../index", {
      interfaces: withVpn,
      routes,
    });
    assert.strictEqual(routed.outputs.globalJoinAddress, "10.0.0.7:8301");
  });
});
