import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  CalendarError,
  type CalendarSpec,
  checkCalendar,
  compileCalendar,
} from "../../../functions/core/time/calendar";
import { parseDuration } from "../../../functions/core/time/duration";

const SHANGHAI = "Asia/Shanghai";
const NEW_YORK = "America/New_York";
const BERLIN = "Europe/Berlin";

function calendarSpec(overrides: Partial<CalendarSpec> = {}): CalendarSpec {
  return {
    timeZone: "UTC",
    workingDays: ["mon", "tue", "wed", "thu", "fri"],
    holidays: [],
    extraWorkingDays: [],
    ...overrides,
  };
}

// China 2026: National Day Golden Week Oct 1-7, paid for by working Sun Sep 27 and Sat Oct 10.
function shanghaiSpec(overrides: Partial<CalendarSpec> = {}): CalendarSpec {
  return calendarSpec({
    timeZone: SHANGHAI,
    holidays: ["2026-10-01..2026-10-07"],
    extraWorkingDays: ["2026-09-27", "2026-10-10"],
    ...overrides,
  });
}

const shanghai = compileCalendar(shanghaiSpec());
const newYork = compileCalendar(calendarSpec({ timeZone: NEW_YORK }));
const berlin = compileCalendar(calendarSpec({ timeZone: BERLIN }));

/** Epoch ms of a local wall-clock time, e.g. at("2026-09-30T10:00", SHANGHAI). */
function at(local: string, zone: string): number {
  const instant = DateTime.fromISO(local, { zone });
  if (!instant.isValid) throw new Error(`bad test time ${local}`);
  return instant.toMillis();
}

/** Local wall-clock time with offset, so DST mistakes show up in the assertion. */
function local(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mmZZ");
}

const d = parseDuration;

describe("compileCalendar / isWorkingDay", () => {
  it.each([
    ["2026-09-25T12:00", true, "an ordinary Friday"],
    ["2026-09-26T12:00", false, "an ordinary Saturday"],
    ["2026-09-27T12:00", true, "Sunday Sep 27, an adjusted working day"],
    ["2026-10-01T12:00", false, "the first day of National Day"],
    ["2026-10-05T12:00", false, "Monday Oct 5, inside the National Day range"],
    ["2026-10-07T23:59", false, "the last day of the inclusive range"],
    ["2026-10-08T00:00", true, "the Thursday after the holiday"],
    ["2026-10-10T12:00", true, "Saturday Oct 10, an adjusted working day"],
    ["2026-10-11T12:00", false, "the Sunday after it"],
  ])("treats %s in Shanghai as working=%s (%s)", (time, working) => {
    expect(shanghai.isWorkingDay(at(time, SHANGHAI))).toBe(working);
  });

  it("judges the day in the calendar's zone, not in UTC", () => {
    // 2026-09-30T16:30Z is a working Wednesday in UTC but already Oct 1 00:30 in Shanghai.
    const instant = Date.UTC(2026, 8, 30, 16, 30);
    expect(shanghai.isWorkingDay(instant)).toBe(false);
    expect(shanghai.localDate(instant)).toBe("2026-10-01");
  });

  it("honours a weekend-only working week", () => {
    const weekends = compileCalendar(calendarSpec({ workingDays: ["sat", "sun"] }));
    expect(weekends.isWorkingDay(Date.UTC(2026, 8, 26, 12))).toBe(true);
    expect(weekends.isWorkingDay(Date.UTC(2026, 8, 28, 12))).toBe(false);
  });

  it("exposes the time zone it was compiled for", () => {
    expect(shanghai.timeZone).toBe(SHANGHAI);
  });
});

