import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWordIndex, COMMON_WORD_LISTS } from "../../src/passwords/common-word-lists.ts";
import { packWords, readWord, type WordIndex } from "../../src/passwords/word-index.ts";
import {
  loadWordIndex,
  readWordIndexFile,
  wordIndexCachePath,
  writeWordIndexFile,
} from "../../src/passwords/word-index-file.ts";

const ENTRIES = ["dragon", "password", "sunshine", "café", "ertuğrul", "철의"].sort();
const SMALL: WordIndex = {
  forward: packWords(ENTRIES),
  backward: packWords(ENTRIES.map((entry) => [...entry].reverse().join("")).sort()),
};

function readAll(index: WordIndex): { forward: string[]; backward: string[] } {
  const read = (words: WordIndex["forward"]) =>
    Array.from({ length: words.starts.length - 1 }, (_, k) => readWord(words, k));
  return { forward: read(index.forward), backward: read(index.backward) };
}

describe("the word index file", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "passdesk-words-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads back the index written to it", () => {
    const path = join(dir, "written.bin");
    writeWordIndexFile(path, SMALL);
    const read = readWordIndexFile(path);
    expect(read && readAll(read)).toEqual(readAll(SMALL));
  });

  it("reads as no index when missing, truncated, of another format or not an index", async () => {
    const path = join(dir, "damaged.bin");
    expect(readWordIndexFile(path)).toBeUndefined();
    writeWordIndexFile(path, SMALL);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 1));
    expect(readWordIndexFile(path)).toBeUndefined();
    const otherFormat = Buffer.from(bytes);
    otherFormat.writeUInt32LE(otherFormat.readUInt32LE(4) + 1, 4);
    await writeFile(path, otherFormat);
    expect(readWordIndexFile(path)).toBeUndefined();
    await writeFile(path, "not an index, but as long as one".padEnd(bytes.length));
    expect(readWordIndexFile(path)).toBeUndefined();
  });

  it("is built and written when missing, then read instead of built", () => {
    const path = join(dir, "cache", "words.bin");
    let builds = 0;
    const build = () => {
      builds++;
      return SMALL;
    };
    expect(loadWordIndex(path, build).source).toBe("lists");
    const second = loadWordIndex(path, build);
    expect(second.source).toBe("file");
    expect(readAll(second.index)).toEqual(readAll(SMALL));
    expect(builds).toBe(1);
  });

  it("is built again in place of a damaged file", async () => {
    const path = join(dir, "rebuilt.bin");
    await writeFile(path, "garbage");
    expect(loadWordIndex(path, () => SMALL).source).toBe("lists");
    expect(loadWordIndex(path, () => SMALL).source).toBe("file");
  });

  it("still gives the index when its folder cannot be written", async () => {
    const notAFolder = join(dir, "a-file");
    await writeFile(notAFolder, "");
    const loaded = loadWordIndex(join(notAFolder, "words.bin"), () => SMALL);
    expect(loaded.source).toBe("lists");
    expect(readAll(loaded.index)).toEqual(readAll(SMALL));
  });

  it("is cached beside the lists' packages, keyed by their versions", () => {
    const require = createRequire(import.meta.url);
    const nodeModules = join(require.resolve("@zxcvbn-ts/language-en/package.json"), "../../..");
    expect(wordIndexCachePath()).toMatch(
      new RegExp(`^${nodeModules}/\\.cache/passdesk/common-words-[0-9a-f]{16}\\.bin$`),
    );
  });
});

describe("the index built from the lists", () => {
  it("holds every entry of the @zxcvbn-ts lists, lower-cased and sorted, forwards and reversed", () => {
    // The lists are read as the JSON files the packages ship; this checks them against what
    // the packages export.
    const require = createRequire(import.meta.url);
    const entries = new Set<string>();
    for (const [name, lists] of Object.entries(COMMON_WORD_LISTS)) {
      const { dictionary } = require(name) as { dictionary: Record<string, string[]> };
      for (const list of Object.keys(lists)) {
        for (const entry of dictionary[list] ?? []) entries.add(entry.toLowerCase());
      }
    }
    expect(entries.size).toBe(183_763);
    const built = readAll(buildWordIndex());
    const expected = {
      forward: [...entries].sort(),
      backward: [...entries].map((entry) => [...entry].reverse().join("")).sort(),
    };
    for (const direction of ["forward", "backward"] as const) {
      // The first difference, rather than a comparison of two arrays of 183,763 strings.
      const differs = expected[direction].findIndex((entry, k) => built[direction][k] !== entry);
      expect({ length: built[direction].length, differs }).toEqual({
        length: entries.size,
        differs: -1,
      });
    }
  });
});
