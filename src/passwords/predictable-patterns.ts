import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { MatchExtended } from "@zxcvbn-ts/core";
import { findPackageFolder } from "./common-word-lists.ts";

type Zxcvbn = typeof import("@zxcvbn-ts/core");
type AdjacencyGraphs = typeof import("@zxcvbn-ts/language-common")["adjacencyGraphs"];

export type PatternKind = "keyboard" | "sequence" | "repeat" | "year" | "date";

/** A stretch of a password, [start, end) in UTF-16 units, that one pattern explains. */
export interface PatternSpan {
  kind: PatternKind;
  start: number;
  end: number;
}

interface Matcher {
  match(options: { password: string; omniMatch: { match(password: string): [] } }): unknown;
}

// zxcvbn's matcher name → what Passdesk calls it. zxcvbn's dictionary matchers are replaced by
// common-words.ts, and its word-sequence matcher is left out: both take seconds on 256
// characters.
const MATCHERS: Record<string, PatternKind> = {
  spatial: "keyboard",
  sequence: "sequence",
  repeat: "repeat",
  regex: "year",
  date: "date",
};

const GRAPHS_FILE = "src/adjacencyGraphs.json";

let matchers: ReadonlyArray<[PatternKind, Matcher]> | undefined;

/**
 * The patterns in the password, as zxcvbn finds them: keyboard patterns (runs of adjacent keys
 * on QWERTY, QWERTZ, AZERTY, Dvorak or a keypad, shifted or not), sequences (characters with a
 * constant step of 1 to 5: abcd, 1357, zyx), repeats (aaa, abcabc, anything typed twice in a
 * row), years 1900–2029 and dates (11/11/1991, 111191). Keyboard patterns and sequences need 4
 * characters, or 3 in a straight line or with a step of 1 (qwe, 741, abc, 321), and repeats 3:
 * shorter or bent ones (erd, sni, ss) turn up in most random passwords.
 */
export function findPatternSpans(password: string): PatternSpan[] {
  const spans: PatternSpan[] = [];
  for (const [kind, matcher] of loadMatchers()) {
    // The repeat matcher asks the full matcher to score the repeated part; that score is unused.
    const found = matcher.match({ password, omniMatch: { match: () => [] } }) as MatchExtended[];
    for (const match of found) {
      if (isStrongEnough(kind, match)) spans.push({ kind, start: match.i, end: match.j + 1 });
    }
  }
  return spans;
}

function isStrongEnough(kind: PatternKind, match: MatchExtended): boolean {
  const { token } = match;
  switch (kind) {
    case "keyboard":
      // zxcvbn counts the first direction as a turn: 1 is a straight run.
      return token.length >= 4 || (token.length === 3 && match.turns === 1);
    case "sequence":
      return (
        token.length >= 4 ||
        (token.length === 3 && Math.abs(token.charCodeAt(1) - token.charCodeAt(0)) === 1)
      );
    case "repeat":
      return token.length >= 3;
    default:
      return true;
  }
}

/**
 * @zxcvbn-ts/core exports its matchers only inside ZxcvbnFactory, which runs all of them and
 * keeps the one reading that scores best; this rule needs every match of the fast ones. Loaded
 * once, with the word index (see loadDictionaryRule). A version of zxcvbn without them fails here
 * rather than letting every password through. The keyboard layouts are read as the JSON that
 * @zxcvbn-ts/language-common ships: importing the package would keep its lists alive too.
 */
export function loadMatchers(): ReadonlyArray<[PatternKind, Matcher]> {
  if (matchers) return matchers;
  const require = createRequire(import.meta.url);
  const { ZxcvbnFactory } = require("@zxcvbn-ts/core") as Zxcvbn;
  const graphsFile = join(findPackageFolder("@zxcvbn-ts/language-common"), GRAPHS_FILE);
  const graphs = JSON.parse(readFileSync(graphsFile, "utf8")) as AdjacencyGraphs;
  const factory = new ZxcvbnFactory({ graphs });
  const all = (Reflect.get(factory, "matching") as { matchers?: Record<string, Matcher> })
    ?.matchers;
  matchers = Object.entries(MATCHERS).map(([name, kind]) => {
    const matcher = all?.[name];
    if (typeof matcher?.match !== "function") {
      throw new Error(`@zxcvbn-ts/core has no "${name}" matcher where Passdesk expects one`);
    }
    return [kind, matcher];
  });
  return matchers;
}
