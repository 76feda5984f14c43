import { type PeriodicJob, startPeriodicJob } from "../jobs/periodic-job.ts";
import type { Logger } from "../logger.ts";
import type { AuditChainStore } from "./chain.ts";

export type AuditAnchoring = PeriodicJob;

/**
 * Writes the chain's head into the chain as an `audit.anchored` entry once per `everyMillis`
 * (AUDIT_ANCHOR_INTERVAL_HOURS), which the audit channel posts: a copy of the head outside the
 * database, to give back to `passdesk audit verify --anchor`. Every instance runs it; the store
 * lets one anchor through per interval.
 */
export function startAuditAnchoring(deps: {
  chain: Pick<AuditChainStore, "anchorIfDue">;
  logger: Logger;
  everyMillis: number;
  /** How often to ask whether one is due: a few times per interval, hourly at most. */
  checkMillis?: number;
}): AuditAnchoring {
  // Not at start (a restart would post one); checked often enough that a restart skips no day.
  return startPeriodicJob(
    async () => {
      const head = await deps.chain.anchorIfDue(deps.everyMillis);
      if (head) deps.logger.info({ seq: head.seq }, "audit chain anchored");
    },
    {
      logger: deps.logger,
      intervalMillis: deps.checkMillis ?? Math.min(deps.everyMillis / 4, 60 * 60 * 1000),
      jitter: 0.2,
    },
  );
}
