import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as x509 from "@peculiar/asn1-x509";
import {
  KeyObject,
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
} from "crypto";
import { isIPv4 } from "node:net";
import { SECRET_SEED_LENGTH } from "./shared-secrets";

/**
 * TLS material for the Consul agents (a CA and one certificate per server), made without a
 * provider plugin and stable across runs: every key is an Ed25519 key whose 32-byte seed is
 * derived from a secret string (a `random.RandomPassword` result, see shared-secrets.ts), the
 * certificates are DER-encoded by @peculiar/asn1-x509, and Ed25519 signatures are deterministic. The same inputs
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
// X.509 through @peculiar/asn1-x509 (the RFC 5280 structures) and @peculiar/asn1-schema (their
// DER encoding); signing with node:crypto. What is chosen here, not by the library: which
// extensions, their order and criticality, UTF8String names, and the serial number.

/** Ed25519 (RFC 8410): the signature algorithm, parameters absent. */
const ED25519_ALGORITHM = new x509.AlgorithmIdentifier({ algorithm: "1.3.101.112" });
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

const derOf = (value: unknown): Buffer => Buffer.from(AsnConvert.serialize(value));

function name(commonName: string, what: string): x509.Name {
  if (commonName.length < 1 || commonName.length > 64) {
    throw new Error(`${what} common name must have 1 to 64 characters, not ${commonName.length}.`);
  }
  const cn = new x509.AttributeTypeAndValue({
    type: "2.5.4.3", // commonName
    value: new x509.AttributeValue({ utf8String: commonName }),
  });
  return new x509.Name([new x509.RelativeDistinguishedName([cn])]);
}

/** UTCTime for the years 1950 to 2049, GeneralizedTime otherwise (RFC 5280, 4.1.2.5). */
function time(date: Date, what: string): x509.Time {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) {
    throw new Error(`${what} must be a valid date between the years 0 and 9999.`);
  }
  if (date.getUTCMilliseconds() !== 0) {
    throw new Error(`${what} must be a whole second (certificates have no milliseconds).`);
  }
  return new x509.Time(year >= 1950 && year <= 2049 ? { utcTime: date } : { generalTime: date });
}

function extension(extnID: string, critical: boolean, value: unknown): x509.Extension {
  return new x509.Extension({ extnID, critical, extnValue: new OctetString(derOf(value)) });
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

/**
 * The serial number: SHA-256 over everything the certificate says from the issuer on (issuer,
 * validity, subject, public key, extensions, as DER), cut to 16 bytes, positive and not zero.
 * Stable across runs, yet unique per content. Returned as the INTEGER's content octets, minimal
 * (the library writes them as given).
 */
function serialNumber(tbs: x509.TBSCertificate): ArrayBuffer {
  const issuer = derOf(tbs.issuer);
  const encoded = derOf(
    new x509.TBSCertificate({ ...tbs, serialNumber: new Uint8Array([1]).buffer }),
  );
  // issuer to extensions close the TBSCertificate; before them come its header, the version,
  // this placeholder serial and the algorithm, none of which can hold the issuer's bytes.
  const from = encoded.indexOf(issuer);
  if (from < 0) throw new Error("internal: the encoded TBSCertificate lacks its issuer.");
  const serial = createHash("sha256")
    .update("distributed-consul certificate serial\n")
    .update(encoded.subarray(from))
    .digest()
    .subarray(0, 16);
  serial[0] &= 0x7f; // positive
  if (serial.every((byte) => byte === 0)) serial[15] = 1; // and not zero
  let start = 0; // DER: no leading zero byte unless the next one has its top bit set
  while (start < serial.length - 1 && serial[start] === 0 && serial[start + 1] < 0x80) start++;
  return new Uint8Array(serial.subarray(start)).buffer;
}

function pem(der: Buffer): string {
  return new X509Certificate(der).toString();
}

function issue(args: {
  issuer: x509.Name;
  issuerKey: Ed25519Key;
  subject: x509.Name;
  subjectKey: Ed25519Key;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}): CertificatePair {
  const { notBefore, notAfter } = args;
  const validity = new x509.Validity();
  validity.notBefore = time(notBefore, "notBefore");
  validity.notAfter = time(notAfter, "notAfter");
  if (notBefore.getTime() >= notAfter.getTime()) {
    throw new Error(
      `notBefore (${notBefore.toISOString()}) must be before notAfter (${notAfter.toISOString()}).`,
    );
  }
  const tbs = new x509.TBSCertificate({
    version: x509.Version.v3,
    signature: ED25519_ALGORITHM,
    issuer: args.issuer,
    validity,
    subject: args.subject,
    subjectPublicKeyInfo: AsnConvert.parse(args.subjectKey.spki, x509.SubjectPublicKeyInfo),
    extensions: new x509.Extensions(args.extensions),
  });
  tbs.serialNumber = serialNumber(tbs);
  const certificate = new x509.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: ED25519_ALGORITHM,
    signatureValue: new Uint8Array(sign(null, derOf(tbs), args.issuerKey.privateKey)).buffer,
  });
  return {
    certificatePem: pem(derOf(certificate)),
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
  const { digitalSignature, keyCertSign, cRLSign } = x509.KeyUsageFlags;
  return issue({
    issuer: subject,
    issuerKey: key,
    subject,
    subjectKey: key,
    notBefore: args.notBefore,
    notAfter: args.notAfter,
    extensions: [
      extension(
        x509.id_ce_basicConstraints,
        true,
        new x509.BasicConstraints({ cA: true, pathLenConstraint: 0 }),
      ),
      extension(
        x509.id_ce_keyUsage,
        true,
        new x509.KeyUsage(digitalSignature | keyCertSign | cRLSign),
      ),
      extension(x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(key.keyId)),
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
    ...args.dnsNames.map((dns) => new x509.GeneralName({ dNSName: checkDnsName(dns) })),
    ...args.ipAddresses.map((ip) => new x509.GeneralName({ iPAddress: checkIpv4(ip) })),
  ];
  return issue({
    issuer: name(args.ca.commonName, "the CA"),
    issuerKey: caKey,
    subject: name(args.commonName, "the server"),
    subjectKey: key,
    notBefore: args.notBefore,
    notAfter: args.notAfter,
    extensions: [
      extension(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: false })),
      extension(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.digitalSignature)),
      extension(
        x509.id_ce_extKeyUsage,
        false,
        new x509.ExtendedKeyUsage([SERVER_AUTH, CLIENT_AUTH]),
      ),
      extension(x509.id_ce_subjectAltName, false, new x509.SubjectAlternativeName(altNames)),
      extension(x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(key.keyId)),
      extension(
        x509.id_ce_authorityKeyIdentifier,
        false,
        new x509.AuthorityKeyIdentifier({ keyIdentifier: new x509.KeyIdentifier(caKey.keyId) }),
      ),
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

/** An IPv4 address as `isIPv4` accepts it (no leading zeros), which the library then encodes. */
function checkIpv4(ip: string): string {
  if (!isIPv4(ip)) {
    throw new Error(`"${ip}" is not an IPv4 address in dotted decimal (like 192.168.1.10).`);
  }
  return ip;
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
