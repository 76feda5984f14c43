import { describe, expect, it } from "vitest";
import { findIllFormedText, isWellFormedText } from "../src/well-formed-text.ts";

describe("isWellFormedText", () => {
  it("accepts any text without a lone surrogate, astral characters included", () => {
    for (const text of ["", "jane@example.com", "é", "e\u0301", "😀", "\ufffd", "日本"]) {
      expect(isWellFormedText(text)).toBe(true);
    }
  });

  it("refuses lone high and low surrogates anywhere in the string", () => {
    for (const text of ["\ud800", "\udc00", "\ud800x@corp.example", "a\udfff", "😀".slice(0, 1)]) {
      expect(isWellFormedText(text)).toBe(false);
    }
  });
});

describe("findIllFormedText", () => {
  it("names the first ill-formed value or key by its path", () => {
    expect(findIllFormedText({ email: "a@b.co", connection: "x" })).toBeUndefined();
    expect(findIllFormedText({ email: "\ud800x@corp.example" })).toBe("email");
    expect(findIllFormedText({ view: { state: { values: ["ok", "\udc00"] } } })).toBe(
      "view.state.values[1]",
    );
    expect(findIllFormedText({ "bad\ud800": 1 })).toBe("bad\ud800");
    expect(findIllFormedText("\ud800")).toBe("(value)");
  });

  it("ignores numbers, booleans and null", () => {
    expect(findIllFormedText({ a: 1, b: true, c: null, d: [1, 2] })).toBeUndefined();
  });

  it("refuses structures nested beyond any real payload", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(findIllFormedText(deep)).toBe("(too deep)");
  });
});
