import type { Logger } from "../logger.ts";

export interface SerialTask {
  /** Runs the task now, or once more right after the current run. */
  run(): void;
  /** Resolves when the run in progress ends (a run asked for meanwhile may then be starting). */
  idle(): Promise<void>;
  /** Whether a run is in progress. */
  busy(): boolean;
}

/** Runs `task` one at a time; a run requested meanwhile happens once, right after. */
export function createSerialTask(task: () => Promise<void>, logger: Logger): SerialTask {
  let running: Promise<void> | undefined;
  let again = false;
  function run(): void {
    if (running) {
      again = true;
      return;
    }
    running = task()
      .catch((error) =>
        logger.error({ err: error }, "worker task failed; retrying at the next poll"),
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
  }
  return { run, idle: async () => void (await running), busy: () => running !== undefined };
}
