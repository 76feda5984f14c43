import { randomBytes } from "node:crypto";
import {
  checkPassword,
  MAX_PASSWORD_LENGTH,
  type PasswordPolicy,
  resolveMinLength,
} from "./policy.ts";

/** Returns `size` uniformly random bytes. */
export type RandomBytes = (size: number) => Uint8Array;

const CLASSES = [
  "abcdefghijklmnopqrstuvwxyz",
  "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  "0123456789",
  // No quotes, backslash, backtick or space: they break shells, CSV and copy-paste.
  "!#$%&*+-.:=?@^_~",
];
const ALPHABET = CLASSES.join("");
// Bytes at or above this would favour the first characters of the alphabet.
const UNBIASED_BYTE_LIMIT = 256 - (256 % ALPHABET.length);
const GENERATED_MIN_LENGTH = 20;
const MAX_ATTEMPTS = 1000;

/**
 * A random password of at least 20 characters that passes the policy, with lower case,
 * upper case, digits and symbols all present. Personal data and history are not checked:
 * a caller that holds them should check again (a 3-letter name part turns up in about
 * 1 in 3,000 passwords).
 */
export function generatePassword(
  policy: PasswordPolicy,
  random: RandomBytes = randomBytes,
): string {
  const length = Math.max(GENERATED_MIN_LENGTH, resolveMinLength(policy));
  if (length > MAX_PASSWORD_LENGTH) {
    throw new RangeError(`minLength ${policy.minLength} exceeds ${MAX_PASSWORD_LENGTH}`);
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const candidate = pickCharacters(length, random);
    if (hasEveryClass(candidate) && checkPassword(candidate, policy).ok) return candidate;
  }
  throw new Error(
    `No acceptable password in ${MAX_ATTEMPTS} attempts: is the random source random?`,
  );
}

function pickCharacters(length: number, random: RandomBytes): string {
  let picked = "";
  while (picked.length < length) {
    for (const byte of random(length)) {
      if (byte < UNBIASED_BYTE_LIMIT && picked.length < length) {
        picked += ALPHABET.charAt(byte % ALPHABET.length);
      }
    }
  }
  return picked;
}

function hasEveryClass(candidate: string): boolean {
  return CLASSES.every((characters) => [...candidate].some((c) => characters.includes(c)));
}
