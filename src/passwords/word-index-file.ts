import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildWordIndex, COMMON_WORD_LISTS, findPackageFolder } from "./common-word-lists.ts";
import { countWords, type PackedWords, type WordIndex } from "./word-index.ts";

// Bump when buildWordIndex or the file's layout changes: a file of another format is rebuilt.
const FORMAT = 1;
// Also tells the byte order: a file written on a machine of the other order reads as foreign.
const MAGIC = 0x58444977;
const HEADER_WORDS = 5; // magic, format, entries, forward bytes, backward bytes

/**
 * The index, read from its cache file when there is one, otherwise built from the lists and
 * written there for the next start (when the folder is writable; a failure to write only means
 * building again next time). Reading takes a few milliseconds and no more memory than the index
 * itself (the file's bytes are the index); building takes about 0.6 s and leaves garbage behind.
 */
export function loadWordIndex(
  path: string = wordIndexCachePath(),
  build: () => WordIndex = buildWordIndex,
): { index: WordIndex; source: "file" | "lists" } {
  const stored = readWordIndexFile(path);
  if (stored) return { index: stored, source: "file" };
  const index = build();
  try {
    writeWordIndexFile(path, index);
  } catch {
    // A read-only installation: the index works the same, built on each start.
  }
  return { index, source: "lists" };
}

/**
 * `node_modules/.cache/passdesk/common-words-<key>.bin` beside the @zxcvbn-ts packages, keyed
 * by their versions, the lists taken from them and FORMAT, so that a new version of the lists
 * is never answered from an old file.
 */
export function wordIndexCachePath(): string {
  const versions = Object.keys(COMMON_WORD_LISTS).map((name) => {
    const manifest = join(findPackageFolder(name), "package.json");
    return [name, (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version];
  });
  const key = createHash("sha256")
    .update(JSON.stringify({ FORMAT, lists: COMMON_WORD_LISTS, versions }))
    .digest("hex")
    .slice(0, 16);
  const nodeModules = join(findPackageFolder("@zxcvbn-ts/language-en"), "..", "..");
  return join(nodeModules, ".cache", "passdesk", `common-words-${key}.bin`);
}

/** The index in the file, or undefined when there is no file or it does not hold one. */
export function readWordIndexFile(path: string): WordIndex | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  // Typed arrays over the file's own bytes, which must then be aligned for them (a copy is).
  if (bytes.byteOffset % Uint32Array.BYTES_PER_ELEMENT !== 0) bytes = new Uint8Array(bytes);
  if (bytes.length < HEADER_WORDS * Uint32Array.BYTES_PER_ELEMENT) return undefined;
  const [magic, format, entries = 0, forwardBytes = 0, backwardBytes = 0] = new Uint32Array(
    bytes.buffer,
    bytes.byteOffset,
    HEADER_WORDS,
  );
  const size = 4 * (HEADER_WORDS + 2 * (entries + 1)) + forwardBytes + backwardBytes;
  if (magic !== MAGIC || format !== FORMAT || bytes.length !== size) return undefined;
  const buffer = bytes.buffer as ArrayBuffer;
  let offset = bytes.byteOffset + HEADER_WORDS * 4;
  const nextStarts = () => {
    const starts = new Uint32Array(buffer, offset, entries + 1);
    offset += starts.byteLength;
    return starts;
  };
  const nextBytes = (length: number) => {
    const slice = new Uint8Array(buffer, offset, length);
    offset += length;
    return slice;
  };
  const forwardStarts = nextStarts();
  const backwardStarts = nextStarts();
  const forward = { starts: forwardStarts, bytes: nextBytes(forwardBytes) };
  const backward = { starts: backwardStarts, bytes: nextBytes(backwardBytes) };
  return isWellFormed(forward) && isWellFormed(backward) ? { forward, backward } : undefined;
}

/** Writes the index to `path` atomically: a reader sees the whole file or none. */
export function writeWordIndexFile(path: string, index: WordIndex): void {
  const { forward, backward } = index;
  if (countWords(forward) !== countWords(backward)) {
    throw new Error("a word index's forward and backward lists differ in length");
  }
  const header = Uint32Array.of(
    MAGIC,
    FORMAT,
    countWords(forward),
    forward.bytes.length,
    backward.bytes.length,
  );
  const parts = [header, forward.starts, backward.starts, forward.bytes, backward.bytes];
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(
      partial,
      Buffer.concat(
        parts.map((part) => new Uint8Array(part.buffer, part.byteOffset, part.byteLength)),
      ),
    );
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** Starts from 0, never decreasing, up to the end of the bytes: every entry lies within them. */
function isWellFormed({ bytes, starts }: PackedWords): boolean {
  if (starts[0] !== 0 || starts[starts.length - 1] !== bytes.length) return false;
  for (let k = 1; k < starts.length; k++) {
    if ((starts[k] ?? 0) < (starts[k - 1] ?? 0)) return false;
  }
  return true;
}
