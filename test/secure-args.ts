// Security arguments for component tests: the shared secrets a server that does not bootstrap
// must be given (the building blocks are secure by default), fixed and fake.
import * as pulumi from "@pulumi/pulumi";
import { certificateAuthority, keySeed } from "../core/certificates";

/** A CA (Ed25519, as the components make them), valid 2026-2036. */
export const TEST_CA = certificateAuthority({
  keySeed: keySeed("a".repeat(64), "ca"),
  commonName: "test CA",
  notBefore: new Date("2026-01-01T00:00:00Z"),
  notAfter: new Date("2036-01-01T00:00:00Z"),
});

/** The `tls` argument of a server with {@link TEST_CA}, its key a secret as callers pass it. */
export function testTls(): { caCertificate: string; caPrivateKey: pulumi.Output<string> } {
  return {
    caCertificate: TEST_CA.certificatePem,
    caPrivateKey: pulumi.secret(TEST_CA.privateKeyPem),
  };
}

/** A well-formed gossip key (32 bytes, base64) made of one repeated byte. */
export function testGossipKey(byte: number): string {
  return Buffer.alloc(32, byte).toString("base64");
}

/** A global server's agent token (a UUID), as a caller would have made it through the API. */
export const TEST_AGENT_TOKEN = "55555555-5555-4555-8555-555555555555";

/**
 * A `GlobalConsul` output passed on to an argument that requires a value: the output's type
 * allows `undefined` (its protection turned off), the argument's does not. An absent value
 * becomes "", which the receiving component refuses as empty.
 */
export function passedOn(output: pulumi.Output<string | undefined>): pulumi.Output<string> {
  return output.apply((value) => value ?? "");
}
