import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import {
  type RevealDependencies,
  type RevealProblem,
  revealInSlack,
} from "../../password-reset/password-reveal.ts";
import { actorOfInteraction } from "../actor.ts";
import { escapeMrkdwn, type ModalView, mrkdwn, plainText } from "../block-kit.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { buildRevealClosedMessage, slackDate } from "./message.ts";

type RevealArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "respond" | "client"
>;

export type RevealButtonDependencies = Pick<SlackDependencies, "logger" | "clock"> & {
  repo: RevealDependencies["repo"];
  sealer: RevealDependencies["sealer"];
};

const PROBLEMS: Record<RevealProblem, string> = {
  invalid: "This password is no longer on record: ask your administrator to set a new one.",
  not_yours: "This button is for the person whose password was set: it does nothing for you.",
  used: "This password was already revealed: it is shown only once.",
  expired:
    "This password expired before it was revealed and no longer works: ask your administrator again.",
  superseded: "Your password was changed again since, so this one no longer works.",
};

/** The modal that shows the password: modal contents stay out of the message history. */
export function buildRevealModal(password: string, email: string): ModalView {
  return {
    type: "modal",
    title: plainText("Your new password"),
    close: plainText("Done"),
    blocks: [
      { type: "section", text: mrkdwn(`The new password of *${escapeMrkdwn(email)}*:`) },
      { type: "section", text: mrkdwn(`\`\`\`${escapeMrkdwn(password)}\`\`\``) },
      {
        type: "context",
        elements: [
          mrkdwn(
            "Copy it now: it is shown only this once, and nobody else has seen it. Consider changing it after you sign in.",
          ),
        ],
      },
    ],
  };
}

/**
 * The DM's Reveal password button: for the Slack user it was sent to only (checked here, on the
 * click), once. The password goes into a modal, never into a message.
 */
export function createRevealButton(deps: RevealButtonDependencies) {
  return async function revealPassword({ ack, body, action, respond, client }: RevealArgs) {
    await ack();
    const clicker = actorOfInteraction(body);
    const result = await revealInSlack(deps, { publicId: action.value ?? "", clicker });
    const message = body.container as { channel_id?: string; message_ts?: string } | undefined;
    const closeMessage = async (text: string) => {
      if (!message?.channel_id || !message.message_ts) return;
      await client.chat
        .update({
          channel: message.channel_id,
          ts: message.message_ts,
          ...buildRevealClosedMessage(text),
        })
        .catch((error: unknown) => deps.logger.warn({ err: error }, "reveal DM not updated"));
    };
    if (!result.ok) {
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: PROBLEMS[result.problem],
      });
      if (result.problem !== "not_yours") await closeMessage(`:lock: ${PROBLEMS[result.problem]}`);
      return;
    }
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: buildRevealModal(result.password, result.email),
      });
    } catch (error) {
      deps.logger.error({ err: error, reveal: result.reveal.publicId }, "reveal modal not opened");
      const text = `Slack could not show the password, and it is shown only once: ask your administrator to set a new one.`;
      await respond({ response_type: "ephemeral", replace_original: false, text });
      return void (await closeMessage(`:warning: ${text}`));
    }
    await closeMessage(
      `:white_check_mark: You revealed your new password ${slackDate(deps.clock.now())}. If that was not you, tell your administrator now.`,
    );
  };
}
