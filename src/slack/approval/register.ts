import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { createApprovalButton } from "./decide-button.ts";

/** The approval card's Approve and Deny buttons (four-eyes /set-password). */
export function registerApproval(app: App, deps: SlackDependencies): void {
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.approveSetPassword,
    createApprovalButton(deps, "approved"),
  );
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.denySetPassword,
    createApprovalButton(deps, "denied"),
  );
}
