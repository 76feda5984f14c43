/** Why an emailed single-use link (unblock, secure my account) cannot be used now. */
export type LinkProblem = "invalid" | "expired" | "used" | "revoked";

/** The problem with a link's ticket at `at`, or null when it can still be used. */
export function linkProblemOf(
  ticket: { usedAt: Date | null; revokedAt: Date | null; expiresAt: Date } | undefined,
  at: Date,
): LinkProblem | null {
  if (!ticket) return "invalid";
  if (ticket.usedAt) return "used";
  if (ticket.revokedAt) return "revoked";
  return ticket.expiresAt <= at ? "expired" : null;
}