describe("localDate, weekdayOf, startOfLocalDay", () => {
  it("names the local weekday of an instant", () => {
    expect(shanghai.weekdayOf(at("2026-09-27T09:00", SHANGHAI))).toBe("sun");
    expect(shanghai.weekdayOf(at("2026-10-01T09:00", SHANGHAI))).toBe("thu");
    expect(shanghai.weekdayOf(at("2026-10-10T09:00", SHANGHAI))).toBe("sat");
    // Sunday evening in UTC is already Monday morning in Shanghai.
    expect(shanghai.weekdayOf(Date.UTC(2026, 8, 27, 20))).toBe("mon");
  });

  it("formats the local date as YYYY-MM-DD", () => {
    expect(newYork.localDate(Date.UTC(2026, 0, 1, 3))).toBe("2025-12-31");
  });

  it("finds local midnight, which is 23 hours before the next one on a spring-forward day", () => {
    const noon = at("2026-03-08T12:00", NEW_YORK);
    const midnight = newYork.startOfLocalDay(noon);
    expect(midnight).toBe(Date.UTC(2026, 2, 8, 5));
    expect(newYork.startOfLocalDay(at("2026-03-09T12:00", NEW_YORK)) - midnight).toBe(
      23 * 3_600_000,
    );
    expect(shanghai.startOfLocalDay(Date.UTC(2026, 8, 30, 16, 30))).toBe(Date.UTC(2026, 8, 30, 16));
  });
});

describe("addDuration with minutes and hours", () => {
  it("adds elapsed real time, so 24h across spring-forward lands an hour later on the clock", () => {
    const start = at("2026-03-07T12:00", NEW_YORK);
    expect(local(newYork.addDuration(start, d("24h")), NEW_YORK)).toBe("2026-03-08T13:00-04:00");
  });

  it("adds minutes exactly", () => {
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(shanghai.addDuration(start, d("90m"))).toBe(start + 90 * 60_000);
  });

  it("multiplies by a fractional factor", () => {
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(shanghai.addDuration(start, d("36h"), 1.5)).toBe(start + 54 * 3_600_000);
    expect(shanghai.addDuration(start, d("90m"), 0.5)).toBe(start + 45 * 60_000);
  });

  it("ignores holidays, because hours are not business time", () => {
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("48h")), SHANGHAI)).toBe("2026-10-02T10:00+08:00");
  });
});

describe("addDuration with calendar days and weeks", () => {
  it("keeps the wall-clock time across spring-forward (23 elapsed hours)", () => {
    const start = at("2026-03-07T12:00", NEW_YORK);
    const due = newYork.addDuration(start, d("1d"));
    expect(local(due, NEW_YORK)).toBe("2026-03-08T12:00-04:00");
    expect(due - start).toBe(23 * 3_600_000);
  });

  it("keeps the wall-clock time across fall-back in Berlin (25 elapsed hours)", () => {
    const start = at("2026-10-24T09:00", BERLIN);
    const due = berlin.addDuration(start, d("1d"));
    expect(local(due, BERLIN)).toBe("2026-10-25T09:00+01:00");
    expect(due - start).toBe(25 * 3_600_000);
  });

  it("keeps the wall-clock time for weeks across a DST change", () => {
    const start = at("2026-03-25T09:00", BERLIN);
    expect(local(berlin.addDuration(start, d("1w")), BERLIN)).toBe("2026-04-01T09:00+02:00");
  });

  it("counts weekends and holidays, because days are calendar days", () => {
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("5d")), SHANGHAI)).toBe("2026-10-05T10:00+08:00");
  });

  it("adds the fraction of a day to the wall clock: 1.5d from 10:00 is 22:00 tomorrow", () => {
    const start = at("2026-03-07T10:00", NEW_YORK);
    expect(local(newYork.addDuration(start, d("1.5d")), NEW_YORK)).toBe("2026-03-08T22:00-04:00");
    expect(local(newYork.addDuration(start, d("1d"), 1.5), NEW_YORK)).toBe(
      "2026-03-08T22:00-04:00",
    );
  });

  it("carries a fractional day past midnight", () => {
    const start = at("2026-09-30T18:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("2w"), 0.5), SHANGHAI)).toBe(
      "2026-10-07T18:00+08:00",
    );
    expect(local(shanghai.addDuration(start, d("0.5d")), SHANGHAI)).toBe("2026-10-01T06:00+08:00");
  });

  it("moves a due time that falls into the spring-forward gap to after the gap", () => {
    const start = at("2026-03-07T02:30", NEW_YORK);
    expect(local(newYork.addDuration(start, d("1d")), NEW_YORK)).toBe("2026-03-08T03:30-04:00");
  });

  it("picks the first of two identical wall-clock times on fall-back", () => {
    const start = at("2026-10-31T01:30", NEW_YORK);
    expect(local(newYork.addDuration(start, d("1d")), NEW_YORK)).toBe("2026-11-01T01:30-04:00");
  });
});

