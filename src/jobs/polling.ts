export interface Polling {
  stop(): void;
}

export interface PollingOptions {
  intervalMillis: number;
  /** Each wait is drawn from (1 - jitter)× to (1 + jitter)× the interval; 0 for a fixed beat. */
  jitter?: number;
  /** Let the process exit while only this timer is left. */
  unref?: boolean;
  random?: () => number;
}

/** Calls `run` again and again, a (jittered) interval apart, until stopped. */
export function startPolling(run: () => void, options: PollingOptions): Polling {
  const { intervalMillis, jitter = 0, unref = false, random = Math.random } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const wait = intervalMillis * (1 - jitter + 2 * jitter * random());
    timer = setTimeout(() => {
      if (stopped) return;
      run();
      schedule();
    }, wait);
    if (unref) timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
