import { describe, expect, it } from "vitest";
import { createOpaqueId, pooledRandomBytes } from "../../src/password-reset/tokens.ts";

describe("pooledRandomBytes", () => {
  it("hands out each byte of the pool once, across refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const bytes = pooledRandomBytes(16);
      expect(bytes).toHaveLength(16);
      seen.add(Buffer.from(bytes).toString("hex"));
    }
    expect(seen.size).toBe(1_000);
  });

  it("never rewrites bytes it handed out when it refills", () => {
    const bytes = pooledRandomBytes(16);
    const copy = Buffer.from(bytes);
    for (let i = 0; i < 600; i++) pooledRandomBytes(16);
    expect(Buffer.from(bytes)).toEqual(copy);
  });

  it("serves a request larger than its pool", () => {
    expect(pooledRandomBytes(10_000)).toHaveLength(10_000);
  });
});

describe("createOpaqueId", () => {
  it("is the prefix and 16 bytes in base64url, different every time", () => {
    const ids = Array.from({ length: 500 }, () => createOpaqueId("req"));
    for (const id of ids) expect(id).toMatch(/^req_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
