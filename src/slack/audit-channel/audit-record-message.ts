import type { AuditRecord } from "../../audit/ports.ts";
import { ACTION_IDS } from "../contract.ts";
import { buildAuditMessage } from "./audit-message.ts";

const ACTOR_LABELS: Record<string, string> = {
  public: "The public API",
  user: "The user",
  cli: "The CLI",
  system: "Passdesk",
};

/** The channel message for an audit row, with the reset email's delivery status when known. */
export function toAuditMessage(
  record: AuditRecord,
  delivery?: { status: string; reason: string | null },
) {
  const message = buildAuditMessage({
    ...(delivery && { delivery }),
    at: record.at,
    ...(record.actorType === "slack" && record.actorId
      ? { actorSlackUserId: record.actorId }
      : { actorLabel: ACTOR_LABELS[record.actorType] ?? record.actorType }),
    action: record.action,
    outcome: record.outcome,
    targetEmail: record.targetEmail,
    connection: record.connection,
    requestId: record.requestId,
    details: record.details,
  });
  const button = buttonOf(record);
  if (!button || !record.requestId) return message;
  return {
    ...message,
    blocks: [
      ...message.blocks,
      {
        type: "actions" as const,
        elements: [
          {
            type: "button" as const,
            action_id: button.actionId,
            text: { type: "plain_text" as const, text: button.text },
            value: record.requestId,
          },
        ],
      },
    ],
  };
}

/**
 * What staff can do from the message (role re-checked on click): send a reset they asked for
 * again, or lift a sign-in block. The button's value is the request's or block's id, never the
 * email.
 */
function buttonOf(record: AuditRecord): { actionId: string; text: string } | undefined {
  if (
    record.actorType === "slack" &&
    record.action === "password_reset.requested" &&
    record.outcome === "queued"
  )
    return { actionId: ACTION_IDS.resendReset, text: "Resend" };
  if (record.action === "sign_in.blocked")
    return { actionId: ACTION_IDS.unblockSignIn, text: "Unblock" };
  return undefined;
}
