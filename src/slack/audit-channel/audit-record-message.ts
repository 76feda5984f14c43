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
  // A reset staff asked for can be sent again from the channel (role re-checked on click).
  const resendable =
    record.actorType === "slack" &&
    record.action === "password_reset.requested" &&
    record.outcome === "queued";
  if (!resendable || !record.requestId) return message;
  return {
    ...message,
    blocks: [
      ...message.blocks,
      {
        type: "actions" as const,
        elements: [
          {
            type: "button" as const,
            action_id: ACTION_IDS.resendReset,
            text: { type: "plain_text" as const, text: "Resend" },
            value: record.requestId,
          },
        ],
      },
    ],
  };
}
