// KV written before a step and read back after it (the restore steps of both lanes): unique keys
// under a prefix, each value unique, read back with `?consistent` through a given server.
import * as assert from "assert";
import { randomBytes } from "crypto";
import { ConsulAccess, consulGet, consulPut } from "../../testbed/probes";

/**
 * Writes `count` keys `<prefix>/<n>` with random values through the API at `address`, asserting
 * each is acknowledged; resolves to what was written, key to value.
 */
export async function writeKeys(
  address: string,
  access: ConsulAccess,
  prefix: string,
  count: number,
): Promise<Map<string, string>> {
  const written = new Map<string, string>();
  for (let n = 0; n < count; n++) {
    const key = `${prefix}/${n}`;
    const value = `value ${n} ${randomBytes(8).toString("hex")}`;
    assert.strictEqual(
      await consulPut<boolean>(address, `/v1/kv/${key}`, value, access),
      true,
      `PUT ${key}`,
    );
    written.set(key, value);
  }
  return written;
}

/** Asserts every key of `written` reads back (`?consistent`) with its value through `address`. */
export async function assertKeysRead(
  address: string,
  access: ConsulAccess,
  written: ReadonlyMap<string, string>,
  where: string,
): Promise<void> {
  for (const [key, value] of written) {
    const entries = await consulGet<{ Value: string }[]>(
      address,
      `/v1/kv/${key}?consistent`,
      access,
    );
    assert.strictEqual(
      Buffer.from(entries[0].Value, "base64").toString("utf8"),
      value,
      `${key} read through ${where}`,
    );
  }
}
