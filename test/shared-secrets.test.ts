import * as assert from "assert";
import { SECRET_SEED_LENGTH, aclTokenFromSeed, gossipKeyFromSeed } from "../core/shared-secrets";

const SEED = "a".repeat(SECRET_SEED_LENGTH);
const OTHER_SEED = `${"a".repeat(SECRET_SEED_LENGTH - 1)}b`;

describe("shared secrets derived from a RandomPassword seed", () => {
  it("makes a gossip key Consul accepts: 32 bytes in canonical base64", () => {
    const key = gossipKeyFromSeed(SEED);
    const bytes = Buffer.from(key, "base64");
    assert.strictEqual(bytes.length, 32);
    assert.strictEqual(bytes.toString("base64"), key);
  });

  it("makes an ACL token in the form Consul generates: a version 4 UUID", () => {
    assert.match(
      aclTokenFromSeed(SEED),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("gives deployed stacks the key and token they already have (derivation unchanged)", () => {
    // Computed with Python's hashlib and uuid, not with this code: SHA-256 over
    // "distributed-consul gossip key\n" + seed, base64; the first 16 bytes of SHA-256 over
    // "distributed-consul acl token\n" + seed as a version 4 UUID. A change here would give every
    // existing cluster a new gossip key and management token on its next `pulumi up`.
    assert.strictEqual(gossipKeyFromSeed(SEED), "3jf0yTp37Px7aISz2kJXLBF5y+fViYBBziJov7s9yyo=");
    assert.strictEqual(aclTokenFromSeed(SEED), "f5493ca6-c82f-4e2c-a5ac-6cee0d9549d1");
  });

  it("changes wholly with one character of the seed", () => {
    const a = Buffer.from(gossipKeyFromSeed(SEED), "base64");
    const b = Buffer.from(gossipKeyFromSeed(OTHER_SEED), "base64");
    const sameBytes = a.filter((byte, i) => byte === b[i]).length;
    assert.ok(sameBytes < 8, `${sameBytes} of 32 bytes equal`);
    assert.notStrictEqual(aclTokenFromSeed(SEED), aclTokenFromSeed(OTHER_SEED));
  });

  it("derives unrelated key and token from the same seed", () => {
    const keyHex = Buffer.from(gossipKeyFromSeed(SEED), "base64").toString("hex");
    const tokenHex = aclTokenFromSeed(SEED).replace(/-/g, "");
    assert.ok(!keyHex.includes(tokenHex.slice(0, 12)), `${keyHex} / ${tokenHex}`);
  });

  it("refuses a seed shorter than the length the program asks RandomPassword for", () => {
    assert.throws(() => gossipKeyFromSeed("short"), /at least 64 characters, not 5/);
  });
});
