import { createLiquidScope, sampleVariables } from "./change-password-variables.ts";
import { describeDuration } from "./describe-duration.ts";
import { sanitizeHeaderValue } from "./header-value.ts";
import { htmlLiquid, plainLiquid, renderLiquidSync } from "./liquid.ts";
import { parseMailbox } from "./mailbox.ts";
import {
  createPasswordChangedScope,
  samplePasswordChangedVariables,
} from "./password-changed-variables.ts";
import { type EmailTemplate, editsLinkFields, type TemplateName } from "./template.ts";

export interface TemplateProblem {
  field: keyof EmailTemplate;
  message: string;
}

export const MIN_URL_LIFETIME_SECONDS = 300;
export const MAX_URL_LIFETIME_SECONDS = 2_592_000;

// `{{ url }}`, `{{url}}`, `{{- url -}}`: the link is the point of the email.
const URL_OUTPUT = /\{\{-?\s*url\s*-?\}\}/;

/**
 * Every problem with a template, keyed by field (empty when it can be saved): Liquid must parse
 * and render with sample data (strictly: a misspelt variable is a problem), the sender must be
 * `address` or `Name <address>`. For change_password also: the body must contain `{{ url }}`,
 * the redirect must be an https URL (http only for localhost), the lifetime in range. The
 * password-changed notice need not contain `{{ secure_url }}`: it may simply inform.
 */
export function validateTemplate(name: TemplateName, template: EmailTemplate): TemplateProblem[] {
  const resetLink = editsLinkFields(name);
  const scope = resetLink
    ? createLiquidScope(sampleVariables(), describeDuration(template.urlLifetimeSeconds))
    : createPasswordChangedScope(samplePasswordChangedVariables());
  const render = (source: string, escapeHtml: boolean) =>
    renderLiquidSync(escapeHtml ? htmlLiquid : plainLiquid, source, scope, {
      strictVariables: true,
    });
  const problems: TemplateProblem[] = [];
  const check = (field: keyof EmailTemplate, rule: () => string | null) => {
    try {
      const message = rule();
      if (message !== null) problems.push({ field, message });
    } catch (error) {
      problems.push({ field, message: `Liquid error: ${describeError(error)}` });
    }
  };

  check("from", () => {
    if (template.from === null) return null;
    if (/[\r\n]/.test(template.from)) return "must be one line";
    const from = sanitizeHeaderValue(render(template.from, false));
    return parseMailbox(from) === null ? 'must be "address" or "Name <address>"' : null;
  });
  check("subject", () => {
    const subject = sanitizeHeaderValue(render(template.subject, false));
    return subject === "" ? "must not be empty" : null;
  });
  check("body", () => {
    render(template.body, true);
    if (!resetLink || URL_OUTPUT.test(template.body)) return null;
    return "must contain {{ url }}, the reset link";
  });
  if (resetLink) {
    check("resultUrl", () => checkResultUrl(template.resultUrl));
    check("urlLifetimeSeconds", () => checkLifetime(template.urlLifetimeSeconds));
  }
  return problems;
}

function checkResultUrl(resultUrl: string | null): string | null {
  if (resultUrl === null) return null;
  const message = "must be an absolute https:// URL (http:// only for localhost)";
  if (!URL.canParse(resultUrl)) return message;
  const url = new URL(resultUrl);
  if (url.protocol === "https:") return null;
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  return url.protocol === "http:" && local ? null : message;
}

function checkLifetime(seconds: number): string | null {
  const inRange =
    Number.isInteger(seconds) &&
    seconds >= MIN_URL_LIFETIME_SECONDS &&
    seconds <= MAX_URL_LIFETIME_SECONDS;
  return inRange
    ? null
    : "must be a whole number of seconds from 300 (5 minutes) to 2592000 (30 days)";
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
