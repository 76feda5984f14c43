/**
 * Sorted entries packed into two typed arrays: entry k is the bytes
 * `bytes[starts[k] .. starts[k + 1])`, each UTF-16 unit of the entry written as UTF-8 writes a
 * code point (1 byte for ASCII, 2 or 3 for the rest, surrogates as they are). Bytes compare in the
 * order their units do, so the entries stay sorted as `Array.prototype.sort()` sorts strings.
 * 183,763 entries take 2 MB this way, outside the JavaScript heap.
 */
export interface PackedWords {
  bytes: Uint8Array;
  /** One more than there are entries: the last is where the last entry ends. */
  starts: Uint32Array;
}

/** The common passwords, words and names, searchable by prefix forwards and backwards. */
export interface WordIndex {
  /** Every entry, sorted: the entries starting with a prefix are one contiguous range. */
  forward: PackedWords;
  /** Every entry reversed, sorted the same way, to find words typed backwards. */
  backward: PackedWords;
}

/** Entries [low, high) of a PackedWords. */
export type WordRange = readonly [low: number, high: number];

/** Packs entries already sorted in UTF-16 unit order (what `Array.prototype.sort()` gives). */
export function packWords(sorted: readonly string[]): PackedWords {
  const starts = new Uint32Array(sorted.length + 1);
  let length = 0;
  sorted.forEach((entry, k) => {
    starts[k] = length;
    length += countBytes(entry, 0, entry.length);
  });
  starts[sorted.length] = length;
  const bytes = new Uint8Array(length);
  sorted.forEach((entry, k) => {
    bytes.set(encodeUnits(entry, 0), starts[k]);
  });
  return { bytes, starts };
}

export function countWords(words: PackedWords): number {
  return words.starts.length - 1;
}

/** Entry k as a string (for tests and diagnostics; the search never builds one). */
export function readWord(words: PackedWords, k: number): string {
  const { bytes } = words;
  const units: number[] = [];
  for (let at = words.starts[k] ?? 0; at < (words.starts[k + 1] ?? 0); ) {
    const lead = bytes[at] ?? 0;
    const size = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : 3;
    let unit = size === 1 ? lead : lead & (size === 2 ? 0x1f : 0x0f);
    for (let next = 1; next < size; next++) unit = (unit << 6) | ((bytes[at + next] ?? 0) & 0x3f);
    units.push(unit);
    at += size;
  }
  return String.fromCharCode(...units);
}

/**
 * The range, within `range`, of the entries starting with `prefix`, or undefined when there are
 * none. Every entry of `range` must already start with `prefix`'s first `known` units (it is the
 * range of a shorter reading), so only the units after them are compared.
 */
export function narrowRange(
  words: PackedWords,
  [low, high]: WordRange,
  prefix: string,
  known: number,
): WordRange | undefined {
  const from = countBytes(prefix, 0, known);
  const tail = encodeUnits(prefix, known);
  const first = searchFirst(low, high, (k) => compareTail(words, k, from, tail) >= 0);
  const end = searchFirst(first, high, (k) => compareTail(words, k, from, tail) > 0);
  return first < end ? [first, end] : undefined;
}

/** Whether entry k, which starts with `prefix`, is `prefix` itself. */
export function isWholeEntry(words: PackedWords, k: number, prefix: string): boolean {
  return (
    (words.starts[k + 1] ?? 0) - (words.starts[k] ?? 0) === countBytes(prefix, 0, prefix.length)
  );
}

/**
 * 0 when entry k's bytes from `from` on start with `tail`; otherwise below or above 0 as the
 * entry sorts before or after them.
 */
function compareTail(words: PackedWords, k: number, from: number, tail: Uint8Array): number {
  const start = (words.starts[k] ?? 0) + from;
  const length = (words.starts[k + 1] ?? 0) - start;
  for (let at = 0; at < tail.length; at++) {
    if (at >= length) return -1;
    const difference = (words.bytes[start + at] ?? 0) - (tail[at] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function countBytes(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const unit = text.charCodeAt(k);
    count += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
  }
  return count;
}

/** text's units from `from` on, as packWords writes them. */
function encodeUnits(text: string, from: number): Uint8Array {
  const bytes = new Uint8Array(countBytes(text, from, text.length));
  let at = 0;
  for (let k = from; k < text.length; k++) {
    const unit = text.charCodeAt(k);
    if (unit < 0x80) {
      bytes[at++] = unit;
    } else if (unit < 0x800) {
      bytes[at++] = 0xc0 | (unit >> 6);
      bytes[at++] = 0x80 | (unit & 0x3f);
    } else {
      bytes[at++] = 0xe0 | (unit >> 12);
      bytes[at++] = 0x80 | ((unit >> 6) & 0x3f);
      bytes[at++] = 0x80 | (unit & 0x3f);
    }
  }
  return bytes;
}

/** The first k in [low, high) for which `test`, false then true over the range, holds. */
function searchFirst(low: number, high: number, test: (k: number) => boolean): number {
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (test(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}
