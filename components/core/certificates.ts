import { KeyObject, createHash, createPrivateKey, createPublicKey, sign } from "crypto";
import { isIPv4 } from "node:net";
import { SECRET_SEED_LENGTH } from "./shared-secrets";

/**
 * TLS material for the Consul agents (a CA and one certificate per server), made without a
 * provider plugin and stable across runs: every key is an Ed25519 key whose 32-byte seed is
 * derived from a secret string (a `random.RandomPassword` result, see shared-secrets.ts), the
 * certificates are DER-encoded here, and Ed25519 signatures are deterministic. The same inputs
 * therefore give byte-identical PEM on every run, and Pulumi sees no diff; only a new validity
 * window (see {@link renewalWindow}) or a changed name re-issues a certificate.
 *
 * The CA key and subject stay the same across renewals, so a leaf issued by a renewed CA still
 * verifies against the CA certificate of the previous window while both are valid: hosts can be
 * redeployed one at a time.
 */

/** PKCS#8 encoding of an Ed25519 private key, up to the 32-byte seed that follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const DAY_MS = 24 * 60 * 60 * 1000;
/** Renewal windows are counted from this instant, so every run agrees on the current window. */
const WINDOW_EPOCH = Date.UTC(2024, 0, 1);
/** notBefore lies this far before the window start, for clocks that lag between hosts. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// A tiny DER encoder: just what an X.509 v3 certificate needs.

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const length: number[] = [];
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) length.unshift(n % 256);
  const header = body.length < 0x80 ? [tag, body.length] : [tag, 0x80 | length.length, ...length];
  return Buffer.concat([Buffer.from(header), body]);
}

const sequence = (...items: Buffer[]): Buffer => der(0x30, ...items);
const set = (...items: Buffer[]): Buffer => der(0x31, ...items); // one element here: no sorting
const explicit = (n: number, ...items: Buffer[]): Buffer => der(0xa0 | n, ...items);
const implicit = (n: number, value: Buffer): Buffer => der(0x80 | n, value);
const octetString = (value: Buffer): Buffer => der(0x04, value);
const bitString = (value: Buffer, unusedBits = 0): Buffer =>
  der(0x03, Buffer.from([unusedBits]), value);
const utf8String = (value: string): Buffer => der(0x0c, Buffer.from(value, "utf8"));
const TRUE = der(0x01, Buffer.from([0xff]));

/** A non-negative INTEGER from big-endian bytes (or a small number), minimally encoded. */
function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === "number" ? Buffer.from([value]) : value;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  return der(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      base128.unshift(0x80 | (v % 128));
    }
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

/** A named BIT STRING (keyUsage): DER drops the trailing zero bits. */
function namedBits(...bits: number[]): Buffer {
  const last = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(last / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] |= 0x80 >> (bit % 8);
  return bitString(bytes, 7 - (last % 8));
}

/** UTCTime for the years 1950 to 2049, GeneralizedTime otherwise (RFC 5280, 4.1.2.5). */
function time(date: Date, what: string): Buffer {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) {
    throw new Error(`${what} must be a valid date between the years 0 and 9999.`);
  }
  if (date.getUTCMilliseconds() !== 0) {
    throw new Error(`${what} must be a whole second (certificates have no milliseconds).`);
  }
  const digits = `${date.toISOString().slice(0, 19).replace(/[-T:]/g, "")}Z`; // YYYYMMDDHHMMSSZ
  return year >= 1950 && year <= 2049
    ? der(0x17, Buffer.from(digits.slice(2), "ascii"))
    : der(0x18, Buffer.from(digits, "ascii"));
}

// ---------------------------------------------------------------------------------------------
// X.509 pieces.

const OID = {
  commonName: "2.5.4.3",
  ed25519: "1.3.101.112",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };
const ED25519_ALGORITHM = sequence(oid(OID.ed25519)); // parameters absent (RFC 8410)

