import { z } from "zod";
import type { TemplateVersion } from "../../email/ports.ts";
import {
  CHANGE_PASSWORD_TEMPLATE,
  TEMPLATE_NAMES,
  type TemplateName,
} from "../../email/template.ts";
import { type KnownBlock, type ModalView, mrkdwn, plainText } from "../block-kit.ts";
import { ACTION_IDS, CALLBACK_IDS } from "../contract.ts";
import { describeEdit, labelChangedFields, TEMPLATE_TEXTS } from "./fields.ts";

/** How many versions the History modal lists, newest first. */
export const HISTORY_VERSIONS_SHOWN = 20;

export interface TemplateHistoryInput {
  name: TemplateName;
  currentVersion: number;
  /** Newest first. */
  versions: Array<Pick<TemplateVersion, "version" | "changedFields" | "editedBy" | "createdAt">>;
  /** The outcome of the last Revert, shown above the list. */
  notice?: string;
}

const metadataSchema = z.object({
  // Modals opened before there were two templates carry none: they listed change_password.
  template: z.enum(TEMPLATE_NAMES).default(CHANGE_PASSWORD_TEMPLATE),
  version: z.number().int().nonnegative(),
});

/** The template the modal lists, and the version it listed as current: a Revert is based on it. */
export function decodeHistoryMetadata(
  metadata: string | undefined,
): { template: TemplateName; version: number } | undefined {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(metadata ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Recent versions of an email template — who saved each, when, which fields changed — with a
 * Revert button on each older one and on the built-in default.
 */
export function buildTemplateHistoryModal(input: TemplateHistoryInput): ModalView {
  const { currentVersion, name } = input;
  const blocks: KnownBlock[] = [
    {
      type: "context",
      elements: [
        mrkdwn(
          `*${TEMPLATE_TEXTS[name].card}*. Every save is a new version. Revert saves an older version's fields as a new version.`,
        ),
      ],
    },
  ];
  if (input.notice) blocks.push({ type: "section", text: mrkdwn(input.notice) });
  for (const version of input.versions.slice(0, HISTORY_VERSIONS_SHOWN)) {
    const changed = labelChangedFields(version.changedFields).join(", ") || "nothing";
    const current = version.version === currentVersion ? " (current)" : "";
    blocks.push(
      versionSection(
        `*Version ${version.version}*${current}\n${describeEdit(version.editedBy, version.createdAt)}\nChanged: ${changed}`,
        version.version === currentVersion ? undefined : version.version,
        name,
      ),
    );
  }
  if (currentVersion > 0) {
    blocks.push(versionSection("*Built-in default* (version 0)\nPassdesk's own email.", 0, name));
  } else {
    blocks.push({
      type: "section",
      text: mrkdwn("No saved versions: the built-in default is in force."),
    });
  }
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.templateHistoryModal,
    title: plainText("Email history"),
    close: plainText("Close"),
    private_metadata: JSON.stringify({ template: name, version: currentVersion }),
    blocks,
  };
}

function versionSection(
  text: string,
  revertTo: number | undefined,
  name: TemplateName,
): KnownBlock {
  return {
    type: "section",
    text: mrkdwn(text),
    ...(revertTo === undefined
      ? {}
      : {
          accessory: {
            type: "button",
            action_id: ACTION_IDS.revertTemplate,
            text: plainText("Revert"),
            value: String(revertTo),
            confirm: {
              title: plainText(`Revert to version ${revertTo}?`),
              text: plainText(
                `Version ${revertTo}'s fields are saved as a new version and used for ${TEMPLATE_TEXTS[name].next}.`,
              ),
              confirm: plainText("Revert"),
              deny: plainText("Cancel"),
            },
          },
        }),
  };
}
