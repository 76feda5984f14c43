import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { createRevealButton } from "./button.ts";

/** The Reveal password button of the DM "Send it to the user" posts (when Passdesk can seal). */
export function registerReveal(app: App, deps: SlackDependencies): void {
  const { reveal } = deps;
  if (!reveal) return;
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.revealPassword,
    createRevealButton({ ...deps, sealer: reveal.sealer }),
  );
}
