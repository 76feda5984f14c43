import { isValidEmail } from "../users/email.ts";

export interface Mailbox {
  email: string;
  name?: string;
}

/**
 * Parses `address` or `Name <address>` (the name may be double-quoted). Returns null for anything
 * else, including any control character: a sender must never be able to smuggle in a header.
 */
export function parseMailbox(value: string): Mailbox | null {
  if (/\p{Cc}/u.test(value)) return null;
  const trimmed = value.trim();
  const named = /^(.*?)\s*<([^<>]+)>$/.exec(trimmed);
  if (named === null) return isValidEmail(trimmed) ? { email: trimmed } : null;
  const email = (named[2] ?? "").trim();
  const name = unquote((named[1] ?? "").trim());
  if (!isValidEmail(email) || /[<>]/.test(name)) return null;
  return name === "" ? { email } : { email, name };
}

function unquote(name: string): string {
  const quoted = /^"(.*)"$/.exec(name);
  return quoted ? (quoted[1] ?? "").replace(/\\(.)/g, "$1") : name;
}
