import { afterEach, describe, expect, it, vi } from "vitest";
import { startPolling } from "../../src/jobs/polling.ts";

describe("startPolling", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs at the interval, each wait drawn within the jitter, until stopped", () => {
    vi.useFakeTimers();
    const draws = [0, 1, 0.5];
    let runs = 0;
    const polling = startPolling(() => runs++, {
      intervalMillis: 100,
      jitter: 0.5,
      random: () => draws.shift() ?? 0.5,
    });
    vi.advanceTimersByTime(49);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1); // 50: the first wait, drawn at 0.5 × 100
    expect(runs).toBe(1);
    vi.advanceTimersByTime(149);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1); // 200: the second, at 1.5 × 100
    expect(runs).toBe(2);
    vi.advanceTimersByTime(100); // 300: the third, at 1 × 100
    expect(runs).toBe(3);
    polling.stop();
    vi.advanceTimersByTime(1_000);
    expect(runs).toBe(3);
  });

  it("keeps a fixed beat without jitter", () => {
    vi.useFakeTimers();
    let runs = 0;
    const polling = startPolling(() => runs++, { intervalMillis: 10, random: () => 0.9 });
    vi.advanceTimersByTime(100);
    expect(runs).toBe(10);
    polling.stop();
  });
});
