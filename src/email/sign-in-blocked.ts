import { escapeHtml } from "../html-escape.ts";
import { describeDuration } from "./describe-duration.ts";
import { sanitizeHeaderValue } from "./header-value.ts";
import { convertToText, type RenderedEmail } from "./render.ts";

export interface SignInBlockedInput {
  email: string;
  ip: string;
  failures: number;
  at: Date;
  /** The single-use unblock link; absent when the connection notifies without blocking. */
  unblock?: { url: string; lifetimeSeconds: number };
  defaultFrom: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
}

/**
 * Auth0's "blocked account" email: how many failed sign-ins, from which IP, and (when sign-in was
 * blocked) a single-use link that lifts the block. It never says whether a password was right.
 */
export function renderSignInBlockedEmail(input: SignInBlockedInput): RenderedEmail {
  const name = escapeHtml(input.friendlyName);
  const where =
    input.ip === "*" ? "" : ` from the IP address <strong>${escapeHtml(input.ip)}</strong>`;
  const help = [
    input.supportEmail &&
      `write to <a href="mailto:${escapeHtml(input.supportEmail)}">${escapeHtml(input.supportEmail)}</a>`,
    input.supportUrl &&
      `visit <a href="${escapeHtml(input.supportUrl)}">${escapeHtml(input.supportUrl)}</a>`,
  ].filter(Boolean);
  const unblock = input.unblock
    ? `<p>Sign-in to your account${input.ip === "*" ? "" : " from there"} is blocked. If these attempts were yours, <a href="${escapeHtml(input.unblock.url)}">unblock it</a>. The link works once and for ${escapeHtml(describeDuration(input.unblock.lifetimeSeconds))}; changing your password lifts the block too.</p>`
    : "";
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Failed sign-in attempts</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2937;line-height:1.5;">
<p>Hello,</p>
<p>We saw ${input.failures} failed attempts to sign in to your ${name} account <strong>${escapeHtml(input.email)}</strong>${where}, the last on ${escapeHtml(input.at.toUTCString())}.</p>
${unblock}
<p>If they were not yours, someone may be guessing your password: change it${help.length > 0 ? `, and ${help.join(" or ")}` : ""}.</p>
</body></html>`;
  return {
    from: input.defaultFrom,
    subject: sanitizeHeaderValue(`Failed sign-in attempts on your ${input.friendlyName} account`),
    html,
    text: convertToText(html),
  };
}
