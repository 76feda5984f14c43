import { z } from "zod";
import {
  CHANGE_PASSWORD_TEMPLATE,
  type EmailTemplate,
  editsLinkFields,
  TEMPLATE_NAMES,
  type TemplateName,
} from "../../email/template.ts";
import type { TemplateProblem } from "../../email/validate-template.ts";
import { INPUT_ACTION_ID } from "../block-kit.ts";
import { TEMPLATE_EDIT_BLOCKS } from "../contract.ts";
import { readSelectedOptions, readTextValue } from "../view-state.ts";

/**
 * What the edit modal carries in `private_metadata`: the template, the version it shows, and
 * whether the body is in it.
 */
export interface TemplateEditMetadata {
  template: TemplateName;
  version: number;
  bodyShown: boolean;
}

export const INCLUDE_EMAIL_OPTION_VALUE = "include_email";
export const ENABLED_OPTION_VALUE = "enabled";

const metadataSchema = z.object({
  // Modals opened before there were two templates carry none: they edit change_password.
  template: z.enum(TEMPLATE_NAMES).default(CHANGE_PASSWORD_TEMPLATE),
  version: z.number().int().nonnegative(),
  bodyShown: z.boolean(),
});

export function encodeTemplateEditMetadata(metadata: TemplateEditMetadata): string {
  return JSON.stringify(metadata);
}

/** Undefined for anything Passdesk did not write: private_metadata comes back from the client. */
export function decodeTemplateEditMetadata(
  metadata: string | undefined,
): TemplateEditMetadata | undefined {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(metadata ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields of a submitted edit modal, every one of them (the save keeps those that did not
 * change). A body that was not shown — too long for Slack — is left out, so it stays as stored.
 * Nothing is checked here: a lifetime that is not a whole number reads as NaN, which validation
 * reports with the other problems.
 */
export function readTemplateEditSubmission(
  values: unknown,
  metadata: TemplateEditMetadata,
): Partial<EmailTemplate> {
  const text = (blockId: string) => readTextValue(values, blockId, INPUT_ACTION_ID)?.trim();
  const ticked = (blockId: string, value: string) =>
    readSelectedOptions(values, blockId, INPUT_ACTION_ID).includes(value);
  const changes: Partial<EmailTemplate> = {
    from: text(TEMPLATE_EDIT_BLOCKS.from) || null,
    subject: text(TEMPLATE_EDIT_BLOCKS.subject) ?? "",
    enabled: ticked(TEMPLATE_EDIT_BLOCKS.enabled, ENABLED_OPTION_VALUE),
  };
  // Only the change-password modal has the link's fields (see edit-modal.ts).
  if (editsLinkFields(metadata.template)) {
    const lifetime = text(TEMPLATE_EDIT_BLOCKS.urlLifetime) ?? "";
    changes.urlLifetimeSeconds = /^\d{1,10}$/.test(lifetime) ? Number(lifetime) : Number.NaN;
    changes.resultUrl = text(TEMPLATE_EDIT_BLOCKS.redirect) || null;
    changes.includeEmailInRedirect = ticked(
      TEMPLATE_EDIT_BLOCKS.includeEmail,
      INCLUDE_EMAIL_OPTION_VALUE,
    );
  }
  if (metadata.bodyShown) {
    changes.body = readTextValue(values, TEMPLATE_EDIT_BLOCKS.body, INPUT_ACTION_ID) ?? "";
  }
  return changes;
}

const FIELD_BLOCKS: Record<keyof EmailTemplate, string> = {
  from: TEMPLATE_EDIT_BLOCKS.from,
  subject: TEMPLATE_EDIT_BLOCKS.subject,
  body: TEMPLATE_EDIT_BLOCKS.body,
  urlLifetimeSeconds: TEMPLATE_EDIT_BLOCKS.urlLifetime,
  resultUrl: TEMPLATE_EDIT_BLOCKS.redirect,
  includeEmailInRedirect: TEMPLATE_EDIT_BLOCKS.includeEmail,
  enabled: TEMPLATE_EDIT_BLOCKS.enabled,
};

// Slack shows these in a line or two under the input; a Liquid error can be long.
const MAX_ERROR_CHARS = 150;

/**
 * The `errors` of a `response_action: "errors"` answer: each problem under its field's input.
 * A problem with a body the modal does not show goes under the subject, named as the body's.
 */
export function templateEditErrors(
  problems: TemplateProblem[],
  bodyShown: boolean,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const hidden = problem.field === "body" && !bodyShown;
    const blockId = hidden ? TEMPLATE_EDIT_BLOCKS.subject : FIELD_BLOCKS[problem.field];
    const message = hidden ? `The body ${problem.message}` : capitalize(problem.message);
    errors[blockId] = shorten(errors[blockId] ? `${errors[blockId]}; ${message}` : message);
  }
  return errors;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function shorten(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}
