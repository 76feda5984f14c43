import { startPolling } from "../jobs/polling.ts";
import { createSerialTask } from "../jobs/serial-task.ts";
import type { Logger } from "../logger.ts";
import type { AuditChainStore } from "./chain.ts";

export interface AuditAnchoring {
  /** Runs one pass now (tests; start-up). */
  run(): Promise<void>;
  stop(): Promise<void>;
}

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
  const task = createSerialTask(async () => {
    const head = await deps.chain.anchorIfDue(deps.everyMillis);
    if (head) deps.logger.info({ seq: head.seq }, "audit chain anchored");
  }, deps.logger);
  // Not at start (a restart would post one); checked often enough that a restart skips no day.
  const polling = startPolling(() => task.run(), {
    intervalMillis: deps.checkMillis ?? Math.min(deps.everyMillis / 4, 60 * 60 * 1000),
    jitter: 0.2,
    unref: true,
  });
  return {
    async run() {
      task.run();
      await task.idle();
    },
    async stop() {
      polling.stop();
      await task.idle();
    },
  };
}
