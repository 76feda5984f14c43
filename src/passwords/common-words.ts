import { createRequire } from "node:module";
import {
  countWords,
  isWholeEntry,
  narrowRange,
  type WordIndex,
  type WordRange,
} from "./word-index.ts";
import { loadWordIndex } from "./word-index-file.ts";

type Zxcvbn = typeof import("@zxcvbn-ts/core");

interface CommonWords {
  index: WordIndex;
  /** Look-alike → the letters it stands for ("4" → a, "|_|" → u), from zxcvbn's l33t table. */
  lookalikes: ReadonlyArray<readonly [string, readonly string[]]>;
}

/** Bounds the work of one password check; see findCommonWords. */
export interface WordSearchBudget {
  steps: number;
}

/**
 * Steps (readings tried) for one password check. Searching 256 characters of look-alikes from
 * every position takes under 60,000 (see the tests); a check searches from a few positions.
 * Only a password built so that a huge number of readings each start a word could exhaust it;
 * the rest of that password is then not searched, which bounds the cost of a check.
 */
export const WORD_SEARCH_STEPS = 100_000;

let loaded: CommonWords | undefined;

interface Ranges {
  forward: WordRange;
  backward: WordRange;
}

const NOTHING: WordRange = [0, 0];

/**
 * Calls `found(end)` for each `end` at which `password.slice(start, end)`, ignoring case, is one
 * of the common passwords, words or names, forwards or reversed, as written or with look-alike
 * characters read as letters ("p@ssw0rd", "|_|" for u); stops at the first call that returns
 * true, and returns whether one did. Every reading is tried, pruned as soon as it starts no
 * entry, so the search is exact and its cost follows the readings that could still be words.
 */
export function findCommonWords(
  password: string,
  start: number,
  found: (end: number) => boolean,
  budget: WordSearchBudget = { steps: WORD_SEARCH_STEPS },
): boolean {
  const { index, lookalikes } = readCommonWords();
  // Per UTF-16 unit, so that positions stay those of the password ("İ" lower-cases to two).
  const lower = Array.from({ length: password.length }, (_, k) => password.charAt(k).toLowerCase());
  const everything: Ranges = {
    forward: [0, countWords(index.forward)],
    backward: [0, countWords(index.backward)],
  };

  // `within`: the ranges of the reading less its last letter, `known` units long (every entry in
  // them starts with those units).
  const extend = (position: number, reading: string, within: Ranges, known: number): boolean => {
    if (budget.steps-- <= 0) return false;
    const forward = narrowRange(index.forward, within.forward, reading, known);
    const backward = narrowRange(index.backward, within.backward, reading, known);
    if (forward === undefined && backward === undefined) return false;
    // The first entry starting with the reading is the reading itself, if it is an entry.
    const isWord =
      (forward !== undefined && isWholeEntry(index.forward, forward[0], reading)) ||
      (backward !== undefined && isWholeEntry(index.backward, backward[0], reading));
    if (reading.length > 0 && isWord && found(position)) return true;
    if (position >= password.length) return false;
    const ranges = { forward: forward ?? NOTHING, backward: backward ?? NOTHING };
    const next = reading.length;
    if (extend(position + 1, reading + lower[position], ranges, next)) return true;
    for (const [lookalike, letters] of lookalikes) {
      if (!startsAt(lower, position, lookalike)) continue;
      for (const letter of letters) {
        if (extend(position + lookalike.length, reading + letter, ranges, next)) return true;
      }
    }
    return false;
  };
  return extend(start, "", everything, 0);
}

/** Whether the whole token reads as a common password, word or name (see findCommonWords). */
export function isCommonWord(token: string): boolean {
  return findCommonWords(token, 0, (end) => end === token.length);
}

function startsAt(units: readonly string[], position: number, text: string): boolean {
  for (let k = 0; k < text.length; k++) if (units[position + k] !== text.charAt(k)) return false;
  return true;
}

/**
 * Loads the index (see word-index-file.ts: a few milliseconds from its cache file) and the
 * look-alikes, once: loadDictionaryRule at start-up, or else the first check. Synchronous
 * because the policy check is.
 */
export function loadCommonWords(): void {
  readCommonWords();
}

function readCommonWords(): CommonWords {
  if (loaded) return loaded;
  const { index } = loadWordIndex();
  // Only the l33t table of zxcvbn's Options is used: its dictionaries are never loaded.
  const { Options } = createRequire(import.meta.url)("@zxcvbn-ts/core") as Zxcvbn;
  const lookalikes = new Map<string, string[]>();
  for (const [letter, substitutes] of Object.entries(new Options().l33tTable)) {
    for (const substitute of substitutes) {
      lookalikes.set(substitute, [...(lookalikes.get(substitute) ?? []), letter]);
    }
  }
  loaded = { index, lookalikes: [...lookalikes] };
  return loaded;
}
