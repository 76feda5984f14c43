import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { answerCommandFailures } from "../command-replies.ts";
import { ACTION_IDS, COMMANDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { createResetPasswordCommand } from "./command.ts";
import { createResendButton } from "./resend.ts";

/** `/reset-password`, and the Resend button of the audit channel's reset messages. */
export function registerResetPassword(app: App, deps: SlackDependencies): void {
  app.command(
    COMMANDS.resetPassword,
    answerCommandFailures(deps),
    createResetPasswordCommand(deps),
  );
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.resendReset, createResendButton(deps));
}
