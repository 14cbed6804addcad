import * as assert from "assert";
import {
  SECRET_SEED_LENGTH,
  aclTokenFromSeed,
  gossipKeyFromSeed,
} from "../components/core/shared-secrets";

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

  it("is stable for one seed, so a second run changes nothing", () => {
    assert.strictEqual(gossipKeyFromSeed(SEED), gossipKeyFromSeed(`${SEED}`));
    assert.strictEqual(aclTokenFromSeed(SEED), aclTokenFromSeed(`${SEED}`));
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
