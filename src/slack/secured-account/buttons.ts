import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import {
  resetSecuredAccount,
  unblockSecuredAccount,
} from "../../password-reset/secured-account-staff.ts";
import { maskEmail } from "../../users/email.ts";
import { escapeMrkdwn } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { describeStaffReset } from "../reset-password/reply.ts";
import { staffButton, supportOnly } from "../staff-button.ts";

export type SecuredAccountButtonDependencies = Pick<
  SlackDependencies,
  "repo" | "roles" | "logger" | "clock" | "limits" | "wakeWorker" | "hasher"
>;

const GONE = "That account is no longer on record.";

/**
 * The Send reset email button of a secured account's alert: support or admin (checked now, not
 * when the alert was posted) make the password unusable, lift the block and send the user a reset
 * email through the same staff reset as /reset-password; audited as them and answered only to
 * the clicker.
 */
export function createResetSecuredButton(deps: SecuredAccountButtonDependencies) {
  return staffButton(
    deps,
    supportOnly(ACTION_IDS.resetSecuredAccount, "send reset emails"),
    async function resetSecured({ args, actor, reply }) {
      const { body, action } = args;
      const done = await resetSecuredAccount(
        { repo: deps.repo, clock: deps.clock, limits: deps.limits, hasher: deps.hasher },
        {
          securedId: action.value ?? "",
          requestedBy: { ...actor, ...(body.channel?.id && { channelId: body.channel.id }) },
        },
      );
      if (!done.ok) return void (await reply(GONE));
      if (done.result.outcome === "queued") deps.wakeWorker();
      const lifted = done.unblocked
        ? ":unlock: The account is unblocked, and its password no longer works: only the reset link gets the user back in. "
        : "";
      await reply(`${lifted}${describeStaffReset(done.result, done.email, done.connection)}`);
    },
  );
}

/** The Unblock button of a secured account's alert: lifts the account's block, as above. */
export function createUnblockSecuredButton(deps: SecuredAccountButtonDependencies) {
  return staffButton(
    deps,
    supportOnly(ACTION_IDS.unblockSecuredAccount, "unblock accounts"),
    async function unblockSecured({ args, actor, reply }) {
      const result = await unblockSecuredAccount(deps.repo, {
        securedId: args.action.value ?? "",
        actor: { actorType: "slack", actorId: actor.userId },
        at: deps.clock.now(),
      });
      if (!result.ok) {
        return void (await reply(
          result.reason === "external_store"
            ? "That user lives in the app's own user store: block or unblock them there."
            : GONE,
        ));
      }
      const who = `*${escapeMrkdwn(maskEmail(result.email))}*`;
      await reply(
        result.lifted
          ? `:unlock: ${who} is unblocked: they can sign in with their current password.`
          : `${who} was no longer blocked.`,
      );
    },
  );
}

/** The buttons of the audit channel's `user.secured` alerts. */
export function registerSecuredAccount(app: App, deps: SlackDependencies): void {
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.resetSecuredAccount,
    createResetSecuredButton(deps),
  );
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.unblockSecuredAccount,
    createUnblockSecuredButton(deps),
  );
}
