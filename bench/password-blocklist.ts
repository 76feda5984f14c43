/**
 * What the dictionary rule costs: the memory its word index and matchers take once loaded, the
 * time to load them (what the server does before it listens) from the index's file or, when
 * there is none yet, from the lists, the time of the first check and of later checks of
 * 256-character passwords of several kinds, and the time to build the index from the lists
 * (what a start without the file does). Run it alone, in a process of its own, with the flag
 * `npm start` gives:
 *
 *   node --expose-gc --max-semi-space-size=4 --import tsx bench/password-blocklist.ts
 *
 * Prints one JSON line.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { buildWordIndex } from "../src/passwords/common-word-lists.ts";
import { isPredictablePassword, loadDictionaryRule } from "../src/passwords/dictionary.ts";
import { wordIndexCachePath } from "../src/passwords/word-index-file.ts";

const CHECKS_PER_KIND = 200;
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-.:=?@^_~";

function pick(alphabet: string, length: number): string {
  return Array.from(randomBytes(length), (byte) => alphabet.charAt(byte % alphabet.length)).join(
    "",
  );
}

const KINDS: Record<string, () => string> = {
  random: () => pick(ALPHABET, 256),
  lookalikes: () => pick("1|!7<6#9@4$5+0(8%2[{3", 256),
  passphrase: () => "violet lanterns drift upstream while ".repeat(7).slice(0, 256),
  sequencesAroundLookalikes: () =>
    `${"abcdefghijklmnopqrstuvwxyz".repeat(4).slice(0, 100)}${pick("1|!7<6#9@4$", 56)}${"9876543210".repeat(10)}`,
  keyboardAroundLetters: () =>
    `${"qwertyuiop".repeat(10)}${pick("abcdefghijklmnopqrstuvwxyz", 56)}${"asdfghjkl;".repeat(10)}`,
};

function measureMemory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const loadedFrom = existsSync(wordIndexCachePath()) ? "file" : "lists";
const before = measureMemory();
const loadStarted = performance.now();
loadDictionaryRule();
const loadMillis = performance.now() - loadStarted;
const firstStarted = performance.now();
isPredictablePassword(KINDS.random?.() ?? "");
const firstCheckMillis = performance.now() - firstStarted;
const after = measureMemory();

const perKind: Record<string, { medianMillis: number; p99Millis: number; maxMillis: number }> = {};
for (const [kind, make] of Object.entries(KINDS)) {
  const millis: number[] = [];
  for (let check = 0; check < CHECKS_PER_KIND; check++) {
    const password = make();
    const started = performance.now();
    isPredictablePassword(password);
    millis.push(performance.now() - started);
  }
  millis.sort((a, b) => a - b);
  const at = (fraction: number) =>
    millis[Math.min(millis.length - 1, Math.floor(fraction * millis.length))] ?? 0;
  perKind[kind] = { medianMillis: at(0.5), p99Millis: at(0.99), maxMillis: at(1) };
}

const buildStarted = performance.now();
buildWordIndex();
const buildMillis = performance.now() - buildStarted;

process.stdout.write(
  `${JSON.stringify({
    gcExposed: typeof globalThis.gc === "function",
    loadedFrom,
    loadMillis,
    firstCheckMillis,
    buildMillis,
    loadedRssBytes: after.rss - before.rss,
    loadedHeapBytes: after.heapUsed - before.heapUsed,
    checksPerKind: CHECKS_PER_KIND,
    perKind,
  })}\n`,
);
