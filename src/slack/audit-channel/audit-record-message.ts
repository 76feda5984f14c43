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
  const buttons = buttonsOf(record);
  if (buttons.length === 0 || !record.requestId) return message;
  const value = record.requestId;
  return {
    ...message,
    blocks: [
      ...message.blocks,
      {
        type: "actions" as const,
        elements: buttons.map((button) => ({
          type: "button" as const,
          action_id: button.actionId,
          text: { type: "plain_text" as const, text: button.text },
          value,
        })),
      },
    ],
  };
}

/**
 * What staff can do from the message (role re-checked on click): send a reset they asked for
 * again, lift a sign-in block, or help a user who secured their account (an external store's
 * user was not blocked by Passdesk: nothing to unblock). The buttons' value is the request's,
 * block's or entry's id, never the email.
 */
function buttonsOf(record: AuditRecord): Array<{ actionId: string; text: string }> {
  if (
    record.actorType === "slack" &&
    record.action === "password_reset.requested" &&
    record.outcome === "queued"
  )
    return [{ actionId: ACTION_IDS.resendReset, text: "Resend" }];
  if (record.action === "sign_in.blocked")
    return [{ actionId: ACTION_IDS.unblockSignIn, text: "Unblock" }];
  if (record.action === "user.secured") {
    const reset = { actionId: ACTION_IDS.resetSecuredAccount, text: "Send reset email" };
    const unblock = { actionId: ACTION_IDS.unblockSecuredAccount, text: "Unblock" };
    return record.outcome === "signed_out" ? [reset] : [reset, unblock];
  }
  return [];
}
