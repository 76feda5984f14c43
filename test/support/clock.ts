import type { Clock } from "../../src/clock.ts";

export interface ManualClock extends Clock {
  advance(millis: number): void;
  set(date: Date): void;
}

/** A clock that moves only when told to: time travel without global fakes. */
export function createManualClock(start = new Date()): ManualClock {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance: (millis) => {
      now += millis;
    },
    set: (date) => {
      now = date.getTime();
    },
  };
}
