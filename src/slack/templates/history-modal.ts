import { z } from "zod";
import type { TemplateVersion } from "../../email/ports.ts";
import { type KnownBlock, type ModalView, mrkdwn, plainText } from "../block-kit.ts";
import { ACTION_IDS, CALLBACK_IDS } from "../contract.ts";
import { describeEdit, labelChangedFields } from "./fields.ts";

/** How many versions the History modal lists, newest first. */
export const HISTORY_VERSIONS_SHOWN = 20;

export interface TemplateHistoryInput {
  currentVersion: number;
  /** Newest first. */
  versions: Array<Pick<TemplateVersion, "version" | "changedFields" | "editedBy" | "createdAt">>;
  /** The outcome of the last Revert, shown above the list. */
  notice?: string;
}

const metadataSchema = z.object({ version: z.number().int().nonnegative() });

/** The version the modal listed as current: a Revert is based on it. */
export function decodeHistoryMetadata(metadata: string | undefined): number | undefined {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(metadata ?? ""));
    return parsed.success ? parsed.data.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Recent versions of the change-password email — who saved each, when, which fields changed —
 * with a Revert button on each older one and on the built-in default.
 */
export function buildTemplateHistoryModal(input: TemplateHistoryInput): ModalView {
  const { currentVersion } = input;
  const blocks: KnownBlock[] = [
    {
      type: "context",
      elements: [
        mrkdwn(
          "Every save is a new version. Revert saves an older version's fields as a new version.",
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
      ),
    );
  }
  if (currentVersion > 0) {
    blocks.push(versionSection("*Built-in default* (version 0)\nPassdesk's own email.", 0));
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
    private_metadata: JSON.stringify({ version: currentVersion }),
    blocks,
  };
}

function versionSection(text: string, revertTo: number | undefined): KnownBlock {
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
                `Version ${revertTo}'s fields are saved as a new version and used for the next reset email.`,
              ),
              confirm: plainText("Revert"),
              deny: plainText("Cancel"),
            },
          },
        }),
  };
}
