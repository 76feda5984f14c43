import type { AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import { type PeriodicJob, startPeriodicJob } from "../jobs/periodic-job.ts";
import type { Logger } from "../logger.ts";
import type { UserStore } from "../users/ports.ts";
import type { SetPasswordApproval, SetPasswordApprovalStore } from "./ports.ts";

const EXPIRY_BATCH = 100;

export interface ApprovalExpiryPorts {
  setPasswordApprovals: Pick<SetPasswordApprovalStore, "listDue" | "expire">;
  users: Pick<UserStore, "findById">;
  audit: Pick<AuditLog, "record">;
}

export interface ApprovalExpiryDependencies {
  repo: ApprovalExpiryPorts;
  clock: Clock;
  logger: Logger;
  /** Tells people a request expired (the card, the requester); a failure is only logged. */
  onExpired?(approval: SetPasswordApproval, email: string | null): Promise<void>;
}

/**
 * Ends the requests nobody decided in time. Each is expired once, under its row's guard, so
 * every instance may run this; a click racing the expiry finds the request no longer pending.
 */
export async function expireDueApprovals(deps: ApprovalExpiryDependencies): Promise<number> {
  const due = await deps.repo.setPasswordApprovals.listDue(deps.clock.now(), EXPIRY_BATCH);
  for (const request of due) {
    const expired = await deps.repo.setPasswordApprovals.expire(request.id, deps.clock.now());
    if (!expired) continue;
    const user = await deps.repo.users.findById(expired.userId);
    await deps.repo.audit.record({
      actorType: "system",
      action: "password.set_request_expired",
      outcome: "expired",
      targetEmail: user?.email ?? null,
      connection: expired.connection,
      details: { approval: expired.publicId, requestedBy: expired.requester.userId },
    });
    try {
      await deps.onExpired?.(expired, user?.email ?? null);
    } catch (error) {
      deps.logger.warn({ err: error, approval: expired.publicId }, "could not tell of an expiry");
    }
  }
  return due.length;
}

export type ApprovalExpiry = PeriodicJob;

/** Expires undecided requests every minute by default. */
export function startApprovalExpiry(
  deps: ApprovalExpiryDependencies & { intervalMillis?: number },
): ApprovalExpiry {
  return startPeriodicJob(
    async () => {
      for (let pass = 0; pass < 10 && (await expireDueApprovals(deps)) === EXPIRY_BATCH; pass++);
    },
    { logger: deps.logger, intervalMillis: deps.intervalMillis ?? 60_000, jitter: 0.5 },
  );
}
