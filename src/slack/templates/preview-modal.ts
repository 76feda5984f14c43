import type { AdminPreview } from "../../email/admin-sample-email.ts";
import type { TemplateName } from "../../email/template.ts";
import { escapeMrkdwn, type KnownBlock, type ModalView, mrkdwn, plainText } from "../block-kit.ts";
import { CALLBACK_IDS } from "../contract.ts";

export type TemplatePreview = AdminPreview;

// Slack allows 3000 characters per section and 100 blocks per view: a longer text is split over
// sections, and past MAX_BODY_BLOCKS the preview says it stops (the email itself is not cut).
const CHUNK_CHARS = 2900;
const MAX_BODY_BLOCKS = 80;

/** What a sample's links do, and what a template that cannot render stops. */
const SAMPLE_TEXTS: Record<TemplateName, { links: string; broken: string }> = {
  change_password: { links: "Its link resets nothing.", broken: "reset emails fail to send" },
  password_changed: {
    links: "Its link secures nothing.",
    broken: "password-changed notices fail to send",
  },
};

/** The rendered subject and plain-text body of an email template, with sample data. */
export function buildTemplatePreviewModal(name: TemplateName, preview: TemplatePreview): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.templatePreviewModal,
    title: plainText("Email preview"),
    close: plainText("Close"),
    blocks: preview.ok ? previewBlocks(name, preview) : problemBlocks(name, preview.message),
  };
}

function previewBlocks(
  name: TemplateName,
  preview: Extract<TemplatePreview, { ok: true }>,
): KnownBlock[] {
  const { email, recipient } = preview;
  const chunks = splitText(email.text || "(empty)");
  const shown = chunks.slice(0, MAX_BODY_BLOCKS);
  const blocks: KnownBlock[] = [
    {
      type: "context",
      elements: [
        mrkdwn(
          `Rendered with sample data for *${escapeMrkdwn(recipient.name)}* (${escapeMrkdwn(recipient.email)}). ${SAMPLE_TEXTS[name].links} The plain-text part is shown; the HTML part has the same content.`,
        ),
      ],
    },
    { type: "section", text: mrkdwn(`*From*\n${escapeMrkdwn(email.from)}`) },
    { type: "section", text: mrkdwn(`*Subject*\n${escapeMrkdwn(email.subject)}`) },
    { type: "divider" },
    ...shown.map((chunk): KnownBlock => ({ type: "section", text: plainText(chunk) })),
  ];
  if (shown.length < chunks.length) {
    blocks.push({
      type: "context",
      elements: [mrkdwn("The preview stops here: the rest of the text does not fit in Slack.")],
    });
  }
  return blocks;
}

function problemBlocks(name: TemplateName, problem: string): KnownBlock[] {
  return [
    {
      type: "section",
      text: mrkdwn(
        `:warning: The email cannot be rendered: ${escapeMrkdwn(problem)}\nFix it with *Edit*; until then ${SAMPLE_TEXTS[name].broken}.`,
      ),
    },
  ];
}

/** Splits at line breaks where possible, so no chunk is over CHUNK_CHARS. */
function splitText(text: string): string[] {
  const chunks: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    for (let start = 0; start === 0 || start < line.length; start += CHUNK_CHARS) {
      const piece = line.slice(start, start + CHUNK_CHARS);
      const candidate = current === "" ? piece : `${current}\n${piece}`;
      if (candidate.length > CHUNK_CHARS) {
        chunks.push(current);
        current = piece;
      } else {
        current = candidate;
      }
    }
  }
  if (current.trim() !== "") chunks.push(current);
  return chunks.filter((chunk) => chunk.trim() !== "");
}