function name(commonName: string, what: string): Buffer {
  if (commonName.length < 1 || commonName.length > 64) {
    throw new Error(`${what} common name must have 1 to 64 characters, not ${commonName.length}.`);
  }
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [TRUE] : []), octetString(value));
}

interface Ed25519Key {
  readonly privateKey: KeyObject;
  /** SubjectPublicKeyInfo, DER. */
  readonly spki: Buffer;
  /** SHA-1 of the public key bits (RFC 5280, 4.2.1.2, method 1). */
  readonly keyId: Buffer;
}

/**
 * The 32-byte seed of an Ed25519 private key given as PKCS#8 DER, the form {@link ed25519Key}
 * makes; `undefined` for any other key.
 */
export function ed25519SeedOf(pkcs8: Buffer): Buffer | undefined {
  const prefix = pkcs8.subarray(0, ED25519_PKCS8_PREFIX.length);
  return pkcs8.length === ED25519_PKCS8_PREFIX.length + 32 && prefix.equals(ED25519_PKCS8_PREFIX)
    ? pkcs8.subarray(ED25519_PKCS8_PREFIX.length)
    : undefined;
}

function ed25519Key(seed: Buffer, what: string): Ed25519Key {
  if (!Buffer.isBuffer(seed) || seed.length !== 32) {
    throw new Error(`the ${what} key seed must be 32 bytes (see keySeed()).`);
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return { privateKey, spki, keyId: createHash("sha1").update(spki.subarray(-32)).digest() };
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function issue(args: {
  issuer: Buffer;
  issuerKey: Ed25519Key;
  subject: Buffer;
  subjectKey: Ed25519Key;
  notBefore: Date;
  notAfter: Date;
  extensions: readonly Buffer[];
}): CertificatePair {
  const { notBefore, notAfter } = args;
  const validity = sequence(time(notBefore, "notBefore"), time(notAfter, "notAfter"));
  if (notBefore.getTime() >= notAfter.getTime()) {
    throw new Error(
      `notBefore (${notBefore.toISOString()}) must be before notAfter (${notAfter.toISOString()}).`,
    );
  }
  const extensions = explicit(3, sequence(...args.extensions));
  // The serial number hashes everything else the certificate says: stable, yet unique per content.
  const serial = createHash("sha256")
    .update("distributed-consul certificate serial\n")
    .update(Buffer.concat([args.issuer, validity, args.subject, args.subjectKey.spki, extensions]))
    .digest()
    .subarray(0, 16);
  serial[0] &= 0x7f; // positive
  if (serial.every((byte) => byte === 0)) serial[15] = 1; // and not zero
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serial),
    ED25519_ALGORITHM,
    args.issuer,
    validity,
    args.subject,
    args.subjectKey.spki,
    extensions,
  );
  const signature = sign(null, tbs, args.issuerKey.privateKey);
  return {
    certificatePem: pem("CERTIFICATE", sequence(tbs, ED25519_ALGORITHM, bitString(signature))),
    privateKeyPem: args.subjectKey.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}

// ---------------------------------------------------------------------------------------------
// The API.

/**
 * The 32-byte seed of one Ed25519 key, derived from a secret string: SHA-256 over
 * `"distributed-consul tls " + purpose + "\n"` and then the secret. The purpose (e.g. `"ca"`,
 * `"server t1"`) separates the keys, so one secret yields unrelated keys; the same secret and
 * purpose always yield the same key, which is what keeps the certificates stable across runs.
 *
 * @param secret at least 64 characters, e.g. a `random.RandomPassword` result (keep it secret).
 * @param purpose what the key is for; one purpose per key.
 * @throws Error if the secret is shorter than 64 characters (the message names the purpose).
 */
export function keySeed(secret: string, purpose: string): Buffer {
  if (secret.length < SECRET_SEED_LENGTH) {
    throw new Error(
      `the secret for the TLS key "${purpose}" must have at least ${SECRET_SEED_LENGTH} ` +
        `characters, not ${secret.length}.`,
    );
  }
  return createHash("sha256").update(`distributed-consul tls ${purpose}\n`).update(secret).digest();
}

/**
 * A certificate and its private key, both PEM: the certificate as `CERTIFICATE`, the key as
 * PKCS#8 `PRIVATE KEY` (what Consul's `cert_file` and `key_file` take). Treat the private key as a
 * secret (e.g. `pulumi.secret`).
 */
export interface CertificatePair {
  /** The certificate, `-----BEGIN CERTIFICATE-----`. */
  readonly certificatePem: string;
  /** Its Ed25519 private key, PKCS#8 `-----BEGIN PRIVATE KEY-----`: a secret. */
  readonly privateKeyPem: string;
}

/**
 * What identifies a CA to the certificates it issues: its key seed and common name. Pass the same
 * values to {@link certificateAuthority} and, as `ca`, to {@link serverCertificate}.
 */
export interface CaIdentity {
  /** 32 bytes, from {@link keySeed}. */
  readonly keySeed: Buffer;
  /** The CA's subject common name (1 to 64 characters). */
  readonly commonName: string;
}

/** Common arguments: the key and validity of a certificate. */
export interface CertificateArgs {
  /** 32 bytes, from {@link keySeed}. */
  readonly keySeed: Buffer;
  /** The subject common name (1 to 64 characters). */
  readonly commonName: string;
  /** Start of validity, a whole second (see {@link renewalWindow}). */
  readonly notBefore: Date;
  /** End of validity, a whole second, after notBefore. */
  readonly notAfter: Date;
}

/**
 * A self-signed CA certificate (Ed25519): basicConstraints critical CA:TRUE with pathLen 0 (it
 * signs leaves only), keyUsage critical keyCertSign, cRLSign and digitalSignature, and a
 * subjectKeyIdentifier. Deterministic: the same arguments give byte-identical PEM.
 */
export function certificateAuthority(args: CertificateArgs): CertificatePair {
  const key = ed25519Key(args.keySeed, "CA");
  const subject = name(args.commonName, "the CA");
  const { digitalSignature, keyCertSign, cRLSign } = KEY_USAGE;
  return issue({
    issuer: subject,
    issuerKey: key,
    subject,
    subjectKey: key,
    notBefore: args.notBefore,
    notAfter: args.notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence(TRUE, integer(0))),
      extension(OID.keyUsage, true, namedBits(digitalSignature, keyCertSign, cRLSign)),
      extension(OID.subjectKeyIdentifier, false, octetString(key.keyId)),
    ],
  });
}

