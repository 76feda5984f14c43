// Preloaded by bench/reset-flood.ts (`node --require`): counts the calls to the argon2 library's
// hash and verify in this process and writes the totals to ARGON2_COUNT_FILE every 100 ms. It
// counts below Passdesk's own code, so one counter measures any build of Passdesk alike.
const { renameSync, writeFileSync } = require("node:fs");
const argon2 = require("argon2");

const counts = { hash: 0, verify: 0 };
for (const name of ["hash", "verify"]) {
  const original = argon2[name];
  argon2[name] = function counted(...args) {
    counts[name] += 1;
    return original.apply(this, args);
  };
}
const file = process.env.ARGON2_COUNT_FILE;
if (file) {
  // Written aside, then renamed: a reader never sees a half-written file.
  const write = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    renameSync(`${file}.tmp`, file);
  };
  write();
  setInterval(write, 100).unref();
}
