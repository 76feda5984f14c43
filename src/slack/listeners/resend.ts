import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { requestStaffReset } from "../../password-reset/staff-reset.ts";
import { ACTION_IDS } from "../contract.ts";
import { recordDenial, type SlackDependencies } from "../dependencies.ts";
import { canRequestReset } from "../roles.ts";
import { describeStaffReset } from "../staff-reset-reply.ts";
import { viewActor } from "./views.ts";

/**
 * The Resend button on a Slack-requested reset's audit message: the same pipeline as
 * /reset-password (role re-checked, same per-user limit, audited), answered only to the clicker.
 */
export function registerResend(app: App, deps: SlackDependencies): void {
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.resendReset,
    async ({ ack, body, action, respond }) => {
      await ack();
      const actor = viewActor(body);
      const reply = (text: string) =>
        respond({ response_type: "ephemeral", replace_original: false, text });
      if (!canRequestReset(await deps.roles.rolesOf(actor))) {
        await recordDenial(deps, actor, ACTION_IDS.resendReset);
        return void (await reply(
          "You need the *support* or *admin* role to resend reset emails: ask a Passdesk admin.",
        ));
      }
      const original = await deps.repo.resetRequests.findByPublicId(action.value ?? "");
      if (original?.source !== "slack") return void (await reply("That request no longer exists."));
      const result = await requestStaffReset(
        { repo: deps.repo, clock: deps.clock, limits: deps.limits },
        {
          email: original.email,
          connection: original.connection,
          requestedBy: { ...actor, ...(body.channel?.id && { channelId: body.channel.id }) },
        },
      );
      if (result.outcome === "queued") deps.wakeWorker();
      await reply(describeStaffReset(result, original.email, original.connection));
    },
  );
}
