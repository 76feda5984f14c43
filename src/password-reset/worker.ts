import type { Logger } from "../logger.ts";
import { type ResolveDependencies, resolvePendingRequests } from "./resolve-requests.ts";
import { drainOutbox, type SendDependencies } from "./send-emails.ts";

export interface Worker {
  /** Asks for a pass now rather than at the next poll (called after recording a request). */
  wake(): void;
  /** Finishes the pass in progress, then stops. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  pollIntervalMillis?: number;
  logger: Logger;
}

/**
 * Resolves recorded requests and drains the outbox until both are empty, then waits for a
 * wake-up or the next poll. Every instance runs one; Postgres row locks keep them apart.
 */
export function startWorker(
  deps: ResolveDependencies & SendDependencies,
  { pollIntervalMillis = 500, logger }: WorkerOptions,
): Worker {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeRequested = false;
  let running: Promise<void> | undefined;

  async function runPass(): Promise<void> {
    do {
      wakeRequested = false;
      while (!stopped && (await resolvePendingRequests(deps)) > 0) {}
      while (!stopped) {
        const result = await drainOutbox(deps);
        if (result.sent + result.retrying + result.failed === 0) break;
      }
    } while (wakeRequested && !stopped);
  }

  function schedule(delayMillis: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delayMillis);
  }

  function tick(): void {
    if (running || stopped) return;
    running = runPass()
      .catch((error) =>
        logger.error({ err: error }, "worker pass failed; retrying at the next poll"),
      )
      .finally(() => {
        running = undefined;
        schedule(wakeRequested ? 0 : pollIntervalMillis);
      });
  }

  schedule(0);
  return {
    wake() {
      wakeRequested = true;
      if (!running) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
