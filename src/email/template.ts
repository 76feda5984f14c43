import { FONT } from "./default-style.ts";
import { DEFAULT_PASSWORD_CHANGED_BODY } from "./password-changed-body.ts";

/**
 * An editable email, with Auth0's fields. Subject, from and body are Liquid. Both templates keep
 * every field (one table holds them), but the link fields — `urlLifetimeSeconds`, `resultUrl`,
 * `includeEmailInRedirect` — only mean something for change_password: password_changed keeps
 * its defaults, which no editor shows or changes.
 */
export interface EmailTemplate {
  /** `address` or `Name <address>`; null sends from EMAIL_FROM. */
  from: string | null;
  subject: string;
  /** HTML; outputs are HTML-escaped. The plain-text part is derived from it. */
  body: string;
  urlLifetimeSeconds: number;
  /** Auth0's "Redirect To": where the reset page sends the user afterwards; null for none. */
  resultUrl: string | null;
  includeEmailInRedirect: boolean;
  enabled: boolean;
}

export const CHANGE_PASSWORD_TEMPLATE = "change_password";
export const PASSWORD_CHANGED_TEMPLATE = "password_changed";

/** The editable emails: the reset link, and the notice that a password was changed. */
export const TEMPLATE_NAMES = [CHANGE_PASSWORD_TEMPLATE, PASSWORD_CHANGED_TEMPLATE] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export function isTemplateName(name: unknown): name is TemplateName {
  return TEMPLATE_NAMES.includes(name as TemplateName);
}

/** The reset link's fields: only change_password has a link, so only it edits them. */
export const LINK_FIELDS = ["urlLifetimeSeconds", "resultUrl", "includeEmailInRedirect"] as const;

export function editsLinkFields(name: TemplateName): boolean {
  return name === CHANGE_PASSWORD_TEMPLATE;
}

// Inline styles only and no external resources (images, fonts): many mail clients strip <style>
// and block remote content. The link is also written out for clients that mangle buttons.
const DEFAULT_BODY = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reset your {{ friendly_name }} password</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:32px;${FONT};font-size:16px;line-height:1.5;color:#1f2328;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#1f2328;">Reset your password</h1>
<p style="margin:0 0 16px;">Hello{% if user.name != blank %} {{ user.name }}{% endif %},</p>
<p style="margin:0 0 24px;">Someone asked to reset the password of your {{ friendly_name }} account, {{ user.email }}. To choose a new password, use this link:</p>
<p style="margin:0 0 24px;"><a href="{{ url }}" style="display:inline-block;padding:12px 24px;background-color:#0b5cad;color:#ffffff;font-weight:bold;text-decoration:none;border-radius:6px;">Choose a new password</a></p>
<p style="margin:0 0 8px;">If the button does not work, copy this address into your browser:</p>
<p style="margin:0 0 24px;word-break:break-all;"><a href="{{ url }}" style="color:#0b5cad;">{{ url }}</a></p>
<p style="margin:0 0 16px;">The link works once and expires in {{ url_lifetime }}.</p>
<p style="margin:0 0 16px;">If you did not ask for this, you can ignore this email: your password stays the same.</p>
{% if support_email or support_url %}<p style="margin:0 0 16px;">Need help?{% if support_email %} Write to <a href="mailto:{{ support_email }}" style="color:#0b5cad;">{{ support_email }}</a>.{% endif %}{% if support_url %} Visit <a href="{{ support_url }}" style="color:#0b5cad;">{{ support_url }}</a>.{% endif %}</p>
{% endif %}<p style="margin:24px 0 0;font-size:13px;color:#57606a;">Sent by {{ friendly_name }}.</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;

export const DEFAULT_CHANGE_PASSWORD_TEMPLATE: EmailTemplate = Object.freeze({
  from: null,
  subject: "Reset your {{ friendly_name }} password",
  body: DEFAULT_BODY,
  // Auth0's default: 5 days.
  urlLifetimeSeconds: 432_000,
  resultUrl: null,
  includeEmailInRedirect: true,
  enabled: true,
});

export const DEFAULT_PASSWORD_CHANGED_TEMPLATE: EmailTemplate = Object.freeze({
  ...DEFAULT_CHANGE_PASSWORD_TEMPLATE,
  subject: "Your {{ friendly_name }} password was changed",
  body: DEFAULT_PASSWORD_CHANGED_BODY,
});

/** The built-in version (0) of each template, in force until one is saved. */
export const DEFAULT_TEMPLATES: Readonly<Record<TemplateName, EmailTemplate>> = Object.freeze({
  [CHANGE_PASSWORD_TEMPLATE]: DEFAULT_CHANGE_PASSWORD_TEMPLATE,
  [PASSWORD_CHANGED_TEMPLATE]: DEFAULT_PASSWORD_CHANGED_TEMPLATE,
});
