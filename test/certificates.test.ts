import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { X509Certificate, createPrivateKey, createPublicKey } from "crypto";
import * as fs from "fs";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import {
  CaIdentity,
  ServerCertificateArgs,
  certificateAuthority,
  keySeed,
  renewalWindow,
  serverCertificate,
} from "../core/certificates";

const SECRET = "k".repeat(64);
const OTHER_SECRET = `${"k".repeat(63)}l`;
const DAY = 24 * 60 * 60 * 1000;
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

// Valid now (to the whole second), so that openssl and the TLS handshake accept the certificates.
const NOW = Math.floor(Date.now() / 1000) * 1000;
const VALIDITY = { notBefore: new Date(NOW - DAY), notAfter: new Date(NOW + 30 * DAY) };

const CA_ID: CaIdentity = { keySeed: keySeed(SECRET, "ca"), commonName: "distributed-consul CA" };
// Another CA with the same name: only the key tells them apart.
const OTHER_CA_ID: CaIdentity = { ...CA_ID, keySeed: keySeed(OTHER_SECRET, "ca") };

function leafArgs(purpose: string, ca = CA_ID): ServerCertificateArgs {
  return {
    ca,
    keySeed: keySeed(SECRET, purpose),
    commonName: "server.dc1.consul",
    dnsNames: ["server.dc1.consul", "localhost"],
    ipAddresses: ["192.168.99.100", "127.0.0.1"],
    ...VALIDITY,
  };
}

const ca = certificateAuthority({ ...CA_ID, ...VALIDITY });
const otherCa = certificateAuthority({ ...OTHER_CA_ID, ...VALIDITY });
const server = serverCertificate(leafArgs("server t1"));
const client = serverCertificate(leafArgs("server t2"));
const rogue = serverCertificate(leafArgs("server t1", OTHER_CA_ID));
const caX509 = new X509Certificate(ca.certificatePem);
const serverX509 = new X509Certificate(server.certificatePem);

// ---------------------------------------------------------------------------------------------
// openssl, an independent parser and verifier: missing, it fails the tests rather than skip them.

const OPENSSL = "/usr/bin/openssl";
let tmpDir: string; // made and removed by the hooks of the describe block below

function file(name: string, content: string): string {
  const p = path.join(tmpDir, name);
  fs.writeFileSync(p, content);
  return p;
}

