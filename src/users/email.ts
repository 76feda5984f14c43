/** RFC 5321 caps a forward path at 256 octets including the brackets: 254 for the address. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * The one form in which emails are stored and compared, and from which every key (rate-limit
 * buckets, look-ups) is built. Case-folding with toLowerCase (not toUpperCase/casefold tricks)
 * and NFC keep "ß"/"ı"-style confusables distinct (Django CVE-2019-19844). A lone surrogate,
 * which the edges refuse, becomes U+FFFD as PostgreSQL would store it, so that the string is the
 * one the database holds.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toWellFormed().normalize("NFC").toLowerCase();
}

// Deliberately strict on shape (one @, a dotted domain, no spaces, controls or brackets), lenient
// on characters: internationalised local parts and domains are allowed.
const EMAIL_SHAPE =
  /^[^\s@<>()[\]\\,;:"\p{Cc}]+@[^\s@<>()[\]\\,;:"\p{Cc}]+\.[^\s@<>()[\]\\,;:"\p{Cc}.]{2,}$/u;

export function isValidEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && EMAIL_SHAPE.test(email) && !email.includes("..");
}

/** `jane@example.com` → `j•••@example.com`, for messages read by people other than the owner. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "•••";
  return `${Array.from(email)[0]}•••${email.slice(at)}`;
}

/** Masks every address inside free text (bounce reasons quote the recipient), capped in length. */
export function maskEmailsIn(text: string, maxLength = 200): string {
  return text
    .replace(/[^\s<>()"']+@[^\s<>()"']+/g, (address) => maskEmail(address))
    .slice(0, maxLength);
}
