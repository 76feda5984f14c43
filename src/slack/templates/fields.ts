import {
  CHANGE_PASSWORD_TEMPLATE,
  type EmailTemplate,
  isTemplateName,
  type TemplateName,
} from "../../email/template.ts";
import { mentionUser } from "../block-kit.ts";

/** How Slack names and describes each email template. */
export const TEMPLATE_TEXTS: Record<
  TemplateName,
  { title: string; card: string; noun: string; sentWhen: string; next: string }
> = {
  change_password: {
    title: "Password email",
    card: "Change Password email",
    noun: "the password email",
    sentWhen: "The email a password reset sends.",
    next: "the next reset email",
  },
  password_changed: {
    title: "Password changed email",
    card: "Password Changed email",
    noun: "the password-changed email",
    sentWhen:
      "The notice sent after a password change: on the reset page, or by an admin who ticks *Notify the user*.",
    next: "the next password-changed notice",
  },
};

/**
 * The template a button's `value` (or an audit entry's `template`) names. Buttons and entries
 * from before there were two templates carry none, and meant the change-password email.
 */
export function readTemplateName(value: unknown): TemplateName {
  return isTemplateName(value) ? value : CHANGE_PASSWORD_TEMPLATE;
}

/** How Slack names each field of the change-password template, in the order the modal shows. */
export const TEMPLATE_FIELD_LABELS: Record<keyof EmailTemplate, string> = {
  from: "from",
  subject: "subject",
  body: "body",
  urlLifetimeSeconds: "URL lifetime",
  resultUrl: "redirect",
  includeEmailInRedirect: "include email in redirect",
  enabled: "enabled",
};

/**
 * The labels of the known template fields among `fields`, in the modal's order. Anything else
 * (a value, a forged name) is dropped, so a field list can never carry the body into a message.
 */
export function labelChangedFields(fields: unknown): string[] {
  if (!Array.isArray(fields)) return [];
  return Object.entries(TEMPLATE_FIELD_LABELS)
    .filter(([field]) => fields.includes(field))
    .map(([, label]) => label);
}

/** "<@U…>, <date>" for a saved version; a CLI editor (`cli:alice`) is shown as text. */
export function describeEdit(editedBy: string | null, at: Date | null): string {
  const who = editedBy ? mentionUser(editedBy) : "someone";
  return at ? `${who}, ${formatSlackTime(at)}` : who;
}

/** Slack shows `<!date^…>` in the reader's time zone, and the ISO fallback where it cannot. */
export function formatSlackTime(at: Date): string {
  const epochSeconds = Math.floor(at.getTime() / 1000);
  return `<!date^${epochSeconds}^{date_short_pretty} {time}|${at.toISOString()}>`;
}
