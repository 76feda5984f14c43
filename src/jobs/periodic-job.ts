import type { Logger } from "../logger.ts";
import { startPolling } from "./polling.ts";
import { createSerialTask } from "./serial-task.ts";

export interface PeriodicJob {
  /** Runs one pass now and waits for it (tests; start-up). */
  run(): Promise<void>;
  /** Stops the timer, tells the pass in progress (see `stopped`), and waits for it. */
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  logger: Logger;
  /** The mean time between passes. */
  intervalMillis: number;
  /** Each wait is drawn from (1 - jitter)× to (1 + jitter)× the interval (see startPolling). */
  jitter: number;
}

/**
 * Runs `pass` at jittered intervals, one pass at a time (a pass asked for meanwhile runs once,
 * right after; a failure is logged and the next pass tries again). The timer does not keep the
 * process alive. A pass that loops checks `stopped()` to end early once the job is stopping.
 */
export function startPeriodicJob(
  pass: (stopped: () => boolean) => Promise<void>,
  { logger, intervalMillis, jitter }: PeriodicJobOptions,
): PeriodicJob {
  let stopping = false;
  const stopped = () => stopping;
  const task = createSerialTask(() => pass(stopped), logger);
  const polling = startPolling(() => task.run(), { intervalMillis, jitter, unref: true });
  return {
    async run() {
      task.run();
      await task.idle();
    },
    async stop() {
      stopping = true;
      polling.stop();
      await task.idle();
    },
  };
}
