import { findCommonWords, loadCommonWords, WORD_SEARCH_STEPS } from "./common-words.ts";
import { findPatternSpans, loadMatchers, type PatternSpan } from "./predictable-patterns.ts";

/** Characters a predictable password may hold beyond its word and patterns. */
export const MAX_OTHER_CHARACTERS = 4;

/**
 * What the dictionary rule asks for, as the checklist and the failure message say it: more than
 * MAX_OTHER_CHARACTERS characters left once the patterns and one word are set aside.
 */
export const DICTIONARY_RULE_TEXT =
  `At least ${MAX_OTHER_CHARACTERS + 1} characters besides keyboard patterns, sequences, ` +
  "repeats, years, dates and one common password, word or name " +
  "(in any case, reversed or with look-alikes like p@ssw0rd)";

/**
 * Whether the password is predictable: it can be cut into pieces of which at most one is a
 * common password, word or name (see findCommonWords), the others keyboard patterns,
 * sequences, repeats, years or dates (see findPatternSpans), plus at most MAX_OTHER_CHARACTERS
 * other characters (code points) anywhere.
 *
 * This is what guessing tools try first (a word from a list, mangled and padded with digits,
 * symbols, a year or a keyboard run), while a passphrase of several words, which NIST SP
 * 800-63B-4 favours, passes however common each word is. A call takes a few milliseconds, even
 * for 256 characters, once loadDictionaryRule has run (the first call runs it otherwise).
 */
export function isPredictablePassword(raw: string): boolean {
  const password = raw.normalize("NFC");
  if (countOtherCharacters(password) <= MAX_OTHER_CHARACTERS) return true;
  const spans = findPatternSpans(password);
  const prefix = coverFromStart(password, spans);
  const suffix = coverFromEnd(password, spans);
  if ((prefix[password.length] ?? Infinity) <= MAX_OTHER_CHARACTERS) return true;
  // The one word sits between a prefix and a suffix that patterns cover, all but a few
  // characters: only there is a dictionary search worth its cost.
  const budget = { steps: WORD_SEARCH_STEPS };
  for (let start = 0; start < password.length; start++) {
    const before = prefix[start] ?? Infinity;
    if (before > MAX_OTHER_CHARACTERS) continue;
    const fits = (end: number) => before + (suffix[end] ?? Infinity) <= MAX_OTHER_CHARACTERS;
    if (findCommonWords(password, start, fits, budget)) return true;
  }
  return false;
}

/**
 * Loads the word index and zxcvbn's matchers: a few milliseconds when the index's cache file
 * exists (see word-index-file.ts), about 0.6 s when it must be built. The server runs it
 * before it accepts requests, so that no password check waits for it.
 */
export function loadDictionaryRule(): void {
  loadCommonWords();
  loadMatchers();
  loaded = true;
}

let loaded = false;

/** Whether loadDictionaryRule has run (the server's tests check that it runs at start-up). */
export function isDictionaryRuleLoaded(): boolean {
  return loaded;
}

/** cover[k]: the fewest other characters with which patterns cover password[0, k). */
function coverFromStart(password: string, spans: readonly PatternSpan[]): number[] {
  const endingAt = groupBy(spans, (span) => span.end);
  const cover = [0];
  for (let k = 1; k <= password.length; k++) {
    let best = (cover[k - 1] ?? Infinity) + weightAt(password, k - 1);
    for (const span of endingAt.get(k) ?? []) best = Math.min(best, cover[span.start] ?? Infinity);
    cover[k] = best;
  }
  return cover;
}

/** cover[k]: the fewest other characters with which patterns cover password[k, end). */
function coverFromEnd(password: string, spans: readonly PatternSpan[]): number[] {
  const startingAt = groupBy(spans, (span) => span.start);
  const cover: number[] = [];
  cover[password.length] = 0;
  for (let k = password.length - 1; k >= 0; k--) {
    let best = (cover[k + 1] ?? Infinity) + weightAt(password, k);
    for (const span of startingAt.get(k) ?? []) best = Math.min(best, cover[span.end] ?? Infinity);
    cover[k] = best;
  }
  return cover;
}

function countOtherCharacters(password: string): number {
  let count = 0;
  for (let k = 0; k < password.length; k++) count += weightAt(password, k);
  return count;
}

// Characters are counted as code points: the second half of a surrogate pair weighs nothing.
function weightAt(password: string, index: number): number {
  const code = password.charCodeAt(index);
  const isLowSurrogate = code >= 0xdc00 && code <= 0xdfff;
  const followsHigh = index > 0 && (password.charCodeAt(index - 1) & 0xfc00) === 0xd800;
  return isLowSurrogate && followsHigh ? 0 : 1;
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
