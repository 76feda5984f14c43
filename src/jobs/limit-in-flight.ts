/** Runs an operation once fewer than the limit are running; others wait in arrival order. */
export interface InFlightLimit {
  <T>(operation: () => Promise<T>): Promise<T>;
  /** Fails every operation still waiting with `error`, without running it; running ones go on. */
  cancelWaiting(error: () => Error): void;
}

/** At most `max` operations at once; the rest wait, first come first served, without limit. */
export function limitInFlight(max: number): InFlightLimit {
  const waiting: Array<{ start(): void; cancel(error: Error): void }> = [];
  let running = 0;
  const release = () => {
    const next = waiting.shift();
    if (next) next.start();
    else running -= 1;
  };
  const limit = async <T>(operation: () => Promise<T>): Promise<T> => {
    if (running < max) running += 1;
    else {
      await new Promise<void>((start, cancel) => waiting.push({ start, cancel }));
    }
    try {
      return await operation();
    } finally {
      release();
    }
  };
  return Object.assign(limit, {
    cancelWaiting(error: () => Error) {
      for (const waiter of waiting.splice(0)) waiter.cancel(error());
    },
  });
}
