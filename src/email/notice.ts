import { escapeHtml } from "../html-escape.ts";
import { sanitizeHeaderValue } from "./header-value.ts";
import { convertToText, type RenderedEmail } from "./render.ts";

export interface NoticeInput {
  email: string;
  at: Date;
  /** The single-use "Secure my account" link (password-reset/secure-account-link.ts). */
  secureUrl: string;
  defaultFrom: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
}

/**
 * The short notice sent after a user's password was changed: that it happened, whom to contact,
 * and the one link it carries, "Secure my account", for a change the user did not make. Never
 * the password.
 */
export function renderPasswordChangedNotice(input: NoticeInput): RenderedEmail {
  const name = escapeHtml(input.friendlyName);
  const when = input.at.toUTCString();
  const help = [
    input.supportEmail &&
      `write to <a href="mailto:${escapeHtml(input.supportEmail)}">${escapeHtml(input.supportEmail)}</a>`,
    input.supportUrl &&
      `visit <a href="${escapeHtml(input.supportUrl)}">${escapeHtml(input.supportUrl)}</a>`,
  ].filter(Boolean);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your password was changed</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2937;line-height:1.5;">
<p>Hello,</p>
<p>An administrator changed the password of your ${name} account <strong>${escapeHtml(input.email)}</strong> on ${escapeHtml(when)}.</p>
<p><strong>If this wasn't you</strong>, secure your account now: this signs you out everywhere and blocks sign-in until our staff help you.</p>
<p><a href="${escapeHtml(input.secureUrl)}" style="display:inline-block;padding:10px 18px;background:#b91c1c;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold;">Secure my account</a></p>
<p>If you did not expect this, ${help.length > 0 ? help.join(" or ") : "contact your administrator"}.</p>
</body></html>`;
  return {
    from: input.defaultFrom,
    subject: sanitizeHeaderValue(`Your ${input.friendlyName} password was changed`),
    html,
    text: convertToText(html),
  };
}
