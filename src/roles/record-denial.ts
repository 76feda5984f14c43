import type { AuditLog } from "../audit/ports.ts";

/**
 * Records that a Slack user was refused something their roles do not allow: an audit row (which
 * the audit channel also receives), so probing for admin tools is seen, not just blocked.
 */
export async function recordAccessDenied(
  audit: Pick<AuditLog, "record">,
  actor: { teamId: string; userId: string },
  attempted: string,
): Promise<void> {
  await audit.record({
    actorType: "slack",
    actorId: actor.userId,
    action: "access.denied",
    outcome: "denied",
    details: { attempted, teamId: actor.teamId },
  });
}
