import { compile } from "html-to-text";
import { type ChangePasswordVariables, createLiquidScope } from "./change-password-variables.ts";
import { describeDuration } from "./describe-duration.ts";
import { sanitizeHeaderValue } from "./header-value.ts";
import { htmlLiquid, plainLiquid, renderLiquid } from "./liquid.ts";
import { parseMailbox } from "./mailbox.ts";
import {
  createPasswordChangedScope,
  type PasswordChangedVariables,
} from "./password-changed-variables.ts";
import {
  CHANGE_PASSWORD_TEMPLATE,
  type EmailTemplate,
  PASSWORD_CHANGED_TEMPLATE,
  type TemplateName,
} from "./template.ts";

export {
  type ChangePasswordVariables,
  type SampleVariableOverrides,
  sampleVariables,
} from "./change-password-variables.ts";
export { validateTemplate } from "./validate-template.ts";

export interface RenderedEmail {
  /** `address` or `Name <address>`, one line. */
  from: string;
  /** One line. */
  subject: string;
  html: string;
  text: string;
}

export type TemplatePart = "from" | "subject" | "body";

/** A stored template could not be rendered (bad Liquid, limits exceeded, invalid sender). */
export class TemplateRenderError extends Error {
  constructor(
    readonly template: TemplateName,
    readonly part: TemplatePart,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${template.replace("_", "-")} template ${part}: ${message}`, options);
    this.name = "TemplateRenderError";
  }
}

export interface RenderEmailOptions {
  /** EMAIL_FROM, used when the template has no sender of its own. */
  defaultFrom: string;
  /** Validation renders strictly so that unknown variables are reported. */
  strictVariables?: boolean;
}

/** Renders the change-password email; throws TemplateRenderError when the template is broken. */
export function renderChangePasswordEmail(
  template: EmailTemplate,
  variables: ChangePasswordVariables,
  options: RenderEmailOptions,
): Promise<RenderedEmail> {
  const scope = createLiquidScope(variables, describeDuration(template.urlLifetimeSeconds));
  return renderEmail(CHANGE_PASSWORD_TEMPLATE, template, scope, options);
}

/** Renders the password-changed notice; throws TemplateRenderError when the template is broken. */
export function renderPasswordChangedEmail(
  template: EmailTemplate,
  variables: PasswordChangedVariables,
  options: RenderEmailOptions,
): Promise<RenderedEmail> {
  return renderEmail(
    PASSWORD_CHANGED_TEMPLATE,
    template,
    createPasswordChangedScope(variables),
    options,
  );
}

async function renderEmail(
  name: TemplateName,
  template: EmailTemplate,
  scope: object,
  options: RenderEmailOptions,
): Promise<RenderedEmail> {
  const strict = { strictVariables: options.strictVariables ?? false };
  const render = async (part: TemplatePart, source: string, escapeHtml: boolean) => {
    try {
      return await renderLiquid(escapeHtml ? htmlLiquid : plainLiquid, source, scope, strict);
    } catch (error) {
      throw new TemplateRenderError(name, part, describeError(error), { cause: error });
    }
  };

  const from = sanitizeHeaderValue(
    template.from === null ? options.defaultFrom : await render("from", template.from, false),
  );
  if (parseMailbox(from) === null) {
    throw new TemplateRenderError(name, "from", 'must render to "address" or "Name <address>"');
  }
  const subject = sanitizeHeaderValue(await render("subject", template.subject, false));
  const html = await render("body", template.body, true);
  return { from, subject, html, text: convertToText(html) };
}

/**
 * html-to-text with Passdesk's options, compiled once: `convert` would build its selector tables
 * again for every email (a tenth of the worker's CPU while it drains the outbox).
 */
const htmlToText = compile({
  wordwrap: 78,
  selectors: [
    { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
    { selector: "h1", options: { uppercase: false } },
    { selector: "h2", options: { uppercase: false } },
    { selector: "img", format: "skip" },
    { selector: "table", format: "block" },
    { selector: "tr", format: "block" },
    { selector: "td", format: "block" },
  ],
});

/** The plain-text part: links are kept as "text [url]" so the reset link survives. */
export function convertToText(html: string): string {
  return htmlToText(html);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
