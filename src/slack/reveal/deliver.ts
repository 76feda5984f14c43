import type { webApi } from "@slack/bolt";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import {
  type RevealFallbackPorts,
  sendRevealByEmailInstead,
} from "../../password-reset/password-reveal.ts";
import type { PasswordReveal, PasswordRevealStore } from "../../password-reset/ports.ts";
import type { Transaction } from "../../unit-of-work.ts";
import { buildRevealMessage } from "./message.ts";

export interface RevealDeliveryDependencies {
  repo: {
    passwordReveals: Pick<PasswordRevealStore, "setSlackMessage">;
    transaction: Transaction<RevealFallbackPorts>;
  };
  clock: Clock;
  logger: Logger;
  friendlyName: string;
  /** Asks the worker to send queued emails now. */
  wakeWorker(): void;
}

/**
 * DMs the user their Reveal button. When Slack refuses (DMs closed, the app not allowed to open
 * one, Slack down), the same reveal goes by email instead: the user always gets a way to it.
 * Returns where it went.
 */
export async function deliverReveal(
  deps: RevealDeliveryDependencies,
  client: Pick<webApi.WebClient, "conversations" | "chat">,
  reveal: PasswordReveal,
  user: { id: number; email: string },
): Promise<"slack" | "email"> {
  if (reveal.channel === "slack" && reveal.slackUserId) {
    try {
      const opened = await client.conversations.open({ users: reveal.slackUserId });
      const channel = opened.channel?.id;
      if (!channel) throw new Error("conversations.open returned no channel");
      const posted = await client.chat.postMessage({
        channel,
        ...buildRevealMessage({
          publicId: reveal.publicId,
          friendlyName: deps.friendlyName,
          email: user.email,
          expiresAt: reveal.expiresAt,
        }),
      });
      if (posted.ts) await deps.repo.passwordReveals.setSlackMessage(reveal.id, channel, posted.ts);
      return "slack";
    } catch (error) {
      const reason = (error as { data?: { error?: string } }).data?.error ?? String(error);
      deps.logger.warn({ reveal: reveal.publicId, reason }, "reveal DM failed; sending by email");
      await sendRevealByEmailInstead(deps.repo, reveal, user, deps.clock.now(), reason);
    }
  }
  deps.wakeWorker();
  return "email";
}