/** Arguments of {@link serverCertificate}. */
export interface ServerCertificateArgs extends CertificateArgs {
  /** The issuing CA: the key seed and common name given to {@link certificateAuthority}. */
  readonly ca: CaIdentity;
  /** DNS names (subjectAltName), e.g. `server.dc1.consul` for `verify_server_hostname`. */
  readonly dnsNames: readonly string[];
  /** IPv4 addresses (subjectAltName), dotted decimal. */
  readonly ipAddresses: readonly string[];
}

/**
 * A leaf certificate for a Consul agent, signed by the CA: basicConstraints CA:FALSE, keyUsage
 * critical digitalSignature (all an Ed25519 key does), extKeyUsage serverAuth and clientAuth
 * (Consul servers use one certificate as TLS server and as client), subjectAltName with the DNS
 * names and IPv4 addresses, and the key identifiers. The issuer is the CA's subject, encoded
 * exactly as in the CA certificate. Deterministic: the same arguments give byte-identical PEM.
 *
 * @throws Error on a malformed DNS name or IPv4 address, or when there are neither.
 */
export function serverCertificate(args: ServerCertificateArgs): CertificatePair {
  const caKey = ed25519Key(args.ca.keySeed, "CA");
  const key = ed25519Key(args.keySeed, "server");
  if (args.dnsNames.length + args.ipAddresses.length === 0) {
    throw new Error("a server certificate needs at least one DNS name or IP address.");
  }
  const altNames = [
    ...args.dnsNames.map((dns) => implicit(2, Buffer.from(checkDnsName(dns), "ascii"))),
    ...args.ipAddresses.map((ip) => implicit(7, ipv4Bytes(ip))),
  ];
  return issue({
    issuer: name(args.ca.commonName, "the CA"),
    issuerKey: caKey,
    subject: name(args.commonName, "the server"),
    subjectKey: key,
    notBefore: args.notBefore,
    notAfter: args.notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence()), // cA DEFAULT FALSE: omitted in DER
      extension(OID.keyUsage, true, namedBits(KEY_USAGE.digitalSignature)),
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth), oid(OID.clientAuth))),
      extension(OID.subjectAltName, false, sequence(...altNames)),
      extension(OID.subjectKeyIdentifier, false, octetString(key.keyId)),
      extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, caKey.keyId))),
    ],
  });
}

