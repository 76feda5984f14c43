import type { AuditPostQueue, PostedAudit } from "../audit/ports.ts";
import type { AppliedEvent } from "../email/apply-delivery-events.ts";
import type { ResetRequest, ResetRequestStore } from "./ports.ts";

export interface DeliveryFollowUpPorts {
  resetRequests: Pick<ResetRequestStore, "findById">;
  auditPosts: Pick<AuditPostQueue, "findPosted">;
}

/** What staff should see of a delivery event on a reset they asked for from Slack. */
export interface DeliveryFollowUp {
  request: ResetRequest;
  delivery: { status: string; reason: string | null };
  /** Finds the request's audit-channel message, to show the status there (if it was posted). */
  findPosted(): Promise<PostedAudit | undefined>;
  /** Set when the email bounced or was dropped: the staff member who asked is told. */
  failure: { verb: "bounced" | "was dropped"; requestedBy: Record<string, string> } | undefined;
}

const FAILURE_VERBS: Record<string, "bounced" | "was dropped"> = {
  bounce: "bounced",
  dropped: "was dropped",
};

/**
 * The follow-up of one applied delivery event, or undefined when there is none: only a status
 * that changed, of an email for a reset staff asked for in Slack, is shown to them. Public
 * requests have no one to tell.
 */
export async function findDeliveryFollowUp(
  ports: DeliveryFollowUpPorts,
  { email, event, statusChanged }: AppliedEvent,
): Promise<DeliveryFollowUp | undefined> {
  if (!statusChanged || email.requestId === null) return undefined;
  const request = await ports.resetRequests.findById(email.requestId);
  if (request?.source !== "slack") return undefined;
  const verb = FAILURE_VERBS[event.event];
  return {
    request,
    delivery: { status: event.event, reason: event.reason },
    findPosted: () => ports.auditPosts.findPosted("password_reset.requested", request.publicId),
    failure: verb && request.requestedBy ? { verb, requestedBy: request.requestedBy } : undefined,
  };
}
