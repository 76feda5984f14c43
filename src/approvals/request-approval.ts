import type { AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import {
  checkSetPasswordEligibility,
  type SetPasswordEligibility,
  type SetPasswordEligibilityPorts,
  type SetPasswordTarget,
} from "../password-reset/set-password-eligibility.ts";
import { createOpaqueId } from "../secret-tokens.ts";
import { isWellFormedText } from "../well-formed-text.ts";
import type { SetPasswordApproval, SetPasswordApprovalStore, SlackActor } from "./ports.ts";

/** The reason an admin gives for a set that needs approval: required, and short. */
export const MAX_REASON_LENGTH = 500;

export const DEFAULT_APPROVAL_LIFETIME_SECONDS = 30 * 60;

export interface RequestApprovalPorts extends SetPasswordEligibilityPorts {
  setPasswordApprovals: Pick<SetPasswordApprovalStore, "create">;
  audit: Pick<AuditLog, "record">;
}

export type RequestApprovalResult =
  | { ok: true; approval: SetPasswordApproval; email: string }
  | Extract<SetPasswordEligibility, { ok: false }>
  | { ok: false; reason: "reason_missing" | "reason_too_long" }
  /** The password is generated on approval and sent to the user: only for hashes Passdesk keeps. */
  | { ok: false; reason: "send_unavailable" };

/**
 * An admin asks for a user's password to be set. No password is taken or stored: a second admin's
 * approval generates one and sends it to the user, so nothing secret waits in the meantime.
 */
export async function requestSetPasswordApproval(
  deps: { repo: RequestApprovalPorts; clock: Clock; lifetimeSeconds: number },
  input: { target: SetPasswordTarget; requester: SlackActor; reason: string },
): Promise<RequestApprovalResult> {
  const reason = input.reason.trim();
  if (reason === "" || !isWellFormedText(reason)) return { ok: false, reason: "reason_missing" };
  if (reason.length > MAX_REASON_LENGTH) return { ok: false, reason: "reason_too_long" };
  const eligibility = await checkSetPasswordEligibility(deps.repo, input.target);
  if (!eligibility.ok) return eligibility;
  const { user, connection } = eligibility;
  if (user.externalId) return { ok: false, reason: "send_unavailable" };
  const at = deps.clock.now();
  const approval = await deps.repo.setPasswordApprovals.create(
    {
      publicId: createOpaqueId("apr"),
      userId: user.id,
      connection: connection.name,
      requester: input.requester,
      reason,
      expiresAt: new Date(at.getTime() + deps.lifetimeSeconds * 1000),
    },
    at,
  );
  await deps.repo.audit.record({
    actorType: "slack",
    actorId: input.requester.userId,
    action: "password.set_requested",
    outcome: "pending",
    targetEmail: user.email,
    connection: connection.name,
    details: {
      approval: approval.publicId,
      teamId: input.requester.teamId,
      reason,
      expiresAt: approval.expiresAt.toISOString(),
    },
  });
  return { ok: true, approval, email: user.email };
}
