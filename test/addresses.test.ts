// Addresses are read by Node's net.isIPv4 and net.BlockList; these pin what counts as an address
// or a subnet, and where a subnet ends, so a change of reader shows up here.
import * as assert from "assert";
import { Problem } from "../core/problems";
import { checkTopology } from "../core/topology";
import {
  checkIpv4,
  checkJoinAddress,
  checkReachableAddress,
  inSubnet,
  isCidr,
} from "../core/validators";

/** Not dotted quads as the checks take them, though inet_aton reads several as addresses. */
const NOT_DOTTED_QUADS = [
  "192.168.010.100", // a leading zero: octal to inet_aton, 192.168.8.100 there
  "192.168.099.100",
  "010.0.0.1",
  "1.2.3.00",
  "0x7f.0.0.1", // hexadecimal to inet_aton
  "127.1", // inet_aton's short form of 127.0.0.1
  "2130706433", // 127.0.0.1 as one number
  "192.168.99.256",
  "192.168.99",
  "1.2.3.4.5",
  "1..3.4",
  "+1.2.3.4",
  " 192.168.99.100",
  "192.168.99.100 ",
  "192.168.99.100\n",
  "１９２.１６８.９９.１００", // full-width digits
  "::ffff:192.168.99.100",
  "192.168.99.100/32",
  "",
];

/** The key each problem names, and whether its message names the fix. */
function keysAndFix(problems: Problem[], fix: RegExp): [string, boolean][] {
  return problems.map((p) => [p.key, fix.test(p.message)]);
}

describe("IPv4 addresses", () => {
  it("accepts dotted quads from 0.0.0.0 to 255.255.255.255", () => {
    for (const ip of ["0.0.0.0", "255.255.255.255", "192.168.99.100", "10.0.0.1", "1.20.100.249"]) {
      assert.deepStrictEqual(checkIpv4("k", ip), [], ip);
    }
  });

  it("refuses every other form, naming the key and asking for a dotted quad", () => {
    for (const ip of NOT_DOTTED_QUADS) {
      assert.deepStrictEqual(
        keysAndFix(checkIpv4("service.hostAddress", ip), /give a dotted quad/),
        [["service.hostAddress", true]],
        JSON.stringify(ip),
      );
    }
  });

  it("refuses those forms for a host's node address, bridge address and recursors too", () => {
    for (const ip of NOT_DOTTED_QUADS) {
      const problems = checkTopology({
        hosts: [
          {
            keyOf: (s) => `c:${s}`,
            hostAddress: ip,
            dockerBridgeAddress: ip,
            recursors: ["1.1.1.1", ip],
          },
        ],
        quorum: false,
      });
      assert.deepStrictEqual(
        problems.map((p) => p.key),
        ["c:hostAddress", "c:dockerBridgeAddress", "c:recursors[1]"],
        JSON.stringify(ip),
      );
    }
  });

  it("takes a numeric join host only as a dotted quad, and a DNS name as it is", () => {
    for (const ok of ["192.168.99.100", "192.168.99.100:8301", "consul-1.lan:8301"]) {
      assert.deepStrictEqual(checkJoinAddress("retryJoin[0]", ok), [], ok);
    }
    for (const bad of ["192.168.099.100:8301", "127.1:8301", "2130706433", "192.168.99.256"]) {
      assert.deepStrictEqual(
        keysAndFix(checkJoinAddress("retryJoin[0]", bad), /give host or host:port/),
        [["retryJoin[0]", true]],
        bad,
      );
    }
  });
});

describe("IPv4 subnets", () => {
  it("holds exactly the addresses between its first and its last", () => {
    const bridge = "172.17.0.0/16";
    for (const inside of ["172.17.0.0", "172.17.0.1", "172.17.128.7", "172.17.255.255"]) {
      assert.strictEqual(inSubnet(inside, bridge), true, inside);
    }
    for (const outside of ["172.16.255.255", "172.18.0.0", "173.17.0.1", "0.0.0.0"]) {
      assert.strictEqual(inSubnet(outside, bridge), false, outside);
    }
    assert.strictEqual(inSubnet("10.9.8.7", "0.0.0.0/0"), true);
    assert.strictEqual(inSubnet("10.9.8.7", "10.9.8.7/32"), true);
    assert.strictEqual(inSubnet("10.9.8.6", "10.9.8.7/32"), false);
    // Host bits in the subnet's address do not matter: 172.17.0.1/16 is 172.17.0.0/16.
    assert.strictEqual(inSubnet("172.17.200.1", "172.17.0.1/16"), true);
    assert.strictEqual(inSubnet("10.0.0.200", "10.0.0.128/25"), true);
    assert.strictEqual(inSubnet("10.0.0.100", "10.0.0.128/25"), false);
  });

  it("reads CIDR notation only: a dotted quad, one slash, a prefix length 0 to 32", () => {
    for (const cidr of ["172.17.0.0/16", "0.0.0.0/0", "10.0.0.1/32", "192.168.0.0/9"]) {
      assert.strictEqual(isCidr(cidr), true, cidr);
    }
    for (const cidr of [
      "172.17.0.0/33",
      "172.17.0.0/016",
      "172.17.0.0/+16",
      "172.17.0.0/16.0",
      "172.17.0.0/ 16",
      "172.17.0.0/",
      "172.17.0.0",
      "172.17.0.0/16/8",
      "172.017.0.0/16",
      "172.17.0/16",
      "::/0",
      "",
    ]) {
      assert.strictEqual(isCidr(cidr), false, cidr);
      // A malformed subnet holds nothing, rather than everything (as a prefix read as 0 would).
      assert.strictEqual(inSubnet("172.17.0.5", cidr), false, cidr);
    }
    assert.strictEqual(inSubnet("172.017.0.5", "172.17.0.0/16"), false);
  });

  it("lets other hosts reach every address just outside loopback, link-local and the bridge", () => {
    const bridge = "172.17.0.0/16";
    for (const ok of [
      "126.255.255.255",
      "128.0.0.0",
      "169.253.255.255",
      "169.255.0.0",
      "172.18.0.1",
    ]) {
      assert.deepStrictEqual(checkReachableAddress("hostAddress", ok, bridge), [], ok);
    }
    for (const [bad, why] of [
      ["127.255.255.255", /loopback/],
      ["169.254.0.0", /link-local/],
      ["172.17.255.255", /Docker bridge subnet 172\.17\.0\.0\/16/],
    ] as const) {
      const problems = checkReachableAddress("hostAddress", bad, bridge);
      assert.deepStrictEqual(keysAndFix(problems, /give the host's own address/), [
        ["hostAddress", true],
      ]);
      assert.match(problems[0].message, why, bad);
    }
  });
});
