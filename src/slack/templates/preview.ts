import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import {
  type AdminSampleEmailDependencies,
  previewForAdmin,
} from "../../email/admin-sample-email.ts";
import { actorOfInteraction } from "../actor.ts";
import { ACTION_IDS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { buildTemplatePreviewModal } from "./preview-modal.ts";
import { readSlackProfile } from "./slack-profile.ts";

type ButtonArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs,
  "ack" | "body" | "client"
>;

/** The card's Preview button: the email as the admin would get it, with sample data. */
export function createPreviewButton(
  deps: RoleGuardDependencies & { sampleEmail: AdminSampleEmailDependencies },
) {
  return async function previewFromCard({ ack, body, client }: ButtonArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.openTemplatePreview))) return;
    const profile = await readSlackProfile(client, actor.userId);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildTemplatePreviewModal(await previewForAdmin(deps.sampleEmail, profile)),
    });
  };
}
