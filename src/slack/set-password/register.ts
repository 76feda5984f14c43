import type { App, BlockAction, RadioButtonsAction } from "@slack/bolt";
import { answerCommandFailures } from "../command-replies.ts";
import { ACTION_IDS, CALLBACK_IDS, COMMANDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { createSetPasswordCommand } from "./command.ts";
import { createModeSwitch } from "./mode-switch.ts";
import { createSetPasswordSubmit } from "./submit.ts";

/** `/set-password`: the command that opens the modal, its mode switch, and its submission. */
export function registerSetPassword(app: App, deps: SlackDependencies): void {
  app.command(COMMANDS.setPassword, answerCommandFailures(deps), createSetPasswordCommand(deps));
  app.action<BlockAction<RadioButtonsAction>>(
    ACTION_IDS.setPasswordMode,
    createModeSwitch({ ...deps, connections: deps.repo.connections }),
  );
  app.view(CALLBACK_IDS.setPasswordModal, createSetPasswordSubmit(deps));
}
