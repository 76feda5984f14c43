import { afterEach, describe, expect, it, vi } from "vitest";
import { startPeriodicJob } from "../../src/jobs/periodic-job.ts";
import { createLogger } from "../../src/logger.ts";

const logger = createLogger("silent", false);

describe("startPeriodicJob", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a pass at each interval, and run() runs one now and waits for it", async () => {
    vi.useFakeTimers();
    let passes = 0;
    const job = startPeriodicJob(
      async () => {
        passes += 1;
      },
      { logger, intervalMillis: 100, jitter: 0 },
    );
    await vi.advanceTimersByTimeAsync(250);
    expect(passes).toBe(2);
    await job.run();
    expect(passes).toBe(3);
    await job.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(passes).toBe(3);
  });

  it("stop() tells the pass in progress, waits for it, and runs no more", async () => {
    let release = () => {};
    const seen: boolean[] = [];
    const job = startPeriodicJob(
      async (stopped) => {
        seen.push(stopped());
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        seen.push(stopped());
      },
      { logger, intervalMillis: 60_000, jitter: 0 },
    );
    const running = job.run();
    let stoppedAfterPass = false;
    const stopping = job.stop().then(() => {
      stoppedAfterPass = seen.length === 2;
    });
    await Promise.resolve();
    expect(stoppedAfterPass).toBe(false);
    release();
    await Promise.all([running, stopping]);
    expect(seen).toEqual([false, true]);
    expect(stoppedAfterPass).toBe(true);
  });

  it("logs a failed pass and runs the next one", async () => {
    const lines: string[] = [];
    const recording = createLogger("error", false, { write: (line: string) => lines.push(line) });
    let passes = 0;
    const job = startPeriodicJob(
      async () => {
        passes += 1;
        if (passes === 1) throw new Error("database unavailable");
      },
      { logger: recording, intervalMillis: 60_000, jitter: 0 },
    );
    await job.run();
    await job.run();
    await job.stop();
    expect(passes).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("database unavailable");
  });
});
