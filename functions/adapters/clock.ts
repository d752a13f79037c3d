/** The only place the engine reads the wall clock; the core always gets "now" passed in. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(instant: number): Clock {
  return { now: () => instant };
}
