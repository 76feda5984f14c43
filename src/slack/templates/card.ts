import { describeDuration } from "../../email/describe-duration.ts";
import type { StoredTemplate } from "../../email/ports.ts";
import { escapeMrkdwn, type KnownBlock, mrkdwn, plainText } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import { describeEdit } from "./fields.ts";

/** What the App Home card shows of the change-password template: everything but the body. */
export type TemplateSummary = Omit<StoredTemplate, "body">;

export const TEMPLATE_CARD_ACTIONS_BLOCK = "change_password_email_actions";

// A section field holds 2000 characters; a long subject is shortened here, in a summary only.
const MAX_SHOWN_CHARS = 300;

/**
 * The "Change Password email" card of the App Home tab. Admins get its Edit, Preview, Send test
 * and History buttons; support staff see the same facts without them.
 */
export function buildTemplateCard(
  template: TemplateSummary,
  options: { editable: boolean },
): KnownBlock[] {
  const yesNo = (value: boolean) => (value ? "Yes" : "No");
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(
        template.enabled
          ? "*Change Password email*\nThe email a password reset sends."
          : "*Change Password email*\n:no_entry: Disabled: password resets send no email.",
      ),
      fields: [
        mrkdwn(`*Subject*\n${shorten(template.subject)}`),
        mrkdwn(`*From*\n${template.from === null ? "EMAIL_FROM default" : shorten(template.from)}`),
        mrkdwn(`*URL lifetime*\n${describeDuration(template.urlLifetimeSeconds)}`),
        mrkdwn(
          `*Redirect To*\n${template.resultUrl === null ? "none" : shorten(template.resultUrl)}`,
        ),
        mrkdwn(`*Include email in redirect*\n${yesNo(template.includeEmailInRedirect)}`),
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
      block_id: TEMPLATE_CARD_ACTIONS_BLOCK,
      elements: [
        button(ACTION_IDS.openTemplateEdit, "Edit"),
        button(ACTION_IDS.openTemplatePreview, "Preview"),
        button(ACTION_IDS.sendTemplateTest, "Send test"),
        button(ACTION_IDS.openTemplateHistory, "History"),
      ],
    });
  }
  return blocks;
}

function button(actionId: string, text: string) {
  return { type: "button" as const, action_id: actionId, text: plainText(text) };
}

function shorten(text: string): string {
  const shown = text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
  return escapeMrkdwn(shown);
}
