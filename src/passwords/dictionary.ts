import { dictionary } from "@zxcvbn-ts/language-common";

/** How many of the most common passwords are rejected. */
export const COMMON_PASSWORD_COUNT = 10_000;

let commonPasswords: ReadonlySet<string> | undefined;

/** Whether the password, ignoring case, is among the 10,000 most common passwords. */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= loadCommonPasswords();
  return commonPasswords.has(password.normalize("NFC").toLowerCase());
}

function loadCommonPasswords(): ReadonlySet<string> {
  // The list is ranked, most common first.
  const ranked = dictionary["passwords-common"].slice(0, COMMON_PASSWORD_COUNT);
  return new Set(ranked.map((entry) => entry.toLowerCase()));
}
