import { type ModalView, mrkdwn, plainText } from "../block-kit.ts";
import { labelChangedFields } from "./fields.ts";

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
export function buildTemplateSavedModal(saved: {
  version: number;
  changedFields: string[];
}): ModalView {
  const fields = labelChangedFields(saved.changedFields).join(", ");
  return buildTemplateNoticeModal(
    "Password email",
    `:white_check_mark: Saved as version ${saved.version} (changed: ${fields}). It is used for the next reset email.`,
  );
}

export const ADMINS_ONLY_TEXT = "Only Passdesk *admins* can edit the password email.";
