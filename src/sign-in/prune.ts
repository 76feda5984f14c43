import type { Clock } from "../clock.ts";
import { type PeriodicJob, startPeriodicJob } from "../jobs/periodic-job.ts";
import type { Logger } from "../logger.ts";
import { BLOCK_LIFETIME_MILLIS, type SignInFailureStore } from "./ports.ts";

const PRUNE_BATCH = 500;

export type SignInPruner = PeriodicJob;

/**
 * Deletes counts whose last failure is older than a block lasts: they no longer count (the
 * count statement starts them over), so deleting them changes nothing for anyone. A bounded
 * amount per pass; every instance may run it, as deletes skip rows another is counting.
 */
export function startSignInPruner(deps: {
  repo: { signInFailures: Pick<SignInFailureStore, "prune"> };
  clock: Clock;
  logger: Logger;
  intervalMillis?: number;
}): SignInPruner {
  return startPeriodicJob(
    async (stopped) => {
      const before = new Date(deps.clock.now().getTime() - BLOCK_LIFETIME_MILLIS);
      for (let pass = 0; pass < 10 && !stopped(); pass++) {
        if ((await deps.repo.signInFailures.prune(before, PRUNE_BATCH)) < PRUNE_BATCH) return;
      }
    },
    { logger: deps.logger, intervalMillis: deps.intervalMillis ?? 60 * 60 * 1000, jitter: 0.5 },
  );
}
