import type { webApi } from "@slack/bolt";
import type { AppliedEvent } from "../../email/apply-delivery-events.ts";
import type { Logger } from "../../logger.ts";
import {
  type DeliveryFollowUpPorts,
  findDeliveryFollowUp,
} from "../../password-reset/delivery-follow-up.ts";
import { maskEmail, maskEmailsIn } from "../../users/email.ts";
import { toAuditMessage } from "./audit-record-message.ts";

export interface DeliveryNotifier {
  onApplied(applied: AppliedEvent[]): Promise<void>;
}

/**
 * Shows delivery status where the reset was asked for: the request's audit-channel message is
 * updated in place, and when the email bounces or is dropped the staff member who asked is told
 * (ephemerally in the channel they used, else by direct message).
 */
export function createSlackDeliveryNotifier(deps: {
  repo: DeliveryFollowUpPorts;
  client: webApi.WebClient;
  logger: Logger;
}): DeliveryNotifier {
  async function tellRequester(requestedBy: Record<string, string>, text: string) {
    const { userId, channelId } = requestedBy;
    if (!userId) return;
    if (channelId) {
      try {
        await deps.client.chat.postEphemeral({ channel: channelId, user: userId, text });
        return;
      } catch {
        // The bot is not in that channel (or it was a DM with someone else): fall back to a DM.
      }
    }
    const { channel } = await deps.client.conversations.open({ users: userId });
    if (channel?.id) await deps.client.chat.postMessage({ channel: channel.id, text });
  }

  return {
    async onApplied(applied) {
      for (const event of applied) {
        const followUp = await findDeliveryFollowUp(deps.repo, event);
        if (!followUp) continue;
        const { request, delivery, failure } = followUp;
        try {
          const posted = await followUp.findPosted();
          if (posted) {
            await deps.client.chat.update({
              channel: posted.channel,
              ts: posted.ts,
              ...toAuditMessage(posted.record, delivery),
            });
          }
          if (failure) {
            await tellRequester(
              failure.requestedBy,
              `:warning: The password reset email to *${maskEmail(request.email)}* ${failure.verb}${delivery.reason ? `: ${maskEmailsIn(delivery.reason)}` : "."} (request \`${request.publicId}\`)`,
            );
          }
        } catch (error) {
          deps.logger.warn(
            { err: error, requestId: request.publicId },
            "delivery status not shown in Slack",
          );
        }
      }
    },
  };
}
