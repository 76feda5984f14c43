import { FONT } from "./default-style.ts";

// Styled like the change-password email: inline styles only, no external resources, and the
// link written out for clients that mangle buttons. `changed_by` is "you" or "an administrator".
export const DEFAULT_PASSWORD_CHANGED_BODY = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your {{ friendly_name }} password was changed</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:32px;${FONT};font-size:16px;line-height:1.5;color:#1f2328;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#1f2328;">Your password was changed</h1>
<p style="margin:0 0 16px;">Hello{% if user.name != blank %} {{ user.name }}{% endif %},</p>
<p style="margin:0 0 24px;">The password of your {{ friendly_name }} account, {{ user.email }}, was changed by {{ changed_by }} on {{ time }}.</p>
<p style="margin:0 0 16px;"><strong>If this wasn't you</strong>, someone else may have access to your account. Secure it now:</p>
<p style="margin:0 0 24px;"><a href="{{ secure_url }}" style="display:inline-block;padding:12px 24px;background-color:#b42318;color:#ffffff;font-weight:bold;text-decoration:none;border-radius:6px;">Secure my account</a></p>
<p style="margin:0 0 8px;">If the button does not work, copy this address into your browser:</p>
<p style="margin:0 0 24px;word-break:break-all;"><a href="{{ secure_url }}" style="color:#0b5cad;">{{ secure_url }}</a></p>
<p style="margin:0 0 16px;">If you made this change, you can ignore this email.</p>
{% if support_email or support_url %}<p style="margin:0 0 16px;">Need help?{% if support_email %} Write to <a href="mailto:{{ support_email }}" style="color:#0b5cad;">{{ support_email }}</a>.{% endif %}{% if support_url %} Visit <a href="{{ support_url }}" style="color:#0b5cad;">{{ support_url }}</a>.{% endif %}</p>
{% endif %}<p style="margin:24px 0 0;font-size:13px;color:#57606a;">Sent by {{ friendly_name }}.</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
