import type { webApi } from "@slack/bolt";
import type { SetPasswordApproval } from "../../approvals/ports.ts";
import type { Logger } from "../../logger.ts";
import { buildClosedCard, buildRequesterNotice } from "./card.ts";

type Client = Pick<webApi.WebClient, "conversations" | "chat">;

/**
 * Says what became of a request: on its card (its buttons removed) and to its requester by DM.
 * The change is made by then, so a Slack failure is logged and goes no further.
 */
export async function tellOutcome(
  deps: { logger: Logger },
  client: Client,
  approval: SetPasswordApproval,
  email: string | null,
): Promise<void> {
  const shown = email ?? "a deleted user";
  try {
    if (approval.cardChannel && approval.cardTs) {
      await client.chat.update({
        channel: approval.cardChannel,
        ts: approval.cardTs,
        ...buildClosedCard(approval, shown),
      });
    }
  } catch (error) {
    deps.logger.warn(
      { err: error, approval: approval.publicId },
      "could not update an approval card",
    );
  }
  try {
    const opened = await client.conversations.open({ users: approval.requester.userId });
    const channel = opened.channel?.id;
    if (!channel) throw new Error("conversations.open returned no channel");
    await client.chat.postMessage({ channel, ...buildRequesterNotice(approval, shown) });
  } catch (error) {
    deps.logger.warn({ err: error, approval: approval.publicId }, "could not tell a requester");
  }
}
