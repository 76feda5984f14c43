import type { ChangePasswordTemplate } from "../../email/template.ts";
import { mentionUser } from "../block-kit.ts";

/** How Slack names each field of the change-password template, in the order the modal shows. */
export const TEMPLATE_FIELD_LABELS: Record<keyof ChangePasswordTemplate, string> = {
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
