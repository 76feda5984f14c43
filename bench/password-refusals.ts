/**
 * How often the dictionary rule refuses passwords drawn at random (seeded, so every run draws
 * the same ones), by kind, with a digest of every answer and of every word the search finds:
 * two versions of the rule answer alike exactly when their digests match. Run it before and
 * after a change that must not change what the rule refuses (about 20 s):
 *
 *   node --import tsx bench/password-refusals.ts
 *
 * Prints one JSON line.
 */
import { createHash } from "node:crypto";
import { findCommonWords, WORD_SEARCH_STEPS } from "../src/passwords/common-words.ts";
import { isPredictablePassword } from "../src/passwords/dictionary.ts";

// mulberry32: a small seeded generator, so that the draws are the same on every run.
let state = 0x9e3779b9;
function random(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const pickOne = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const pick = (alphabet: readonly string[], length: number): string =>
  Array.from({ length }, () => pickOne(alphabet)).join("");

const PRINTABLE = [...Array.from({ length: 94 }, (_, k) => String.fromCharCode(33 + k))];
const GENERATED = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-.:=?@^_~",
];
const LOOKALIKES = [..."1|!7<6#9@4$5+0(8%2[{3_()/\\"];
const LETTERS = [..."abcdefghijklmnopqrstuvwxyz"];
const MIXED = [..."abcdefghijklmnopqrstuvwxyz0123456789@$!|_ İéß\u{1f34e}"];
const PIECES = ["password", "sunshine", "dragon", "monkey", "lantern", "jennifer", "smith"].concat([
  "qwerty",
  "drowssap",
  "p@ssw0rd",
  "|_|nic0rn",
  "1234",
  "2024",
  "!!",
  "asdf",
  "Xk7",
  "café",
]);

// Kind → how many, and how to draw one.
const KINDS: Record<string, [number, () => string]> = {
  printable15: [100_000, () => pick(PRINTABLE, 15)],
  generated15: [50_000, () => pick(GENERATED, 15)],
  generated20: [20_000, () => pick(GENERATED, 20)],
  letters12: [20_000, () => pick(LETTERS, 12)],
  lookalikes16: [10_000, () => pick(LOOKALIKES, 16)],
  mixed18: [10_000, () => pick(MIXED, 18)],
  pieces: [
    20_000,
    () =>
      Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        random() < 0.6 ? pickOne(PIECES) : pick(GENERATED, 1 + Math.floor(random() * 3)),
      ).join(""),
  ],
  generated256: [200, () => pick(GENERATED, 256)],
  lookalikes256: [100, () => pick(LOOKALIKES, 256)],
};

const results: Record<string, unknown> = {};
for (const [kind, [count, draw]] of Object.entries(KINDS)) {
  const digest = createHash("sha256");
  let refused = 0;
  for (let k = 0; k < count; k++) {
    const password = draw();
    const predictable = isPredictablePassword(password);
    if (predictable) refused++;
    digest.update(`${password}\0${predictable ? 1 : 0}\n`);
  }
  results[kind] = { count, refused, digest: digest.digest("hex").slice(0, 16) };
}

// The word search alone: every end found from every start, and the steps it took.
const words = createHash("sha256");
let ends = 0;
let steps = 0;
for (let k = 0; k < 3000; k++) {
  const alphabet = pickOne([LETTERS, LOOKALIKES, MIXED, GENERATED]);
  const text = k % 5 === 0 ? pickOne(PIECES) + pick(alphabet, 4) : pick(alphabet, 6 + (k % 30));
  const budget = { steps: WORD_SEARCH_STEPS };
  for (let start = 0; start < text.length; start++) {
    const found: number[] = [];
    findCommonWords(text, start, (end) => found.push(end) < 0, budget);
    ends += found.length;
    words.update(`${text}\0${start}\0${found.join(",")}\n`);
  }
  steps += WORD_SEARCH_STEPS - budget.steps;
}
results.wordSearch = { ends, steps, digest: words.digest("hex").slice(0, 16) };

process.stdout.write(`${JSON.stringify(results)}\n`);
