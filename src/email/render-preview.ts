import { previewVariables } from "./change-password-variables.ts";
import { type Recipient, SAMPLE_RECIPIENT, type TemplateSettings } from "./common-variables.ts";
import { previewPasswordChangedVariables } from "./password-changed-variables.ts";
import {
  type RenderedEmail,
  renderChangePasswordEmail,
  renderPasswordChangedEmail,
} from "./render.ts";
import { CHANGE_PASSWORD_TEMPLATE, type EmailTemplate, type TemplateName } from "./template.ts";

/**
 * The email `name` as `recipient` would get it, with sample data and links that do nothing: what
 * the CLI and Slack previews show and the test sends send. Throws TemplateRenderError.
 */
export function renderPreview(
  name: TemplateName,
  template: EmailTemplate,
  settings: TemplateSettings & { defaultFrom: string },
  { recipient = SAMPLE_RECIPIENT, at }: { recipient?: Recipient; at: Date },
): Promise<RenderedEmail> {
  const options = { defaultFrom: settings.defaultFrom };
  if (name === CHANGE_PASSWORD_TEMPLATE) {
    return renderChangePasswordEmail(template, previewVariables(settings, recipient), options);
  }
  const variables = previewPasswordChangedVariables(settings, at, recipient);
  return renderPasswordChangedEmail(template, variables, options);
}
