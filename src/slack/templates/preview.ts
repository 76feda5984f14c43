import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import {
  type AdminSampleEmailDependencies,
  previewForAdmin,
} from "../../email/admin-sample-email.ts";
import { actorOfInteraction } from "../actor.ts";
import { ACTION_IDS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { readTemplateName } from "./fields.ts";
import { buildTemplatePreviewModal } from "./preview-modal.ts";
import { readSlackProfile } from "./slack-profile.ts";

type ButtonArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "client"
>;

/** A card's Preview button: that email as the admin would get it, with sample data. */
export function createPreviewButton(
  deps: RoleGuardDependencies & { sampleEmail: AdminSampleEmailDependencies },
) {
  return async function previewFromCard({ ack, body, action, client }: ButtonArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.openTemplatePreview))) return;
    const name = readTemplateName(action.value);
    const profile = await readSlackProfile(client, actor.userId);
    const preview = await previewForAdmin(deps.sampleEmail, profile, name);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildTemplatePreviewModal(name, preview),
    });
  };
}
