import { describe, expect, it } from "vitest";
import type { StoredTemplate } from "../../src/email/ports.ts";
import { INPUT_ACTION_ID } from "../../src/slack/block-kit.ts";
import { TEMPLATE_EDIT_BLOCKS } from "../../src/slack/contract.ts";
import { MAX_BODY_BYTES } from "../../src/slack/receiver.ts";
import {
  buildTemplateEditModal,
  SLACK_TEXT_INPUT_MAX_CHARS,
} from "../../src/slack/templates/edit-modal.ts";
import { type StateValues, viewSubmissionPayload } from "../support/slack-requests.ts";

/**
 * Slack sends a view back with every non-ASCII character as a JSON \uXXXX escape and "/" as
 * "\/" (its view reference: such characters are "sent in unicode format"), form-encoded.
 */
function slackFormBytes(payload: object): number {
  const json = JSON.stringify(payload)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\//g, "\\/");
  return Buffer.byteLength(`payload=${encodeURIComponent(json)}`);
}

function fullTemplateEditSubmission(character: string): object {
  const full = character.repeat(SLACK_TEXT_INPUT_MAX_CHARS);
  const template: StoredTemplate = {
    from: full,
    subject: full,
    body: full,
    urlLifetimeSeconds: 2_592_000,
    resultUrl: full,
    includeEmailInRedirect: true,
    enabled: true,
    version: 999_999,
    updatedBy: "U0123456789",
    updatedAt: new Date(),
  } as StoredTemplate;
  const view = buildTemplateEditModal({ name: "change_password", template, defaultFrom: full });
  const text = (value: string) => ({ [INPUT_ACTION_ID]: { type: "plain_text_input", value } });
  const values = {
    [TEMPLATE_EDIT_BLOCKS.from]: text(full),
    [TEMPLATE_EDIT_BLOCKS.subject]: text(full),
    [TEMPLATE_EDIT_BLOCKS.body]: text(full),
    [TEMPLATE_EDIT_BLOCKS.redirect]: text(full),
  } as StateValues;
  return viewSubmissionPayload({
    teamId: "T0123456789",
    userId: "U0123456789",
    callbackId: view.callback_id ?? "",
    privateMetadata: view.private_metadata ?? "",
    values,
    blocks: view.blocks as never,
  });
}

describe("the Slack body limit", () => {
  it.each([
    ["ASCII", "a"],
    ["characters escaped as \\uXXXX", "\u00e9"],
    ["astral characters escaped as two \\uXXXX", "\u{1F600}"],
  ])("holds a password-email submission with every text input full of %s", (_what, character) => {
    expect(slackFormBytes(fullTemplateEditSubmission(character))).toBeLessThan(MAX_BODY_BYTES);
  });
});