function checkDnsName(dns: string): string {
  const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  if (dns.length > 253 || !new RegExp(`^(?:\\*\\.)?(?:${label}\\.)*${label}$`).test(dns)) {
    throw new Error(`"${dns}" is not a valid DNS name for a certificate.`);
  }
  return dns;
}

/** The four bytes of an IPv4 address, once `isIPv4` has accepted it (no leading zeros). */
function ipv4Bytes(ip: string): Buffer {
  if (!isIPv4(ip)) {
    throw new Error(`"${ip}" is not an IPv4 address in dotted decimal (like 192.168.1.10).`);
  }
  return Buffer.from(ip.split(".").map(Number));
}

/** Options of {@link renewalWindow}. */
export interface RenewalWindowOptions {
  /**
   * How often certificates are re-issued, in whole days.
   * @default 180
   */
  readonly windowDays?: number;
  /**
   * How long a certificate is valid from the start of its window, in whole days; more than
   * windowDays, so that a certificate outlives its window.
   * @default 365
   */
  readonly lifetimeDays?: number;
}

/**
 * The validity of a certificate issued at `now`, chosen so that every run inside one renewal
 * window gets the same dates (and so the same certificate). Windows of `windowDays` are counted
 * from 2024-01-01T00:00:00Z; for the window holding `now`, notBefore is its start minus one hour
 * (clock skew between hosts) and notAfter is its start plus `lifetimeDays`. A certificate thus
 * always has at least lifetimeDays − windowDays left, and the first run in a later window
 * re-issues it.
 *
 * @param now the time of the run, usually `new Date()`.
 * @throws Error if lifetimeDays is not more than windowDays, or either is not a whole number.
 */
export function renewalWindow(
  now: Date,
  opts: RenewalWindowOptions = {},
): { notBefore: Date; notAfter: Date } {
  const { windowDays = 180, lifetimeDays = 365 } = opts;
  if (!Number.isInteger(windowDays) || windowDays < 1) {
    throw new Error(`windowDays must be a whole number of days, at least 1, not ${windowDays}.`);
  }
  if (!Number.isInteger(lifetimeDays) || lifetimeDays <= windowDays) {
    throw new Error(
      `lifetimeDays must be a whole number of days, more than windowDays (${windowDays}), ` +
        `not ${lifetimeDays}.`,
    );
  }
  if (Number.isNaN(now.getTime())) throw new Error("renewalWindow needs a valid date.");
  const index = Math.floor((now.getTime() - WINDOW_EPOCH) / (windowDays * DAY_MS));
  const start = WINDOW_EPOCH + index * windowDays * DAY_MS;
  return {
    notBefore: new Date(start - CLOCK_SKEW_MS),
    notAfter: new Date(start + lifetimeDays * DAY_MS),
  };
}
