import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import { resendStaffReset } from "../../password-reset/resend-staff-reset.ts";
import { actorOfInteraction } from "../actor.ts";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { requireRole } from "../require-role.ts";
import { describeStaffReset } from "./reply.ts";

type ResendArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "respond"
>;

export type ResendDependencies = Pick<
  SlackDependencies,
  "repo" | "roles" | "logger" | "clock" | "limits" | "wakeWorker"
>;

/**
 * The Resend button on a Slack-requested reset's audit message: the same pipeline as
 * /reset-password (role re-checked, same per-user limit, audited), answered only to the clicker.
 */
export function createResendButton(deps: ResendDependencies) {
  return async function resendReset({ ack, body, action, respond }: ResendArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    const reply = (text: string) =>
      respond({ response_type: "ephemeral", replace_original: false, text });
    if (!(await requireRole(deps, actor, "support", ACTION_IDS.resendReset))) {
      return void (await reply(
        "You need the *support* or *admin* role to resend reset emails: ask a Passdesk admin.",
      ));
    }
    const resent = await resendStaffReset(
      { repo: deps.repo, clock: deps.clock, limits: deps.limits },
      {
        requestId: action.value ?? "",
        requestedBy: { ...actor, ...(body.channel?.id && { channelId: body.channel.id }) },
      },
    );
    if (!resent.ok) return void (await reply("That request no longer exists."));
    if (resent.result.outcome === "queued") deps.wakeWorker();
    await reply(describeStaffReset(resent.result, resent.email, resent.connection));
  };
}
