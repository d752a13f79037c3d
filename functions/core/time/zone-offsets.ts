import { IANAZone } from "luxon";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_CACHED_HOURS = 50_000;

export interface ZoneOffsets {
  /** The zone's UTC offset in ms at an instant. */
  offsetAt(instant: number): number;
  /** Local wall-clock ms (days since 1970 × 24 h + time of day) of an instant. */
  toWall(instant: number): number;
  /**
   * The instant a wall-clock time names: a repeated time (autumn) resolves to its first occurrence,
   * a skipped one (spring) moves forward by the gap, as Luxon does.
   */
  fromWall(wall: number): number;
}

/**
 * UTC offsets of an IANA zone, cached per UTC hour. Luxon asks Intl for every offset, which made
 * calendar arithmetic the largest cost of evaluating a lead (npm run bench, core throughput). An
 * hour is cached only when the offset is the same at both its ends; an hour with a transition in it
 * is answered exactly every time.
 */
export function zoneOffsets(timeZone: string): ZoneOffsets {
  const zone = IANAZone.create(timeZone);
  const exact = (instant: number) => zone.offset(instant) * 60_000;
  const byHour = new Map<number, number | null>();

  const offsetAt = (instant: number): number => {
    const hour = Math.floor(instant / HOUR_MS);
    let cached = byHour.get(hour);
    if (cached === undefined) {
      const start = exact(hour * HOUR_MS);
      cached = start === exact(hour * HOUR_MS + HOUR_MS - 1) ? start : null;
      // A long-lived process sees new hours forever; the cache only needs the recent ones.
      if (byHour.size >= MAX_CACHED_HOURS) byHour.clear();
      byHour.set(hour, cached);
    }
    return cached ?? exact(instant);
  };

  return {
    offsetAt,
    toWall: (instant) => instant + offsetAt(instant),
    fromWall(wall) {
      // Offsets a day either side cover the one transition a wall-clock time can fall near.
      const before = offsetAt(wall - DAY_MS);
      const after = offsetAt(wall + DAY_MS);
      if (before === after) return wall - before;
      const valid = [before, after]
        .map((offset) => wall - offset)
        .filter((instant) => instant + offsetAt(instant) === wall);
      if (valid.length > 0) return Math.min(...valid);
      return wall - before;
    },
  };
}
