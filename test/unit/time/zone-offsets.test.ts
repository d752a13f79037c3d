import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { zoneOffsets } from "../../../functions/core/time/zone-offsets";

const ZONES = [
  "Asia/Shanghai",
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe", // 30-minute DST shift
  "America/Santiago", // transitions at local midnight
  "Asia/Kathmandu", // +05:45
];
const FROM = Date.parse("2020-01-01T00:00:00Z");
const TO = Date.parse("2032-01-01T00:00:00Z");
const HOUR = 3_600_000;

/** Each zone's offset changes in 2025–2027, found hour by hour with Luxon. */
const TRANSITIONS = ZONES.flatMap((zone) => {
  const found: number[] = [];
  let previous = DateTime.fromMillis(Date.parse("2025-01-01T00:00:00Z"), { zone }).offset;
  for (
    let t = Date.parse("2025-01-01T00:00:00Z");
    t < Date.parse("2028-01-01T00:00:00Z");
    t += HOUR / 4
  ) {
    const offset = DateTime.fromMillis(t, { zone }).offset;
    if (offset !== previous) found.push(t);
    previous = offset;
  }
  return found.map((at) => ({ zone, at }));
});

/** A zone and an instant: anywhere in 2020–2031, or within three hours of one of its transitions. */
const zoneAndInstant = fc.oneof(
  fc.tuple(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO })),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }))
    .map(([{ zone, at }, delta]) => [zone, at + delta] as [string, number]),
);

describe("zone offsets", () => {
  it("knows transitions in every zone tried", () => {
    // Asia/Shanghai and Asia/Kathmandu keep one offset: the other four change twice a year.
    expect(new Set(TRANSITIONS.map((t) => t.zone)).size).toBe(4);
    expect(TRANSITIONS.length).toBe(4 * 3 * 2);
  });

  it("give Luxon's offset for any instant, including the hours around DST transitions", () => {
    fc.assert(
      fc.property(zoneAndInstant, ([zone, instant]) => {
        const expected = DateTime.fromMillis(instant, { zone }).offset * 60_000;
        expect(zoneOffsets(zone).offsetAt(instant)).toBe(expected);
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  it("answer instants within a transition hour exactly, not from the hour's cached offset", () => {
    const berlin = zoneOffsets("Europe/Berlin");
    // Summer time began at 01:00 UTC on 2026-03-29: 00:59 is +01:00, 01:00 is +02:00.
    const change = Date.parse("2026-03-29T01:00:00Z");
    expect(berlin.offsetAt(change - 60_000)).toBe(3_600_000);
    expect(berlin.offsetAt(change)).toBe(7_200_000);
    expect(berlin.offsetAt(change + 59 * 60_000)).toBe(7_200_000);
  });

  it("turn wall-clock times back into the instants Luxon resolves them to, the first of a repeated time and past a skipped one", () => {
    fc.assert(
      fc.property(zoneAndInstant, ([zone, instant]) => {
        const offsets = zoneOffsets(zone);
        const wall = offsets.toWall(instant);
        const local = DateTime.fromMillis(wall, { zone: "UTC" });
        const named = DateTime.fromObject(
          {
            year: local.year,
            month: local.month,
            day: local.day,
            hour: local.hour,
            minute: local.minute,
            second: local.second,
            millisecond: local.millisecond,
          },
          { zone },
        );
        const candidates = named.getPossibleOffsets().map((option) => option.toMillis());
        const expected = candidates.length > 0 ? Math.min(...candidates) : named.toMillis();
        expect(offsets.fromWall(wall)).toBe(expected);
      }),
      { seed: 11, numRuns: 3000 },
    );
  });

  it("moves a skipped wall-clock time forward by the gap", () => {
    const berlin = zoneOffsets("Europe/Berlin");
    // 02:30 on 2026-03-29 does not exist in Berlin; it reads as 03:30 CEST = 01:30 UTC.
    const wall = Date.parse("2026-03-29T02:30:00Z");
    expect(new Date(berlin.fromWall(wall)).toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });

  it("resolves a repeated wall-clock time to its first occurrence", () => {
    const berlin = zoneOffsets("Europe/Berlin");
    // 02:30 on 2026-10-25 happens twice; the first is 02:30 CEST = 00:30 UTC.
    const wall = Date.parse("2026-10-25T02:30:00Z");
    expect(new Date(berlin.fromWall(wall)).toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });
});
