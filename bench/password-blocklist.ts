/**
 * What the dictionary rule costs: the memory its lists and matchers take once loaded (on the
 * first check), the time of that first check, and the time of later checks of 256-character
 * passwords of several kinds. Run it alone, in a process of its own:
 *
 *   node --expose-gc --import tsx bench/password-blocklist.ts
 *
 * Prints one JSON line.
 */
import { randomBytes } from "node:crypto";
import { isPredictablePassword } from "../src/passwords/dictionary.ts";

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

const before = measureMemory();
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

process.stdout.write(
  `${JSON.stringify({
    gcExposed: typeof globalThis.gc === "function",
    firstCheckMillis,
    loadedRssBytes: after.rss - before.rss,
    loadedHeapBytes: after.heapUsed - before.heapUsed,
    checksPerKind: CHECKS_PER_KIND,
    perKind,
  })}\n`,
);
