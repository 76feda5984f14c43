import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { unblockAnnouncedBlock } from "../../sign-in/staff-unblock.ts";
import { maskEmail } from "../../users/email.ts";
import { escapeMrkdwn } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { staffButton, supportOnly } from "../staff-button.ts";

export type UnblockDependencies = Pick<SlackDependencies, "repo" | "roles" | "logger" | "clock">;

/**
 * The Unblock button on a sign-in block's audit message: support or admin (checked now, not when
 * the message was posted) lifts that block; audited as them and answered only to the clicker.
 */
export function createUnblockButton(deps: UnblockDependencies) {
  return staffButton(
    deps,
    supportOnly(ACTION_IDS.unblockSignIn, "unblock sign-in"),
    async function unblockSignIn({ args, actor, reply }) {
      const result = await unblockAnnouncedBlock(deps.repo, {
        blockId: args.action.value ?? "",
        actor: { actorType: "slack", actorId: actor.userId },
        at: deps.clock.now(),
      });
      if (!result.ok) return void (await reply("That block is no longer on record."));
      const who = `*${escapeMrkdwn(maskEmail(result.email))}*`;
      const where = `\`${escapeMrkdwn(result.ip)}\``;
      await reply(
        result.lifted > 0
          ? `:unlock: Sign-in unblocked for ${who} from ${where}.`
          : `${who} was no longer blocked from ${where}: a reset, another unblock or time lifted it.`,
      );
    },
  );
}

export function registerSignIn(app: App, deps: SlackDependencies): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.unblockSignIn, createUnblockButton(deps));
}