describe("addDuration with business days (Shanghai, National Day 2026)", () => {
  it("skips the National Day holiday and counts the adjusted Saturday when adding 3 business days", () => {
    // Wed Sep 30 → Thu Oct 8 (1), Fri Oct 9 (2), Sat Oct 10 adjusted working day (3).
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("3bd")), SHANGHAI)).toBe("2026-10-10T10:00+08:00");
  });

  it("counts the adjusted Sunday Sep 27 as the next business day after Friday", () => {
    const start = at("2026-09-25T15:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("1bd")), SHANGHAI)).toBe("2026-09-27T15:00+08:00");
  });

  it("skips an ordinary weekend", () => {
    const start = at("2026-09-18T15:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("1bd")), SHANGHAI)).toBe("2026-09-21T15:00+08:00");
    expect(local(shanghai.addDuration(start, d("5bd")), SHANGHAI)).toBe("2026-09-25T15:00+08:00");
  });

  it("starts counting at 00:00 of the next working day when the lead arrives on a Saturday", () => {
    // 1bd from Saturday is the whole of Monday, so due at Tuesday 00:00.
    const start = at("2026-09-12T11:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("1bd")), SHANGHAI)).toBe("2026-09-15T00:00+08:00");
  });

  it("starts counting after the holiday when the lead arrives during it", () => {
    const start = at("2026-10-03T14:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("1bd")), SHANGHAI)).toBe("2026-10-09T00:00+08:00");
  });

  it("treats a Friday midnight start as the same wall-clock time on the next working day", () => {
    const start = at("2026-09-18T00:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("1bd")), SHANGHAI)).toBe("2026-09-21T00:00+08:00");
  });

  it("escalates at 1.5 × 3bd: four working days, then half of the next working day's 24h", () => {
    // 4.5bd from Wed Sep 30 10:00: Oct 8, 9, 10 (adjusted Sat), Mon Oct 12 10:00, then +12h.
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("3bd"), 1.5), SHANGHAI)).toBe(
      "2026-10-12T22:00+08:00",
    );
  });

  it("carries a fractional business day that passes midnight into the next working day", () => {
    // Fri Oct 9 16:00 + 12h of business time: 8h left on Friday, 4h on Saturday Oct 10 (working).
    const start = at("2026-10-09T16:00", SHANGHAI);
    expect(local(shanghai.addDuration(start, d("1bd"), 0.5), SHANGHAI)).toBe(
      "2026-10-10T04:00+08:00",
    );
    // The same from Wed Sep 30, the last working day before the holiday, jumps Golden Week.
    const beforeHoliday = at("2026-09-30T16:00", SHANGHAI);
    expect(local(shanghai.addDuration(beforeHoliday, d("1bd"), 0.5), SHANGHAI)).toBe(
      "2026-10-08T04:00+08:00",
    );
  });

  it("keeps the wall-clock time when the next business day is after a DST change", () => {
    const start = at("2026-03-27T09:00", BERLIN);
    expect(local(berlin.addDuration(start, d("1bd")), BERLIN)).toBe("2026-03-30T09:00+02:00");
  });

  it("returns the start unchanged for a zero factor", () => {
    const start = at("2026-10-03T14:00", SHANGHAI);
    expect(shanghai.addDuration(start, d("3bd"), 0)).toBe(start);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("rejects the factor %s", (factor) => {
    expect(() => shanghai.addDuration(0, d("1d"), factor)).toThrow(RangeError);
  });

  it("refuses to search forever when holidays cover years", () => {
    const blocked = compileCalendar(
      calendarSpec({
        holidays: [
          "2026-01-01..2026-12-31",
          "2027-01-01..2027-12-31",
          "2028-01-01..2028-12-31",
          "2029-01-01..2029-12-31",
        ],
      }),
    );
    expect(() => blocked.addDuration(Date.UTC(2026, 0, 1), d("1bd"))).toThrow(/no working day/);
  });
});

describe("elapsed", () => {
  it("counts calendar days by the wall clock, including weekends and holidays", () => {
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(shanghai.elapsed(start, at("2026-10-08T10:00", SHANGHAI), "day")).toBe(8);
    expect(shanghai.elapsed(start, at("2026-10-07T22:00", SHANGHAI), "day")).toBe(7.5);
  });

  it("counts a 23-hour DST day as one day", () => {
    const start = at("2026-03-07T09:00", NEW_YORK);
    expect(newYork.elapsed(start, at("2026-03-08T09:00", NEW_YORK), "day")).toBe(1);
  });

  it("counts the whole Golden Week as less than one business day", () => {
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(shanghai.elapsed(start, at("2026-10-08T10:00", SHANGHAI), "businessDay")).toBe(1);
    // Ending during the holiday: only the rest of Sep 30 has passed.
    expect(
      shanghai.elapsed(
        at("2026-09-30T12:00", SHANGHAI),
        at("2026-10-05T12:00", SHANGHAI),
        "businessDay",
      ),
    ).toBe(0.5);
  });

  it("counts nothing for time spent entirely on a weekend", () => {
    const saturday = at("2026-09-19T09:00", SHANGHAI);
    expect(shanghai.elapsed(saturday, at("2026-09-20T18:00", SHANGHAI), "businessDay")).toBe(0);
  });

  it("counts adjusted weekend working days", () => {
    // Fri Sep 25 09:00 → Mon Sep 28 09:00: Friday's remainder, Sunday Sep 27, Monday's morning.
    const start = at("2026-09-25T09:00", SHANGHAI);
    expect(shanghai.elapsed(start, at("2026-09-28T09:00", SHANGHAI), "businessDay")).toBe(2);
  });

  it("is negative when the end comes before the start", () => {
    const start = at("2026-09-30T10:00", SHANGHAI);
    expect(shanghai.elapsed(at("2026-10-08T10:00", SHANGHAI), start, "businessDay")).toBe(-1);
  });

  it.each([
    ["2026-09-30T10:00", "1bd", 1],
    ["2026-09-30T10:00", "3bd", 1.5],
    ["2026-10-09T16:00", "1bd", 0.5],
    ["2026-10-03T14:00", "2bd", 1],
    ["2026-09-25T23:30", "10bd", 1.25],
  ])("measures %s + %s × %s as exactly that many business days", (time, text, factor) => {
    const start = at(time, SHANGHAI);
    const duration = d(text);
    const due = shanghai.addDuration(start, duration, factor);
    expect(shanghai.elapsed(start, due, "businessDay")).toBeCloseTo(duration.amount * factor, 9);
  });
});

describe("checkCalendar and CalendarError", () => {
  it("accepts a valid calendar", () => {
    expect(checkCalendar(shanghaiSpec())).toEqual([]);
  });

  it("rejects a misspelt time zone with an example", () => {
    expect(checkCalendar(shanghaiSpec({ timeZone: "Asia/Shanghia" }))).toEqual([
      {
        path: "timeZone",
        message: '"Asia/Shanghia" is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin)',
      },
    ]);
  });

  it("rejects an impossible date and points at its entry", () => {
    expect(
      checkCalendar(shanghaiSpec({ holidays: ["2026-01-01", "2026-05-01", "2026-02-30"] })),
    ).toEqual([
      {
        path: "holidays[2]",
        message:
          '"2026-02-30" is not a date (expected YYYY-MM-DD or an inclusive range YYYY-MM-DD..YYYY-MM-DD, e.g. 2026-10-01..2026-10-07)',
      },
    ]);
  });

  it.each(["2026-10-1", "10/01/2026", "2026-10-01..", "2026-10-01..2026-10-03..2026-10-05", ""])(
    "rejects the malformed date %j",
    (entry) => {
      const problems = checkCalendar(shanghaiSpec({ extraWorkingDays: [entry] }));
      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toBe("extraWorkingDays[0]");
      expect(problems[0]?.message).toMatch(/is not a date/);
    },
  );

  it("rejects a range that ends before it starts", () => {
    expect(checkCalendar(shanghaiSpec({ holidays: ["2026-10-07..2026-10-01"] }))).toEqual([
      {
        path: "holidays[0]",
        message:
          'range "2026-10-07..2026-10-01" ends before it starts (write the earlier date first, e.g. 2026-10-01..2026-10-07)',
      },
    ]);
  });

  it("rejects a range longer than a year", () => {
    const [problem] = checkCalendar(shanghaiSpec({ holidays: ["2026-01-01..2062-01-01"] }));
    expect(problem?.path).toBe("holidays[0]");
    expect(problem?.message).toMatch(/spans 13150 days; a range may span at most 366 days/);
  });

  it("rejects a date that is both a holiday and an extra working day, even inside a range", () => {
    expect(
      checkCalendar(
        shanghaiSpec({
          holidays: ["2026-01-01", "2026-10-01..2026-10-07"],
          extraWorkingDays: ["2026-09-27", "2026-10-03"],
        }),
      ),
    ).toEqual([
      {
        path: "extraWorkingDays[1]",
        message: "2026-10-03 is listed both as a holiday (holidays[1]) and as an extra working day",
      },
    ]);
  });

  it("rejects an empty working week", () => {
    expect(checkCalendar(shanghaiSpec({ workingDays: [] }))).toEqual([
      {
        path: "workingDays",
        message: "workingDays is empty: list at least one day (e.g. [mon, tue, wed, thu, fri])",
      },
    ]);
  });

  it("rejects an unknown weekday name", () => {
    const spec = { ...shanghaiSpec(), workingDays: ["mon", "monday"] } as unknown as CalendarSpec;
    expect(checkCalendar(spec)).toEqual([
      {
        path: "workingDays[1]",
        message: '"monday" is not a weekday (use mon, tue, wed, thu, fri, sat or sun)',
      },
    ]);
  });

  it("rejects a date that YAML turned into something other than a string", () => {
    const spec = { ...shanghaiSpec(), holidays: [20261001] } as unknown as CalendarSpec;
    expect(checkCalendar(spec)[0]?.path).toBe("holidays[0]");
  });

  it("reports every problem at once so a validator can point at each YAML node", () => {
    const problems = checkCalendar({
      timeZone: "Mars/Olympus",
      workingDays: [],
      holidays: ["2026-13-01", "2026-10-01..2026-10-07"],
      extraWorkingDays: ["2026-10-02", "2026-09-31"],
    });
    expect(problems.map((problem) => problem.path)).toEqual([
      "timeZone",
      "workingDays",
      "holidays[0]",
      "extraWorkingDays[1]",
      "extraWorkingDays[0]",
    ]);
  });

  it("throws a CalendarError carrying every problem when compiling an invalid calendar", () => {
    let caught: unknown;
    try {
      compileCalendar(shanghaiSpec({ timeZone: "Asia/Shanghia", holidays: ["2026-02-30"] }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CalendarError);
    const error = caught as CalendarError;
    expect(error.name).toBe("CalendarError");
    expect(error.problems.map((problem) => problem.path)).toEqual(["timeZone", "holidays[0]"]);
    expect(error.message).toContain(
      'timeZone: "Asia/Shanghia" is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin)',
    );
    expect(error.message).toContain('holidays[0]: "2026-02-30" is not a date');
  });
});