function openssl(...args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(OPENSSL, args, { encoding: "utf8" });
  assert.ifError(result.error); // e.g. ENOENT: these tests need openssl at /usr/bin/openssl
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function opensslText(pem: string): string {
  const { ok, output } = openssl("x509", "-noout", "-text", "-in", file("text.pem", pem));
  assert.ok(ok, output);
  return output;
}

/** The value printed on the line after an extension's heading in `openssl x509 -text`. */
function extensionText(text: string, heading: string): string {
  const match = new RegExp(`${heading}(: critical)?:?\\s*\\n\\s*(.*)`).exec(text);
  assert.ok(match, `no ${heading} in\n${text}`);
  return `${match[2]}${match[1] ?? ""}`;
}

function verify(caPem: string, leafPem: string, purpose: string): { ok: boolean; output: string } {
  const caFile = file("ca.pem", caPem);
  return openssl(
    "verify",
    "-x509_strict",
    "-purpose",
    purpose,
    "-CAfile",
    caFile,
    file("leaf.pem", leafPem),
  );
}

// ---------------------------------------------------------------------------------------------

describe("TLS certificates", () => {
  before(() => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "certificates-test-"));
  });
  after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

  describe("keySeed", () => {
    it("gives 32 bytes, the same for the same secret and purpose", () => {
      assert.equal(keySeed(SECRET, "ca").length, 32);
      assert.deepEqual(keySeed(SECRET, "ca"), keySeed(`${SECRET}`, "ca"));
    });

    it("gives unrelated seeds for another purpose or one other character of the secret", () => {
      const seeds = [
        keySeed(SECRET, "ca"),
        keySeed(SECRET, "server t1"),
        keySeed(OTHER_SECRET, "ca"),
      ];
      assert.equal(new Set(seeds.map((s) => s.toString("hex"))).size, 3);
    });

    it("refuses a secret shorter than 64 characters, naming the key", () => {
      assert.throws(
        () => keySeed("short", "server t1"),
        /"server t1".*at least 64 characters, not 5/,
      );
    });
  });

  describe("read by Node's X509Certificate", () => {
    it("makes a self-signed Ed25519 CA", () => {
      assert.equal(caX509.ca, true);
      assert.equal(caX509.subject, "CN=distributed-consul CA");
      assert.equal(caX509.issuer, caX509.subject);
      assert.equal(caX509.publicKey.asymmetricKeyType, "ed25519");
      assert.equal(caX509.verify(caX509.publicKey), true);
      assert.equal(caX509.checkIssued(caX509), true);
    });

    it("makes a leaf that the CA's key verifies and no other", () => {
      assert.equal(serverX509.ca, false);
      assert.equal(serverX509.issuer, caX509.subject);
      assert.equal(serverX509.checkIssued(caX509), true);
      assert.equal(serverX509.verify(caX509.publicKey), true);
      assert.equal(serverX509.verify(new X509Certificate(otherCa.certificatePem).publicKey), false);
      assert.equal(new X509Certificate(rogue.certificatePem).verify(caX509.publicKey), false);
    });

    it("names exactly the given DNS names and IP addresses", () => {
      assert.equal(serverX509.checkHost("server.dc1.consul"), "server.dc1.consul");
      assert.equal(serverX509.checkHost("localhost"), "localhost");
      assert.equal(serverX509.checkHost("server.dc2.consul"), undefined);
      assert.equal(serverX509.checkIP("192.168.99.100"), "192.168.99.100");
      assert.equal(serverX509.checkIP("127.0.0.1"), "127.0.0.1");
      assert.equal(serverX509.checkIP("192.168.99.101"), undefined);
      assert.equal(
        serverX509.subjectAltName,
        "DNS:server.dc1.consul, DNS:localhost, IP Address:192.168.99.100, IP Address:127.0.0.1",
      );
    });

    it("allows the leaf both as TLS server and as TLS client", () => {
      assert.deepEqual([...(serverX509.keyUsage ?? [])].sort(), [SERVER_AUTH, CLIENT_AUTH].sort());
    });

    it("holds the given validity", () => {
      for (const x509 of [caX509, serverX509]) {
        assert.equal(new Date(x509.validFrom).getTime(), VALIDITY.notBefore.getTime());
        assert.equal(new Date(x509.validTo).getTime(), VALIDITY.notAfter.getTime());
      }
    });

    it("gives each certificate its own positive serial number of at most 16 bytes", () => {
      const serials = [ca, server, client, rogue].map(
        (pair) => new X509Certificate(pair.certificatePem).serialNumber,
      );
      assert.equal(new Set(serials).size, 4);
      for (const serial of serials) {
        const value = BigInt(`0x${serial}`);
        assert.ok(value > 0n && value < 2n ** 127n, serial);
      }
    });

    it("pairs each certificate with its own private key", () => {
      const serverKey = createPrivateKey(server.privateKeyPem);
      assert.equal(serverX509.checkPrivateKey(serverKey), true);
      assert.equal(serverX509.checkPrivateKey(createPrivateKey(client.privateKeyPem)), false);
      assert.deepEqual(
        createPublicKey(serverKey).export({ type: "spki", format: "der" }),
        serverX509.publicKey.export({ type: "spki", format: "der" }),
      );
      assert.match(server.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    });

    it("writes times after 2049 as GeneralizedTime and before as UTCTime (RFC 5280)", () => {
      const dates = {
        notBefore: new Date("2049-12-31T23:59:59Z"),
        notAfter: new Date("2051-01-01T00:00:00Z"),
      };
      const pem = certificateAuthority({ ...CA_ID, ...dates }).certificatePem;
      const x509 = new X509Certificate(pem);
      assert.equal(new Date(x509.validFrom).toISOString(), "2049-12-31T23:59:59.000Z");
      assert.equal(new Date(x509.validTo).toISOString(), "2051-01-01T00:00:00.000Z");
      const { ok, output } = openssl("asn1parse", "-in", file("times.pem", pem));
      assert.ok(ok, output);
      assert.match(output, /UTCTIME\s*:491231235959Z\s*\n.*GENERALIZEDTIME\s*:20510101000000Z/);
    });
  });

  describe("read by openssl", () => {
    it("marks the CA: critical CA:TRUE, critical keyCertSign, cRLSign and digitalSignature", () => {
      const text = opensslText(ca.certificatePem);
      assert.equal(extensionText(text, "X509v3 Basic Constraints"), "CA:TRUE, pathlen:0: critical");
      assert.equal(
        extensionText(text, "X509v3 Key Usage"),
        "Digital Signature, Certificate Sign, CRL Sign: critical",
      );
      assert.match(text, /Signature Algorithm: ED25519/);
    });

    it("marks the leaf: CA:FALSE, critical digitalSignature only, key ids linking it to the CA", () => {
      const text = opensslText(server.certificatePem);
      assert.equal(extensionText(text, "X509v3 Basic Constraints"), "CA:FALSE: critical");
      assert.equal(extensionText(text, "X509v3 Key Usage"), "Digital Signature: critical");
      assert.equal(
        extensionText(text, "X509v3 Extended Key Usage"),
        "TLS Web Server Authentication, TLS Web Client Authentication",
      );
      const caKeyId = extensionText(
        opensslText(ca.certificatePem),
        "X509v3 Subject Key Identifier",
      );
      assert.match(caKeyId, /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      assert.equal(extensionText(text, "X509v3 Authority Key Identifier"), caKeyId);
      assert.notEqual(extensionText(text, "X509v3 Subject Key Identifier"), caKeyId);
    });

    for (const purpose of ["sslserver", "sslclient"]) {
      it(`verifies the leaf for ${purpose} under -x509_strict`, () => {
        const { ok, output } = verify(ca.certificatePem, server.certificatePem, purpose);
        assert.ok(ok, output);
        assert.match(output, /leaf\.pem: OK/);
      });
    }

    it("rejects a leaf signed by another CA of the same name", () => {
      const { ok, output } = verify(ca.certificatePem, rogue.certificatePem, "sslserver");
      assert.equal(ok, false, output);
      assert.match(output, /error \d+ at 0 depth lookup/);
    });

    it("rejects a leaf that has expired", () => {
      const expired = serverCertificate({
        ...leafArgs("server t1"),
        notBefore: new Date(NOW - 20 * DAY),
        notAfter: new Date(NOW - 10 * DAY),
      });
      const { ok, output } = verify(ca.certificatePem, expired.certificatePem, "sslserver");
      assert.equal(ok, false, output);
      assert.match(output, /certificate has expired/);
    });

    it("keeps leaves and CA certificates of consecutive renewal windows compatible", () => {
      // Hosts are redeployed one at a time: for a while, some hold the previous window's CA and
      // leaf, others the current ones. The CA's key and name do not change, so both chains hold.
      const previous = renewalWindow(new Date(NOW - 180 * DAY));
      const current = renewalWindow(new Date(NOW));
      assert.notEqual(previous.notAfter.getTime(), current.notAfter.getTime());
      const issue = (dates: typeof current) => ({
        ca: certificateAuthority({ ...CA_ID, ...dates }).certificatePem,
        leaf: serverCertificate({ ...leafArgs("server t1"), ...dates }).certificatePem,
      });
      const [old, renewed] = [issue(previous), issue(current)];
      assert.notEqual(old.ca, renewed.ca);
      for (const [caPem, leafPem] of [
        [old.ca, renewed.leaf],
        [renewed.ca, old.leaf],
      ]) {
        const { ok, output } = verify(caPem, leafPem, "sslserver");
        assert.ok(ok, output);
      }
    });
  });

  describe("determinism", () => {
    it("gives byte-identical PEM for the same inputs", () => {
      const copy = (id: CaIdentity): CaIdentity => ({ ...id, keySeed: Buffer.from(id.keySeed) });
      assert.deepEqual(certificateAuthority({ ...copy(CA_ID), ...VALIDITY }), ca);
      assert.deepEqual(serverCertificate({ ...leafArgs("server t1"), ca: copy(CA_ID) }), server);
    });

    it("does not depend on the local time zone", () => {
      const saved = process.env.TZ;
      try {
        process.env.TZ = "Pacific/Chatham"; // UTC+12:45 or +13:45
        assert.notEqual(new Date(NOW).getTimezoneOffset(), 0);
        assert.deepEqual(certificateAuthority({ ...CA_ID, ...VALIDITY }), ca);
        assert.deepEqual(serverCertificate(leafArgs("server t1")), server);
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });

    it("gives another key for another seed", () => {
      const spki = (pem: string) =>
        new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" }).toString("hex");
      assert.notEqual(spki(server.certificatePem), spki(client.certificatePem));
      assert.notEqual(spki(ca.certificatePem), spki(otherCa.certificatePem));
      assert.notEqual(server.privateKeyPem, client.privateKeyPem);
    });

    it("re-issues (another serial number) when the validity changes", () => {
      const later = serverCertificate({
        ...leafArgs("server t1"),
        notAfter: new Date(NOW + 31 * DAY),
      });
      assert.equal(later.privateKeyPem, server.privateKeyPem);
      assert.notEqual(
        new X509Certificate(later.certificatePem).serialNumber,
        serverX509.serialNumber,
      );
    });
  });

  describe("mutual TLS between two leaves of one CA", () => {
    let tlsServer: tls.Server;
    let port: number;
    const accepted: string[] = []; // fingerprints of the client certificates the server accepted
    const refused: string[] = []; // errors of the handshakes the server refused

    before(async () => {
      tlsServer = tls.createServer(
        {
          key: server.privateKeyPem,
          cert: server.certificatePem,
          ca: ca.certificatePem,
          requestCert: true,
          rejectUnauthorized: true,
        },
        (socket) => {
          accepted.push(socket.getPeerCertificate().fingerprint256);
          socket.end(`hello ${String(socket.authorized)}`);
        },
      );
      tlsServer.on("tlsClientError", (error) => refused.push(error.message));
      await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
      port = (tlsServer.address() as AddressInfo).port;
    });

    after(() => new Promise<void>((resolve) => tlsServer.close(() => resolve())));

    interface Outcome {
      authorized: boolean;
      protocol: string | null;
      received: string;
      error?: NodeJS.ErrnoException;
    }

    function connect(options: tls.ConnectionOptions): Promise<Outcome> {
      return new Promise((resolve) => {
        const outcome: Outcome = { authorized: false, protocol: null, received: "" };
        const socket = tls.connect({
          host: "127.0.0.1",
          port,
          servername: "server.dc1.consul",
          ca: ca.certificatePem,
          ...options,
        });
        socket.setEncoding("utf8");
        socket.on("secureConnect", () => {
          outcome.authorized = socket.authorized;
          outcome.protocol = socket.getProtocol();
        });
        socket.on("data", (chunk: string) => {
          outcome.received += chunk;
        });
        socket.on("error", (error: NodeJS.ErrnoException) => {
          outcome.error = error;
        });
        socket.on("close", () => resolve(outcome));
      });
    }

    const withClientCertificate = { key: client.privateKeyPem, cert: client.certificatePem };

    // OpenSSL signs with Ed25519 in TLS 1.3 and in TLS 1.2 (RFC 8422); Consul's default minimum is
    // TLS 1.2, so both versions are tried.
    for (const version of ["TLSv1.3", "TLSv1.2"] as const) {
      it(`authorizes both sides over ${version}`, async () => {
        const before = accepted.length;
        const result = await connect({
          ...withClientCertificate,
          minVersion: version,
          maxVersion: version,
        });
        assert.equal(result.error, undefined);
        assert.equal(result.protocol, version);
        assert.equal(result.authorized, true);
        assert.equal(result.received, "hello true");
        assert.deepEqual(accepted.slice(before), [
          new X509Certificate(client.certificatePem).fingerprint256,
        ]);
      });
    }

    it("refuses a client without a certificate", async () => {
      const before = accepted.length;
      const result = await connect({});
      assert.equal(result.received, "");
      // TLS 1.3: the client finishes its side first, then reads the server's alert.
      assert.equal(result.error?.code, "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
      assert.equal(accepted.length, before);
      assert.match(refused.at(-1) ?? "", /peer did not return a certificate/);
    });

    it("refuses a client whose certificate another CA of the same name signed", async () => {
      const before = accepted.length;
      const refusedBefore = refused.length;
      const result = await connect({ key: rogue.privateKeyPem, cert: rogue.certificatePem });
      // Node's server checks the client's chain after the handshake and then just closes.
      assert.equal(result.received, "");
      assert.equal(accepted.length, before);
      assert.equal(refused.length, refusedBefore + 1);
    });

    it("is refused by a client that trusts another CA", async () => {
      const result = await connect({ ...withClientCertificate, ca: otherCa.certificatePem });
      assert.equal(result.received, "");
      // The server sends its CA certificate along (OpenSSL completes the chain from its `ca`):
      // self-signed and not the CA this client trusts.
      assert.equal(result.error?.code, "SELF_SIGNED_CERT_IN_CHAIN");
    });

    it("is refused by a client that expects a name the certificate lacks", async () => {
      const result = await connect({ ...withClientCertificate, servername: "server.dc2.consul" });
      assert.equal(result.received, "");
      assert.equal(result.error?.code, "ERR_TLS_CERT_ALTNAME_INVALID");
    });
  });

  describe("refuses malformed input", () => {
    it("refuses malformed IPv4 addresses", () => {
      for (const ip of [
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "01.2.3.4",
        "1.2.3.4 ",
        "a.b.c.d",
        "::1",
        "",
      ]) {
        assert.throws(
          () => serverCertificate({ ...leafArgs("server t1"), ipAddresses: [ip] }),
          /is not an IPv4 address/,
          JSON.stringify(ip),
        );
      }
    });

    it("refuses malformed DNS names", () => {
      for (const dns of ["", "bad name", "-x.consul", "x..consul", "x.consul.", "é.consul"]) {
        assert.throws(
          () => serverCertificate({ ...leafArgs("server t1"), dnsNames: [dns] }),
          /is not a valid DNS name/,
          JSON.stringify(dns),
        );
      }
    });

    it("refuses a leaf without any name", () => {
      assert.throws(
        () => serverCertificate({ ...leafArgs("server t1"), dnsNames: [], ipAddresses: [] }),
        /at least one DNS name or IP address/,
      );
    });

    it("refuses a key seed that is not 32 bytes", () => {
      assert.throws(
        () => certificateAuthority({ ...CA_ID, keySeed: Buffer.alloc(31), ...VALIDITY }),
        /CA key seed must be 32 bytes/,
      );
    });

    it("refuses a validity that ends before it starts, or holds milliseconds", () => {
      const { notBefore, notAfter } = VALIDITY;
      assert.throws(
        () => certificateAuthority({ ...CA_ID, notBefore: notAfter, notAfter: notBefore }),
        /must be before notAfter/,
      );
      assert.throws(
        () =>
          certificateAuthority({ ...CA_ID, notBefore, notAfter: new Date(notAfter.getTime() + 1) }),
        /notAfter must be a whole second/,
      );
    });

    it("refuses a common name longer than 64 characters", () => {
      assert.throws(
        () => certificateAuthority({ ...CA_ID, commonName: "c".repeat(65), ...VALIDITY }),
        /1 to 64 characters, not 65/,
      );
    });
  });

  describe("renewalWindow", () => {
    const at = (iso: string) => new Date(iso);

    it("starts the first window at 2024-01-01 and gives 365 days from there", () => {
      assert.deepEqual(renewalWindow(at("2024-01-01T00:00:00Z")), {
        notBefore: at("2023-12-31T23:00:00Z"),
        notAfter: at("2024-12-31T00:00:00Z"), // 2024 is a leap year
      });
    });

    it("gives the same dates within a window", () => {
      const a = renewalWindow(at("2024-03-10T12:34:56.789Z"));
      assert.deepEqual(renewalWindow(at("2024-03-11T12:34:56.789Z")), a);
      assert.deepEqual(renewalWindow(at("2024-06-28T23:59:59.999Z")), a);
    });

    it("moves on at the window boundary, 180 days after the epoch", () => {
      assert.deepEqual(renewalWindow(at("2024-06-29T00:00:00Z")), {
        notBefore: at("2024-06-28T23:00:00Z"),
        notAfter: at("2025-06-29T00:00:00Z"),
      });
    });

    it("works before the epoch too", () => {
      assert.deepEqual(renewalWindow(at("2023-12-31T23:59:59Z")), {
        notBefore: at("2023-07-04T23:00:00Z"),
        notAfter: at("2024-07-04T00:00:00Z"),
      });
    });

    it("always covers now with at least lifetime minus window days left", () => {
      const cases: [number, number][] = [
        [180, 365],
        [30, 90],
        [1, 2],
      ];
      for (const [windowDays, lifetimeDays] of cases) {
        for (let t = Date.UTC(2023, 5, 1); t < Date.UTC(2031, 0, 1); t += 7 * DAY + 12_345_678) {
          const { notBefore, notAfter } = renewalWindow(new Date(t), { windowDays, lifetimeDays });
          const label = `${new Date(t).toISOString()} ${windowDays}/${lifetimeDays}`;
          assert.ok(notBefore.getTime() <= t && t < notAfter.getTime(), label);
          assert.ok(notAfter.getTime() - t >= (lifetimeDays - windowDays) * DAY, label);
          assert.equal(notBefore.getUTCMilliseconds() + notAfter.getUTCMilliseconds(), 0, label);
        }
      }
    });

    it("refuses bad options and dates", () => {
      assert.throws(() => renewalWindow(new Date(), { lifetimeDays: 180 }), /more than windowDays/);
      assert.throws(
        () => renewalWindow(new Date(), { windowDays: 400 }),
        /more than windowDays \(400\)/,
      );
      assert.throws(() => renewalWindow(new Date(), { windowDays: 0 }), /windowDays/);
      assert.throws(() => renewalWindow(new Date(), { windowDays: 1.5 }), /windowDays/);
      assert.throws(() => renewalWindow(new Date(), { lifetimeDays: 365.5 }), /lifetimeDays/);
      assert.throws(() => renewalWindow(new Date("not a date")), /valid date/);
    });
  });
});
