import { BlockList, isIPv4 } from "node:net";
import { Problem, error } from "./problems";

/**
 * The subnet a CIDR string names, as a `BlockList` holding it, or `undefined` when malformed: the
 * address part must be one `isIPv4` accepts and the prefix length a whole number from 0 to 32,
 * written in plain decimal (no sign, no leading zero). Host bits in the address part are ignored,
 * as in `172.17.0.1/16`.
 */
function subnet(cidr: string): BlockList | undefined {
  const [base = "", bits = "", extra] = cidr.split("/");
  if (extra !== undefined || !isIPv4(base) || !/^([0-9]|[12][0-9]|3[0-2])$/.test(bits)) {
    return undefined;
  }
  const list = new BlockList();
  list.addSubnet(base, Number(bits), "ipv4");
  return list;
}

/** Whether `address` lies inside `cidr` (`a.b.c.d/n`); `false` when either is malformed. */
export function inSubnet(address: string, cidr: string): boolean {
  return isIPv4(address) && (subnet(cidr)?.check(address, "ipv4") ?? false);
}

/** Whether a CIDR string (`a.b.c.d/n`) is well formed. */
export function isCidr(value: string): boolean {
  return subnet(value) !== undefined;
}

/**
 * An error unless `value` is a dotted-quad IPv4 address as Node's `net.isIPv4` reads one: four
 * decimal numbers from 0 to 255, without leading zeros (`010` could mean 8 to another parser),
 * spaces or anything else around them.
 */
export function checkIpv4(key: string, value: string): Problem[] {
  return isIPv4(value)
    ? []
    : [error(key, `"${value}" is not an IPv4 address; give a dotted quad such as 192.168.99.100.`)];
}

/**
 * An error unless `value` is an address other hosts can reach: an IPv4 address that is neither
 * loopback, unspecified (0.0.0.0), link-local, nor inside the Docker bridge subnet.
 */
export function checkReachableAddress(
  key: string,
  value: string,
  bridgeSubnet: string,
  fix = "give the host's own address on the network the other hosts share",
): Problem[] {
  const malformed = checkIpv4(key, value);
  if (malformed.length > 0) return malformed;
  if (inSubnet(value, "127.0.0.0/8"))
    return [error(key, `"${value}" is a loopback address, unreachable from other hosts; ${fix}.`)];
  if (value === "0.0.0.0") return [error(key, `"0.0.0.0" cannot be advertised or joined; ${fix}.`)];
  if (inSubnet(value, "169.254.0.0/16"))
    return [error(key, `"${value}" is link-local, unreachable from other hosts; ${fix}.`)];
  if (inSubnet(value, bridgeSubnet))
    return [
      error(
        key,
        `"${value}" is inside the Docker bridge subnet ${bridgeSubnet}: every host has that range and cannot reach another host's copy (the original WAN flapping); ${fix}.`,
      ),
    ];
  return [];
}

/** An error unless `value` is a whole number in 1..65535. */
export function checkPort(key: string, value: number): Problem[] {
  return Number.isInteger(value) && value >= 1 && value <= 65535
    ? []
    : [error(key, `${value} is not a port; give a whole number from 1 to 65535.`)];
}

/**
 * An error unless `value` is a datacenter name Consul accepts as written: lowercase letters,
 * digits, `_` and `-` (Consul's own check is `^[a-z0-9_-]+$`), at most 64 characters. The
 * datacenter is a DNS label in `<svc>.service.<dc>.consul`, so no dots.
 */
export function checkDatacenter(key: string, value: string): Problem[] {
  return /^[a-z0-9_-]{1,64}$/.test(value)
    ? []
    : [
        error(
          key,
          `"${value}" is not a valid datacenter name; use lowercase letters, digits, "-" and "_" only (e.g. dc1, vm1).`,
        ),
      ];
}

/**
 * An error unless `value` is usable as a node name: a DNS label (letters, digits, `-`, at most
 * 63 characters, not starting or ending with `-`), so `<node>.node.<dc>.consul` resolves.
 */
export function checkNodeName(key: string, value: string): Problem[] {
  return /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(value)
    ? []
    : [
        error(
          key,
          `"${value}" is not a valid node name; use letters, digits and inner "-" only, at most 63 characters (e.g. node1).`,
        ),
      ];
}

/** An error unless `value` decodes from base64 to exactly 32 bytes (what `consul keygen` makes). */
export function checkGossipKey(key: string, value: string): Problem[] {
  const wellFormed =
    /^[A-Za-z0-9+/]{43}=$/.test(value) && Buffer.from(value, "base64").length === 32;
  // The value is a secret: never echo it.
  return wellFormed
    ? []
    : [
        error(
          key,
          'the gossip key must be 32 random bytes in base64 (44 characters ending in "="); make one with `consul keygen` or `openssl rand -base64 32`.',
        ),
      ];
}

/**
 * An error unless `value` is a join target: `host` or `host:port`, where host is an IPv4 address
 * or a DNS name and port is 1..65535.
 */
export function checkJoinAddress(key: string, value: string): Problem[] {
  const match = /^([A-Za-z0-9.-]+)(?::([0-9]+))?$/.exec(value);
  const host = match?.[1] ?? "";
  const port = match?.[2] === undefined ? 1 : Number(match[2]);
  const hostOk =
    isIPv4(host) ||
    (!/^[0-9.]+$/.test(host) &&
      /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
        host,
      ));
  return match && hostOk && port >= 1 && port <= 65535
    ? []
    : [
        error(
          key,
          `"${value}" is not a join address; give host or host:port, e.g. 192.168.99.100:8301.`,
        ),
      ];
}
