import type { PasswordHasher } from "../../src/passwords/hasher.ts";

/**
 * A PasswordHasher without the cost, for domain tests: the "hash" is the NFC password behind a
 * prefix. Never for anything but tests.
 */
export function createPlainHasher(): PasswordHasher {
  const prefix = "plain:";
  return {
    async hash(password) {
      return `${prefix}${password.normalize("NFC")}`;
    },
    async verify(hash, password) {
      return hash === `${prefix}${password.normalize("NFC")}`;
    },
    needsRehash: (hash) => !hash.startsWith(prefix),
  };
}
