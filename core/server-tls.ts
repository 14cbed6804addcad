import { KeyObject, X509Certificate, createPrivateKey } from "crypto";
import { Problem, error } from "./problems";
import {
  CaIdentity,
  CertificatePair,
  ed25519SeedOf,
  keySeed,
  renewalWindow,
  serverCertificate,
} from "./certificates";

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
  const seed = ed25519SeedOf(der);
  if (!seed) {
    throw new Error("the CA private key is not an Ed25519 key made by certificateAuthority.");
  }
  const subject = new X509Certificate(ca.certificatePem).subject;
  const match = /^CN=([^\n]+)$/.exec(subject);
  if (!match) throw new Error(`the CA certificate's subject "${subject}" is not a single CN.`);
  return { keySeed: seed, commonName: match[1] };
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

/**
 * The names a client agent's certificate carries: `client.<dc>.consul` (the name Consul's own
 * `consul tls cert create -client` gives; a client never carries `server.<dc>.consul`, so it
 * cannot pose as a server to agents that check `verify_server_hostname`), `localhost`, and the
 * addresses its HTTPS API is reached at (the host address, 127.0.0.1).
 */
export function clientCertificateNames(id: ServerIdentity): {
  dnsNames: string[];
  ipAddresses: string[];
} {
  return {
    dnsNames: [`client.${id.datacenter}.consul`, "localhost"],
    ipAddresses: [...new Set([id.hostAddress, "127.0.0.1"])],
  };
}

/**
 * A client agent's TLS files, issued by `ca` as {@link issueServerTls} issues a server's (same
 * renewal window, same determinism), for the names of {@link clientCertificateNames}. The
 * certificate is good for TLS client and server authentication: the agent presents it to the
 * servers (which verify incoming RPC) and on its own HTTPS API.
 */
export function issueClientTls(ca: CertificatePair, id: ServerIdentity, now: Date): ServerTlsFiles {
  const window = renewalWindow(now);
  const issued = serverCertificate({
    ca: caIdentityOf(ca),
    keySeed: keySeed(
      ca.privateKeyPem,
      `client ${id.datacenter} ${id.nodeName} ${id.hostAddress} ${window.notBefore.toISOString()}`,
    ),
    commonName: `client.${id.datacenter}.consul`,
    ...clientCertificateNames(id),
    notBefore: window.notBefore,
    notAfter: window.notAfter,
  });
  return {
    caCertificate: ca.certificatePem,
    certificate: issued.certificatePem,
    privateKey: issued.privateKeyPem,
  };
}

/**
 * Problems with a CA given as PEM text (certificate and private key), each naming the key it is
 * read from (`keyOf("certificate")`, `keyOf("privateKey")`): a certificate that does not parse,
 * is not a CA or has expired, a key that is not the Ed25519 key this project makes, or a key and
 * certificate of different CAs. `now` is when the check runs.
 */
export function checkCaPem(
  certificatePem: string,
  privateKeyPem: string,
  keyOf: (part: "certificate" | "privateKey") => string,
  now: Date,
): Problem[] {
  const problems: Problem[] = [];
  let certificate: X509Certificate | undefined;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    problems.push(
      error(
        keyOf("certificate"),
        "is not a PEM certificate; give the CA's certificate (-----BEGIN CERTIFICATE-----…), e.g. the bootstrap stack's tlsCaCertificate output.",
      ),
    );
  }
  if (certificate && !certificate.ca) {
    problems.push(
      error(
        keyOf("certificate"),
        "is not a CA certificate; give the certificate of the CA itself.",
      ),
    );
  }
  if (certificate && new Date(certificate.validTo).getTime() <= now.getTime()) {
    problems.push(
      error(
        keyOf("certificate"),
        `expired on ${new Date(certificate.validTo).toISOString()}; make a new CA (see the README, Security: rotating).`,
      ),
    );
  }
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    // Reported below.
  }
  if (!key || key.asymmetricKeyType !== "ed25519") {
    problems.push(
      error(
        keyOf("privateKey"),
        "is not an Ed25519 private key (PEM, PKCS#8) as the bootstrap stack makes; give the CA's key, e.g. its tlsCaKey output.",
      ),
    );
  } else if (certificate && !certificate.checkPrivateKey(key)) {
    problems.push(
      error(
        keyOf("privateKey"),
        `does not belong to the certificate in ${keyOf("certificate")}; give the key and the certificate of the same CA.`,
      ),
    );
  }
  return problems;
}
