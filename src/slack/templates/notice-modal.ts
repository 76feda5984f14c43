import type { TemplateName } from "../../email/template.ts";
import { type ModalView, mrkdwn, plainText } from "../block-kit.ts";
import { labelChangedFields, TEMPLATE_TEXTS } from "./fields.ts";

/** A modal that only tells something: a save's result, a test send's progress, a refusal. */
export function buildTemplateNoticeModal(title: string, text: string): ModalView {
  return {
    type: "modal",
    title: plainText(title),
    close: plainText("Close"),
    blocks: [{ type: "section", text: mrkdwn(text) }],
  };
}

/** What the edit modal turns into once saved. */
export function buildTemplateSavedModal(
  name: TemplateName,
  saved: { version: number; changedFields: string[] },
): ModalView {
  const fields = labelChangedFields(saved.changedFields).join(", ");
  const texts = TEMPLATE_TEXTS[name];
  return buildTemplateNoticeModal(
    texts.title,
    `:white_check_mark: Saved as version ${saved.version} (changed: ${fields}). It is used for ${texts.next}.`,
  );
}

export const ADMINS_ONLY_TEXT = "Only Passdesk *admins* can edit the password email.";
