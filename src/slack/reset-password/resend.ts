import { resendStaffReset } from "../../password-reset/resend-staff-reset.ts";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { staffButton, supportOnly } from "../staff-button.ts";
import { describeStaffReset } from "./reply.ts";

export type ResendDependencies = Pick<
  SlackDependencies,
  "repo" | "roles" | "logger" | "clock" | "limits" | "wakeWorker"
>;

/**
 * The Resend button on a Slack-requested reset's audit message: the same pipeline as
 * /reset-password (role re-checked, same per-user limit, audited), answered only to the clicker.
 */
export function createResendButton(deps: ResendDependencies) {
  return staffButton(
    deps,
    supportOnly(ACTION_IDS.resendReset, "resend reset emails"),
    async function resendReset({ args, actor, reply }) {
      const { body, action } = args;
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
    },
  );
}
