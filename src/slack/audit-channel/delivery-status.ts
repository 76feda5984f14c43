import type { webApi } from "@slack/bolt";
import type { AuditPostQueue } from "../../audit/ports.ts";
import type { AppliedEvent } from "../../email/apply-delivery-events.ts";
import type { Logger } from "../../logger.ts";
import type { ResetRequestStore } from "../../password-reset/ports.ts";
import { maskEmail, maskEmailsIn } from "../../users/email.ts";
import { toAuditMessage } from "./audit-record-message.ts";

export interface DeliveryNotifier {
  onApplied(applied: AppliedEvent[]): Promise<void>;
}

const FAILED = new Set(["bounce", "dropped"]);

/**
 * Shows delivery status where the reset was asked for: the request's audit-channel message is
 * updated in place, and when the email bounces or is dropped the staff member who asked is told
 * (ephemerally in the channel they used, else by direct message).
 */
export function createSlackDeliveryNotifier(deps: {
  repo: {
    auditPosts: Pick<AuditPostQueue, "findPosted">;
    resetRequests: Pick<ResetRequestStore, "findById">;
  };
  client: webApi.WebClient;
  logger: Logger;
}): DeliveryNotifier {
  async function updateAuditMessage(
    requestId: string,
    delivery: { status: string; reason: string | null },
  ) {
    const posted = await deps.repo.auditPosts.findPosted("password_reset.requested", requestId);
    if (!posted) return;
    await deps.client.chat.update({
      channel: posted.channel,
      ts: posted.ts,
      ...toAuditMessage(posted.record, delivery),
    });
  }

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
      for (const { email, event, statusChanged } of applied) {
        if (!statusChanged || email.requestId === null) continue;
        const request = await deps.repo.resetRequests.findById(email.requestId);
        if (request?.source !== "slack") continue;
        try {
          await updateAuditMessage(request.publicId, { status: event.event, reason: event.reason });
          if (FAILED.has(event.event) && request.requestedBy) {
            const verb = event.event === "bounce" ? "bounced" : "was dropped";
            await tellRequester(
              request.requestedBy,
              `:warning: The password reset email to *${maskEmail(request.email)}* ${verb}${event.reason ? `: ${maskEmailsIn(event.reason)}` : "."} (request \`${request.publicId}\`)`,
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
