import { createRequire } from "node:module";

type Zxcvbn = typeof import("@zxcvbn-ts/core");
type CommonLists = typeof import("@zxcvbn-ts/language-common");
type EnglishLists = typeof import("@zxcvbn-ts/language-en");

/**
 * The lists, by their names in @zxcvbn-ts: 49,233 passwords ranked by how often they appear in
 * breaches, the EFF diceware words, the most frequent English words (of subtitles and of
 * Wikipedia), and US first and last names: 183,763 entries once lower-cased.
 */
const LISTS = {
  common: ["passwords-common", "diceware-common"],
  english: ["commonWords-en", "wikipedia-en", "firstnames-en", "lastnames-en"],
} as const;

interface WordIndex {
  /** Every entry, sorted: the entries starting with a prefix are one contiguous range. */
  forward: readonly string[];
  /** Every entry reversed, sorted the same way, to find words typed backwards. */
  backward: readonly string[];
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

let loaded: WordIndex | undefined;

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
  const index = loadWordIndex();
  // Per UTF-16 unit, so that positions stay those of the password ("İ" lower-cases to two).
  const lower = Array.from({ length: password.length }, (_, k) => password.charAt(k).toLowerCase());
  const everything = { forward: [0, index.forward.length], backward: [0, index.backward.length] };

  const extend = (position: number, reading: string, within: typeof everything): boolean => {
    if (budget.steps-- <= 0) return false;
    const forward = narrow(index.forward, reading, within.forward);
    const backward = narrow(index.backward, reading, within.backward);
    if (forward === undefined && backward === undefined) return false;
    const isWord =
      index.forward[forward?.[0] ?? -1] === reading ||
      index.backward[backward?.[0] ?? -1] === reading;
    if (reading.length > 0 && isWord && found(position)) return true;
    if (position >= password.length) return false;
    const ranges = { forward: forward ?? [0, 0], backward: backward ?? [0, 0] };
    if (extend(position + 1, reading + lower[position], ranges)) return true;
    for (const [lookalike, letters] of index.lookalikes) {
      if (!startsAt(lower, position, lookalike)) continue;
      for (const letter of letters) {
        if (extend(position + lookalike.length, reading + letter, ranges)) return true;
      }
    }
    return false;
  };
  return extend(start, "", everything);
}

/** Whether the whole token reads as a common password, word or name (see findCommonWords). */
export function isCommonWord(token: string): boolean {
  return findCommonWords(token, 0, (end) => end === token.length);
}

/** The range of `sorted`, within `[low, high)`, of the entries starting with `prefix`. */
function narrow(
  sorted: readonly string[],
  prefix: string,
  [low, high]: readonly number[],
): [number, number] | undefined {
  const first = searchFirst(sorted, low ?? 0, high ?? 0, (entry) => entry >= prefix);
  const end = searchFirst(sorted, first, high ?? 0, (entry) => !entry.startsWith(prefix));
  return first < end ? [first, end] : undefined;
}

/** The first index in [low, high) whose entry satisfies `test`, which is false then true. */
function searchFirst(
  sorted: readonly string[],
  low: number,
  high: number,
  test: (entry: string) => boolean,
): number {
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (test(sorted[middle] ?? "")) high = middle;
    else low = middle + 1;
  }
  return low;
}

function startsAt(units: readonly string[], position: number, text: string): boolean {
  for (let k = 0; k < text.length; k++) if (units[position + k] !== text.charAt(k)) return false;
  return true;
}

/**
 * Loaded on the first check rather than at import: the lists are about 3 MB of JavaScript
 * (tens of MB once parsed), which neither the CLI's other commands nor a server that is
 * only starting should pay for. `require` because the policy check is synchronous.
 */
function loadWordIndex(): WordIndex {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const { Options } = require("@zxcvbn-ts/core") as Zxcvbn;
  const common = require("@zxcvbn-ts/language-common") as CommonLists;
  const english = require("@zxcvbn-ts/language-en") as EnglishLists;
  const entries = new Set<string>();
  for (const list of [
    ...LISTS.common.map((name) => common.dictionary[name]),
    ...LISTS.english.map((name) => english.dictionary[name]),
  ]) {
    for (const entry of list) entries.add(entry.toLowerCase());
  }
  const lookalikes = new Map<string, string[]>();
  for (const [letter, substitutes] of Object.entries(new Options().l33tTable)) {
    for (const substitute of substitutes) {
      lookalikes.set(substitute, [...(lookalikes.get(substitute) ?? []), letter]);
    }
  }
  loaded = {
    forward: [...entries].sort(),
    backward: [...entries].map((entry) => [...entry].reverse().join("")).sort(),
    lookalikes: [...lookalikes],
  };
  return loaded;
}
