/** The only place the engine reads the wall clock; the core always gets "now" passed in. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(instant: number): Clock {
  return { now: () => instant };
}

/** A clock that starts at `start` and runs on in real time (the demo's `npm start -- --at`). */
export function offsetClock(start: number, real: Clock = systemClock): Clock {
  const offset = start - real.now();
  return { now: () => real.now() + offset };
}
