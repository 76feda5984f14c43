/** Time, injected so tests can travel without global fakes. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
