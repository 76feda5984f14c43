import { describe, expect, it } from "vitest";
import { parseUrlEncoded, singleValue } from "../../src/http/reset-page/read-form.ts";

const fieldsOf = (text: string) => {
  const read = parseUrlEncoded(text);
  if (!read.ok) throw new Error(`refused: ${read.reason}`);
  return Object.fromEntries(read.fields);
};

describe("parseUrlEncoded", () => {
  it("decodes as URLSearchParams does for well-formed input", () => {
    for (const text of [
      "ticket=abc&password=caf%C3%A9+au+lait&confirmation=caf%C3%A9%20au%20lait",
      "a=%25&b=%zz&c=100%&d&=e&&f=1=2",
      "emoji=%F0%9F%94%91&raw=é",
    ]) {
      const expected: Record<string, string[]> = {};
      for (const [key, value] of new URLSearchParams(text)) {
        expected[key] = [...(expected[key] ?? []), value];
      }
      expect(fieldsOf(text)).toEqual(expected);
    }
  });

  it("refuses bytes that are not UTF-8 where URLSearchParams would write U+FFFD", () => {
    for (const text of [
      "password=%ED%A0%80", // a UTF-8-encoded lone surrogate (CESU-8)
      "password=%FF",
      "password=ok%E2%82",
      "%C3=name",
      "a=%C0%AF", // an overlong encoding of "/"
    ]) {
      expect(parseUrlEncoded(text)).toEqual({ ok: false, reason: "ill_formed" });
    }
  });

  it("refuses text that already holds a lone surrogate", () => {
    expect(parseUrlEncoded("password=\uD800")).toEqual({ ok: false, reason: "ill_formed" });
    expect(parseUrlEncoded("\uDC00=x")).toEqual({ ok: false, reason: "ill_formed" });
  });
});

describe("singleValue", () => {
  it("reads a field given once, and treats a missing or repeated one as absent", () => {
    const read = parseUrlEncoded("a=1&b=2&b=3");
    if (!read.ok) throw new Error("refused");
    expect(singleValue(read.fields, "a")).toBe("1");
    expect(singleValue(read.fields, "b")).toBeUndefined();
    expect(singleValue(read.fields, "c")).toBeUndefined();
  });
});
