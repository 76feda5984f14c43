import { escapeHtml } from "../html-escape.ts";
import { sanitizeHeaderValue } from "./header-value.ts";
import { convertToText, type RenderedEmail } from "./render.ts";

export interface NoticeInput {
  email: string;
  at: Date;
  defaultFrom: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
}

/**
 * The short notice an admin may choose to send after setting a user's password. It carries no
 * link and no password: only that the change happened and whom to contact.
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
<p>If you did not expect this, ${help.length > 0 ? help.join(" or ") : "contact your administrator"}.</p>
</body></html>`;
  return {
    from: input.defaultFrom,
    subject: sanitizeHeaderValue(`Your ${input.friendlyName} password was changed`),
    html,
    text: convertToText(html),
  };
}
