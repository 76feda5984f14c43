import { escapeHtml } from "../html-escape.ts";
import { sanitizeHeaderValue } from "./header-value.ts";
import { convertToText, type RenderedEmail } from "./render.ts";

export interface RevealEmailInput {
  email: string;
  defaultFrom: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
}

const STYLE = "font-family:Arial,Helvetica,sans-serif;color:#1f2937;line-height:1.5;";

/** "write to … or visit …", or "contact your administrator" when no support contact is set. */
function helpOf(input: RevealEmailInput): string {
  const help = [
    input.supportEmail &&
      `write to <a href="mailto:${escapeHtml(input.supportEmail)}">${escapeHtml(input.supportEmail)}</a>`,
    input.supportUrl &&
      `visit <a href="${escapeHtml(input.supportUrl)}">${escapeHtml(input.supportUrl)}</a>`,
  ].filter(Boolean);
  return help.length > 0 ? help.join(" or ") : "contact your administrator";
}

function document(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="${STYLE}">
${body}
</body></html>`;
}

/**
 * The email with the one-time link to a password an administrator set for the user. It holds
 * the link, never the password: the page shows it once, after a button press.
 */
export function renderRevealEmail(
  input: RevealEmailInput & { url: string; expiresAt: Date },
): RenderedEmail {
  const name = escapeHtml(input.friendlyName);
  const url = escapeHtml(input.url);
  const html = document(
    "Your new password",
    `<p>Hello,</p>
<p>An administrator set a new password for your ${name} account <strong>${escapeHtml(input.email)}</strong>. Only you can see it: open this link and press <em>Show my password</em>.</p>
<p><a href="${url}" style="display:inline-block;padding:12px 24px;background-color:#0b5cad;color:#ffffff;font-weight:bold;text-decoration:none;border-radius:6px;">See my new password</a></p>
<p style="word-break:break-all;">${url}</p>
<p>The link shows the password once and expires on ${escapeHtml(input.expiresAt.toUTCString())}. If it expires unused, the password stops working and you will need to ask again.</p>
<p>If you did not expect this, ${helpOf(input)}.</p>`,
  );
  return {
    from: input.defaultFrom,
    subject: sanitizeHeaderValue(`Your new ${input.friendlyName} password`),
    html,
    text: convertToText(html),
  };
}

/** The email after a reveal ran out unused: that password no longer works. */
export function renderRevealExpiredEmail(input: RevealEmailInput): RenderedEmail {
  const name = escapeHtml(input.friendlyName);
  const html = document(
    "Your new password expired",
    `<p>Hello,</p>
<p>An administrator set a new password for your ${name} account <strong>${escapeHtml(input.email)}</strong>, but it was not viewed in time. For your security it no longer works.</p>
<p>To sign in, reset your password from the sign-in page, or ask your administrator for a new one.</p>
${input.supportEmail || input.supportUrl ? `<p>Need help? ${helpOf(input)}.</p>` : ""}`,
  );
  return {
    from: input.defaultFrom,
    subject: sanitizeHeaderValue(`Your new ${input.friendlyName} password expired`),
    html,
    text: convertToText(html),
  };
}
