import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { packWords, type WordIndex } from "./word-index.ts";

/**
 * The lists, by their names in @zxcvbn-ts and the file each package ships them in: 49,233
 * passwords ranked by how often they appear in breaches, the EFF diceware words, the most
 * frequent English words (of subtitles and of Wikipedia), and US first and last names: 183,763
 * entries once lower-cased.
 */
export const COMMON_WORD_LISTS = {
  "@zxcvbn-ts/language-common": {
    "passwords-common": "src/passwords.json",
    "diceware-common": "src/diceware.json",
  },
  "@zxcvbn-ts/language-en": {
    "commonWords-en": "src/commonWords.json",
    "wikipedia-en": "src/wikipedia.json",
    "firstnames-en": "src/firstnames.json",
    "lastnames-en": "src/lastnames.json",
  },
} as const;

export type CommonWordPackage = keyof typeof COMMON_WORD_LISTS;

const require = createRequire(import.meta.url);

/** The installed package's folder (the one holding its package.json). */
export function findPackageFolder(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * Builds the index from the lists: about 0.6 s and tens of MB of short-lived garbage, which is
 * why word-index-file.ts keeps the result in a file. The lists are read as the JSON the packages
 * ship rather than imported: importing a language package keeps every one of its lists alive
 * (11 MB of heap for these two) for as long as the process runs.
 */
export function buildWordIndex(): WordIndex {
  const entries = new Set<string>();
  for (const [name, lists] of Object.entries(COMMON_WORD_LISTS)) {
    const folder = findPackageFolder(name);
    for (const [list, file] of Object.entries(lists)) {
      for (const entry of readList(join(folder, file), `${name}'s ${list}`)) {
        entries.add(entry.toLowerCase());
      }
    }
  }
  return {
    forward: packWords([...entries].sort()),
    backward: packWords([...entries].map((entry) => [...entry].reverse().join("")).sort()),
  };
}

function readList(path: string, description: string): string[] {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${description} at ${path}`, { cause: error });
  }
  if (!Array.isArray(list) || !list.every((entry) => typeof entry === "string")) {
    throw new Error(`${description} at ${path} is not a list of strings`);
  }
  return list;
}
