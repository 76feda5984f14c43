import { describeDuration } from "../../email/describe-duration.ts";
import type { StoredTemplate } from "../../email/ports.ts";
import { editsLinkFields, type TemplateName } from "../../email/template.ts";
import { escapeMrkdwn, type KnownBlock, mrkdwn, plainText } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import { describeEdit, TEMPLATE_TEXTS } from "./fields.ts";

/** What the App Home card shows of a template: everything but the body. */
export type TemplateSummary = Omit<StoredTemplate, "body">;

/** A card of the App Home tab: which template, and its current version. */
export interface TemplateCard {
  name: TemplateName;
  template: TemplateSummary;
}

/** Each card's actions block: block ids must be unique within a view. */
export function templateCardActionsBlock(name: TemplateName): string {
  return `${name}_email_actions`;
}

// A section field holds 2000 characters; a long subject is shortened here, in a summary only.
const MAX_SHOWN_CHARS = 300;

const DISABLED: Record<TemplateName, string> = {
  change_password: ":no_entry: Disabled: password resets send no email.",
  password_changed: ":no_entry: Disabled: no password change sends a notice.",
};

/**
 * A template's card of the App Home tab ("Change Password email", "Password Changed email").
 * Admins get its Edit, Preview, Send test and History buttons, each carrying the template's name
 * as its value; support staff see the same facts without them.
 */
export function buildTemplateCard(
  { name, template }: TemplateCard,
  options: { editable: boolean },
): KnownBlock[] {
  const yesNo = (value: boolean) => (value ? "Yes" : "No");
  const texts = TEMPLATE_TEXTS[name];
  const linkFields = editsLinkFields(name)
    ? [
        mrkdwn(`*URL lifetime*\n${describeDuration(template.urlLifetimeSeconds)}`),
        mrkdwn(
          `*Redirect To*\n${template.resultUrl === null ? "none" : shorten(template.resultUrl)}`,
        ),
        mrkdwn(`*Include email in redirect*\n${yesNo(template.includeEmailInRedirect)}`),
      ]
    : [];
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(`*${texts.card}*\n${template.enabled ? texts.sentWhen : DISABLED[name]}`),
      fields: [
        mrkdwn(`*Subject*\n${shorten(template.subject)}`),
        mrkdwn(`*From*\n${template.from === null ? "EMAIL_FROM default" : shorten(template.from)}`),
        ...linkFields,
        mrkdwn(`*Enabled*\n${yesNo(template.enabled)}`),
      ],
    },
    {
      type: "context",
      elements: [
        mrkdwn(
          template.version === 0
            ? "Built-in default: never edited."
            : `Version ${template.version}, last edited by ${describeEdit(template.updatedBy, template.updatedAt)}`,
        ),
      ],
    },
  ];
  if (options.editable) {
    blocks.push({
      type: "actions",
      block_id: templateCardActionsBlock(name),
      elements: [
        button(ACTION_IDS.openTemplateEdit, "Edit", name),
        button(ACTION_IDS.openTemplatePreview, "Preview", name),
        button(ACTION_IDS.sendTemplateTest, "Send test", name),
        button(ACTION_IDS.openTemplateHistory, "History", name),
      ],
    });
  }
  return blocks;
}

function button(actionId: string, text: string, value: TemplateName) {
  return { type: "button" as const, action_id: actionId, text: plainText(text), value };
}

function shorten(text: string): string {
  const shown = text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
  return escapeMrkdwn(shown);
}
