/**
 * Makes a rendered value safe for a one-line header (Subject, From): every run of whitespace or
 * control characters, CR and LF included, becomes one space. A user named "x\r\nBcc: …" stays text.
 */
export function sanitizeHeaderValue(value: string): string {
  return value.replace(/[\s\p{Cc}]+/gu, " ").trim();
}
