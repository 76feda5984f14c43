import type { StoredTemplate } from "../../email/ports.ts";
import { editsLinkFields, type TemplateName } from "../../email/template.ts";
import {
  MAX_URL_LIFETIME_SECONDS,
  MIN_URL_LIFETIME_SECONDS,
} from "../../email/validate-template.ts";
import {
  escapeMrkdwn,
  INPUT_ACTION_ID,
  type KnownBlock,
  type ModalView,
  mrkdwn,
  plainText,
} from "../block-kit.ts";
import { CALLBACK_IDS, TEMPLATE_EDIT_BLOCKS } from "../contract.ts";
import {
  ENABLED_OPTION_VALUE,
  encodeTemplateEditMetadata,
  INCLUDE_EMAIL_OPTION_VALUE,
} from "./edit-submission.ts";
import { describeEdit, TEMPLATE_TEXTS } from "./fields.ts";

/** Slack refuses a `plain_text_input` value (and `initial_value`) over 3000 characters. */
export const SLACK_TEXT_INPUT_MAX_CHARS = 3000;

const VARIABLES: Record<TemplateName, string> = {
  change_password:
    "{{ url }}, {{ user.email }}, {{ user.name }}, {{ friendly_name }}, {{ url_lifetime }}, {{ application.name }}, {{ connection.name }}, {{ support_email }}",
  password_changed:
    "{{ changed_by }}, {{ time }}, {{ secure_url }}, {{ user.email }}, {{ user.name }}, {{ friendly_name }}, {{ connection.name }}, {{ support_email }}, {{ support_url }}",
};

const BODY_HINT: Record<TemplateName, string> = {
  change_password: "HTML with Liquid; must contain {{ url }}, the reset link.",
  password_changed:
    'HTML with Liquid. {{ secure_url }} is the "Secure my account" link; {{ changed_by }} is "you" or "an administrator".',
};

const INCLUDE_EMAIL_OPTION = {
  text: plainText("Add the user's email to the redirect URL"),
  value: INCLUDE_EMAIL_OPTION_VALUE,
};
const ENABLED_TEXT: Record<TemplateName, string> = {
  change_password: "Send this email when a reset is requested",
  password_changed: "Send this notice after a password change",
};

/**
 * The modal that edits every field of an email template (for password_changed, all but the reset
 * link's). The template and the version it shows travel in `private_metadata`, so a save on top
 * of someone else's is refused. A body longer than Slack lets an input hold is not put in the
 * modal at all — never cut short — and is kept on save.
 */
export function buildTemplateEditModal(input: {
  name: TemplateName;
  template: StoredTemplate;
  defaultFrom: string;
}): ModalView {
  const { name, template } = input;
  const bodyShown = template.body.length <= SLACK_TEXT_INPUT_MAX_CHARS;
  const enabledOption = { text: plainText(ENABLED_TEXT[name]), value: ENABLED_OPTION_VALUE };
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.templateEditModal,
    title: plainText(TEMPLATE_TEXTS[name].title),
    submit: plainText("Save"),
    close: plainText("Cancel"),
    private_metadata: encodeTemplateEditMetadata({
      template: name,
      version: template.version,
      bodyShown,
    }),
    blocks: [
      { type: "context", elements: [mrkdwn(describeVersion(name, template))] },
      textInput(TEMPLATE_EDIT_BLOCKS.from, "From", template.from, {
        optional: true,
        hint: `"address" or "Name <address>" (Liquid). Empty: EMAIL_FROM, ${input.defaultFrom}.`,
      }),
      textInput(TEMPLATE_EDIT_BLOCKS.subject, "Subject", template.subject, { hint: "Liquid." }),
      bodyShown
        ? bodyInput(template.body, BODY_HINT[name])
        : longBodySection(name, template.body.length),
      ...(editsLinkFields(name) ? linkInputs(template) : []),
      checkbox(TEMPLATE_EDIT_BLOCKS.enabled, "Enabled", enabledOption, {
        checked: template.enabled,
      }),
    ],
  };
}

/** The reset link's fields: change_password's only. */
function linkInputs(template: StoredTemplate): KnownBlock[] {
  return [
    {
      type: "input",
      block_id: TEMPLATE_EDIT_BLOCKS.urlLifetime,
      label: plainText("URL lifetime (seconds)"),
      hint: plainText("How long the link works: 300 (5 minutes) to 2592000 (30 days)."),
      element: {
        type: "number_input",
        action_id: INPUT_ACTION_ID,
        is_decimal_allowed: false,
        min_value: String(MIN_URL_LIFETIME_SECONDS),
        max_value: String(MAX_URL_LIFETIME_SECONDS),
        initial_value: String(template.urlLifetimeSeconds),
      },
    },
    textInput(TEMPLATE_EDIT_BLOCKS.redirect, "Redirect To", template.resultUrl, {
      optional: true,
      hint: "Where the reset page sends the user afterwards: https:// (http:// only for localhost). Empty: none.",
    }),
    checkbox(TEMPLATE_EDIT_BLOCKS.includeEmail, "Include email in redirect", INCLUDE_EMAIL_OPTION, {
      checked: template.includeEmailInRedirect,
    }),
  ];
}

function describeVersion(name: TemplateName, template: StoredTemplate): string {
  const version =
    template.version === 0
      ? "Editing the built-in default."
      : `Editing version ${template.version}, saved by ${describeEdit(template.updatedBy, template.updatedAt)}.`;
  return `${version} Variables: ${escapeMrkdwn(VARIABLES[name])}`;
}

function textInput(
  blockId: string,
  label: string,
  value: string | null,
  options: { optional?: boolean; hint: string },
): KnownBlock {
  return {
    type: "input",
    block_id: blockId,
    optional: options.optional ?? false,
    label: plainText(label),
    hint: plainText(options.hint),
    element: {
      type: "plain_text_input",
      action_id: INPUT_ACTION_ID,
      ...(value ? { initial_value: value } : {}),
    },
  };
}

function bodyInput(body: string, hint: string): KnownBlock {
  return {
    type: "input",
    block_id: TEMPLATE_EDIT_BLOCKS.body,
    label: plainText("Body"),
    hint: plainText(hint),
    element: {
      type: "plain_text_input",
      action_id: INPUT_ACTION_ID,
      multiline: true,
      max_length: SLACK_TEXT_INPUT_MAX_CHARS,
      ...(body ? { initial_value: body } : {}),
    },
  };
}

function longBodySection(name: TemplateName, length: number): KnownBlock {
  const option = editsLinkFields(name) ? "" : ` --template ${name}`;
  return {
    type: "section",
    block_id: TEMPLATE_EDIT_BLOCKS.body,
    text: mrkdwn(
      `*Body*\nThe body is ${length} characters, over Slack's limit of ${SLACK_TEXT_INPUT_MAX_CHARS} for a text field, so it is not shown here rather than cut short. Edit it with \`passdesk templates edit${option}\` (or \`passdesk templates set${option} --body-file FILE\`). Saving this form keeps the body as it is.`,
    ),
  };
}

function checkbox(
  blockId: string,
  label: string,
  option: { text: { type: "plain_text"; text: string }; value: string },
  { checked }: { checked: boolean },
): KnownBlock {
  return {
    type: "input",
    block_id: blockId,
    optional: true,
    label: plainText(label),
    element: {
      type: "checkboxes",
      action_id: INPUT_ACTION_ID,
      options: [option],
      ...(checked ? { initial_options: [option] } : {}),
    },
  };
}
