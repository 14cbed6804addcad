import { X509Certificate, createPrivateKey } from "crypto";
import {
  CaIdentity,
  CertificatePair,
  keySeed,
  renewalWindow,
  serverCertificate,
} from "./certificates";

/** PKCS#8 DER of an Ed25519 private key: this 16-byte prefix, then the 32-byte seed. */
const ED25519_PKCS8_PREFIX = "302e020100300506032b657004220420";

/**
 * The issuing identity of a CA given as PEM (certificate and Ed25519 private key, as
 * `certificateAuthority` makes them): its key seed and subject common name. Throws, naming what
 * is wrong, when the key is not an Ed25519 key or the certificate has no plain `CN=` subject.
 */
export function caIdentityOf(ca: CertificatePair): CaIdentity {
  let der: Buffer;
  try {
    der = createPrivateKey(ca.privateKeyPem).export({ format: "der", type: "pkcs8" });
  } catch {
    throw new Error("the CA private key is not a PEM private key.");
  }
  if (der.length !== 48 || der.subarray(0, 16).toString("hex") !== ED25519_PKCS8_PREFIX) {
    throw new Error("the CA private key is not an Ed25519 key made by certificateAuthority.");
  }
  const subject = new X509Certificate(ca.certificatePem).subject;
  const match = /^CN=([^\n]+)$/.exec(subject);
  if (!match) throw new Error(`the CA certificate's subject "${subject}" is not a single CN.`);
  return { keySeed: der.subarray(16), commonName: match[1] };
}

/** The TLS files of one server agent (PEM). */
export interface ServerTlsFiles {
  /** The CA certificate every agent trusts. */
  readonly caCertificate: string;
  /** This server's certificate, signed by the CA. */
  readonly certificate: string;
  /** This server's private key (secret). */
  readonly privateKey: string;
}

/** Who a server certificate is for. */
export interface ServerIdentity {
  /** The agent's node name (e.g. `node1`, `node1-vm1`). */
  readonly nodeName: string;
  /** Its datacenter. */
  readonly datacenter: string;
  /** The host address it serves HTTPS and RPC on. */
  readonly hostAddress: string;
}

/**
 * The names a server's certificate carries: `server.<dc>.consul`, which every agent checks before
 * it talks RPC to a server (`verify_server_hostname`), the node's own name under it, `localhost`,
 * and the addresses HTTPS is reached at (the host address, 127.0.0.1).
 */
export function serverCertificateNames(id: ServerIdentity): {
  dnsNames: string[];
  ipAddresses: string[];
} {
  return {
    dnsNames: [
      `server.${id.datacenter}.consul`,
      `${id.nodeName}.server.${id.datacenter}.consul`,
      "localhost",
    ],
    ipAddresses: [...new Set([id.hostAddress, "127.0.0.1"])],
  };
}

/**
 * A server's TLS files, issued by `ca` for the renewal window `now` falls in (see
 * `renewalWindow`: valid 365 days from the window's start, re-issued by the first run in each new
 * 180-day window). The key is derived from the CA's private key, the identity and the window, so
 * the same run inputs give the same bytes (no diff on a second `up`) and a new window gives a new
 * key as well as a new certificate.
 */
export function issueServerTls(ca: CertificatePair, id: ServerIdentity, now: Date): ServerTlsFiles {
  const window = renewalWindow(now);
  const names = serverCertificateNames(id);
  const issued = serverCertificate({
    ca: caIdentityOf(ca),
    keySeed: keySeed(
      ca.privateKeyPem,
      `server ${id.datacenter} ${id.nodeName} ${id.hostAddress} ${window.notBefore.toISOString()}`,
    ),
    commonName: `server.${id.datacenter}.consul`,
    ...names,
    notBefore: window.notBefore,
    notAfter: window.notAfter,
  });
  return {
    caCertificate: ca.certificatePem,
    certificate: issued.certificatePem,
    privateKey: issued.privateKeyPem,
  };
}
