// Writes the dictionary rule's word index file (see src/passwords/word-index-file.ts) when it is
// missing, so that no start of the server has to build it: run it after `npm ci` where the
// installed node_modules is read-only at run time (a container image). Never fails: without the
// file the server builds the index itself at start-up (about 0.6 s).
import { existsSync } from "node:fs";
import { loadWordIndex, wordIndexCachePath } from "../src/passwords/word-index-file.ts";

const path = wordIndexCachePath();
if (!existsSync(path)) {
  const started = performance.now();
  try {
    loadWordIndex(path);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      existsSync(path)
        ? `passdesk: word index written in ${seconds} s`
        : `passdesk: word index not written (${path} is not writable); built on each start`,
    );
  } catch (error) {
    console.warn(`passdesk: no word index (${(error as Error).message})`);
  }
}
