import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countWords,
  isWholeEntry,
  narrowRange,
  packWords,
  readWord,
  type WordRange,
} from "../../src/passwords/word-index.ts";

// Units of every width the packing writes: ASCII, 2 and 3 bytes, both halves of a surrogate
// pair, and the highest unit, whose order against surrogates differs from code point order.
const UNITS = [
  "a",
  "b",
  "z",
  "'",
  "é",
  "ğ",
  "\u2010",
  "철",
  "\ud83c",
  "\udf4e",
  "\ufb01",
  "\uffff",
];
const word = fc.array(fc.constantFrom(...UNITS), { maxLength: 5 }).map((units) => units.join(""));
const words = fc.uniqueArray(word, { maxLength: 40 }).map((list) => [...list].sort());

/** What the index replaces: the range of a sorted string array whose entries start with prefix. */
function rangeOfStrings(sorted: readonly string[], prefix: string): WordRange | undefined {
  const first = sorted.findIndex((entry) => entry >= prefix);
  if (first < 0 || !sorted[first]?.startsWith(prefix)) return undefined;
  const after = sorted.findIndex((entry, k) => k > first && !entry.startsWith(prefix));
  return [first, after < 0 ? sorted.length : after];
}

describe("a packed word list", () => {
  it("reads back every entry, in order, whatever its characters", () => {
    fc.assert(
      fc.property(words, (sorted) => {
        const packed = packWords(sorted);
        expect(countWords(packed)).toBe(sorted.length);
        expect(sorted.map((_, k) => readWord(packed, k))).toEqual(sorted);
      }),
    );
  });

  it("finds the same entries for a prefix as startsWith over the sorted strings", () => {
    fc.assert(
      fc.property(words, word, fc.nat(5), (sorted, prefix, cut) => {
        const packed = packWords(sorted);
        // As the search does: narrow to a shorter reading first, then to the whole prefix.
        const known = Math.min(cut, prefix.length);
        const shorter = narrowRange(packed, [0, sorted.length], prefix.slice(0, known), 0);
        expect(shorter).toEqual(rangeOfStrings(sorted, prefix.slice(0, known)));
        const range = narrowRange(packed, shorter ?? [0, 0], prefix, known);
        expect(range).toEqual(rangeOfStrings(sorted, prefix));
        if (range) {
          expect(isWholeEntry(packed, range[0], prefix)).toBe(sorted[range[0]] === prefix);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("finds nothing in an empty range or for a prefix no entry has", () => {
    const packed = packWords(["sun", "sunshine", "sunny"].sort());
    expect(narrowRange(packed, [0, 0], "sun", 0)).toBeUndefined();
    expect(narrowRange(packed, [0, 3], "moon", 0)).toBeUndefined();
    expect(narrowRange(packed, [0, 3], "sunz", 0)).toBeUndefined();
    expect(narrowRange(packed, [0, 3], "sunn", 3)).toEqual([1, 2]);
  });
});
