import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";

export const CSRF_COOKIE = "passdesk_csrf";

export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * Headers for pages that carry a ticket: no referrer (the URL holds the ticket), no caching, no
 * framing, and scripts and styles only with this response's nonce. `form-action` must also name
 * the result URL's origin: Chrome applies it to the redirect that follows a form submission.
 */
export function setPageSecurityHeaders(
  c: Context,
  nonce: string,
  formTargets: string[] = [],
): void {
  const formAction = ["'self'", ...formTargets].join(" ");
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
}

/**
 * Double-submit CSRF token: a random value in a SameSite=Strict cookie and in the form. An Origin
 * check alone would reject real users: with `Referrer-Policy: no-referrer` browsers send
 * `Origin: null` on the form POST.
 */
export function issueCsrfToken(c: Context, secureCookie: boolean): string {
  const existing = getCookie(c, CSRF_COOKIE);
  const token =
    existing && /^[A-Za-z0-9_-]{43}$/.test(existing)
      ? existing
      : randomBytes(32).toString("base64url");
  setCookie(c, CSRF_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/lo",
    secure: secureCookie,
  });
  return token;
}

export function verifyCsrfToken(c: Context, submitted: unknown): boolean {
  const cookie = getCookie(c, CSRF_COOKIE);
  if (typeof submitted !== "string" || !cookie) return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(cookie);
  return a.length === b.length && timingSafeEqual(a, b);
}
