import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { type CalendarSpec, compileCalendar } from "../../../functions/core/time/calendar";
import {
  CronError,
  checkCron,
  nextFireTimes,
  type ScheduleSpec,
  shouldRunOn,
  toEventBridgeCron,
} from "../../../functions/core/time/schedule";

const SHANGHAI = "Asia/Shanghai";
const NEW_YORK = "America/New_York";

function shanghaiSpec(overrides: Partial<CalendarSpec> = {}): CalendarSpec {
  return {
    timeZone: SHANGHAI,
    workingDays: ["mon", "tue", "wed", "thu", "fri"],
    holidays: ["2026-10-01..2026-10-07"],
    extraWorkingDays: ["2026-09-27", "2026-10-10"],
    ...overrides,
  };
}

const shanghai = compileCalendar(shanghaiSpec());

function schedule(overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return { cron: "0 9 * * *", timeZone: SHANGHAI, ...overrides };
}

function at(local: string, zone: string): number {
  const instant = DateTime.fromISO(local, { zone });
  if (!instant.isValid) throw new Error(`bad test time ${local}`);
  return instant.toMillis();
}

function local(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mmZZ");
}

function fires(spec: ScheduleSpec, after: number, count: number): string[] {
  return nextFireTimes(spec, after, count).map((instant) => local(instant, spec.timeZone));
}

describe("checkCron", () => {
  it.each([
    "0 9 * * MON-FRI",
    "30 7 * * *",
    "*/15 8-18 * * 1-5",
    "0 9 1,15 * *",
    "0 0 1 JAN,JUL *",
    "0 9 * * sun",
    "0 9 * * 7",
    "0 8-18/2 * * MON,WED,FRI",
    "0 9 29 2 *",
  ])("accepts %j", (expr) => {
    expect(checkCron(expr)).toBeUndefined();
  });

  it("rejects restricting both day fields, because EventBridge cannot express it", () => {
    expect(checkCron("0 9 1 * MON")).toBe(
      'day-of-month "1" and day-of-week "MON" are both set: use either day-of-month or day-of-week, not both (EventBridge Scheduler cannot combine them), e.g. "0 9 1 * *" or "0 9 * * MON"',
    );
  });

  it("rejects a seconds field", () => {
    expect(checkCron("0 0 9 * * MON")).toBe(
      '"0 0 9 * * MON" has 6 fields: seconds are not supported, write 5 fields, minute hour day-of-month month day-of-week, e.g. "0 9 * * MON-FRI"',
    );
  });

  it.each([
    ["0 9 * *", 4],
    ["0 0 9 * * MON 2026", 7],
  ])("rejects %j, which has %d fields", (expr, count) => {
    expect(checkCron(expr)).toBe(
      `"${expr}" has ${count} fields: write exactly 5, minute hour day-of-month month day-of-week, e.g. "0 9 * * MON-FRI"`,
    );
  });

  it("rejects an empty expression", () => {
    expect(checkCron("  ")).toMatch(/^cron expression is empty: write 5 fields/);
  });

  it("rejects nicknames such as @daily", () => {
    expect(checkCron("@daily")).toMatch(/nicknames such as @daily are not supported/);
  });

  it.each([
    ["60 9 * * *", 'minute "60" has 60, which is outside 0-59 (e.g. 0, 30 or */15)'],
    ["0 24 * * *", 'hour "24" has 24, which is outside 0-23 (e.g. 9, 8-18 or */2)'],
    ["0 9 0 * *", 'day-of-month "0" has 0, which is outside 1-31 (e.g. 1, 15 or 1,15)'],
    ["0 9 * 13 *", 'month "13" has 13, which is outside 1-12 (e.g. 1, JAN-MAR or */3)'],
    ["0 9 * * 8", 'day-of-week "8" has 8, which is outside 0-7 (e.g. MON-FRI or 1,3,5)'],
    [
      "0 9 * * MONDAY",
      'day-of-week "MONDAY" has "MONDAY", which is not a valid value: use 0-7 or SUN-SAT (e.g. MON-FRI or 1,3,5)',
    ],
    [
      "0 nine * * *",
      'hour "nine" has "nine", which is not a valid value: use 0-23 (e.g. 9, 8-18 or */2)',
    ],
    [
      "0 9 * * FRI-MON",
      'day-of-week "FRI-MON" has a range "FRI-MON" that runs backwards: write the lower value first (e.g. MON-FRI or 1,3,5)',
    ],
    ["*/0 * * * *", 'minute "*/0" has a step "/0" outside 1-59 (e.g. 0, 30 or */15)'],
    [
      "5/15 * * * *",
      'minute "5/15" has a step "5/15" without a range: write */15 or a range (e.g. 0, 30 or */15)',
    ],
    [
      "0 9 ? * MON",
      'day-of-month "?" uses "?", which standard cron does not have: use * instead (e.g. 1, 15 or 1,15)',
    ],
    [
      "0 9 L * *",
      'day-of-month "L" uses L, W, # or +, which are not supported: use numbers, ranges, lists and steps (e.g. 1, 15 or 1,15)',
    ],
    [
      "0 9 * * MON#2",
      'day-of-week "MON#2" uses L, W, # or +, which are not supported: use numbers, ranges, lists and steps (e.g. MON-FRI or 1,3,5)',
    ],
    ["0 9,,12 * * *", 'hour "9,,12" has an empty list entry (e.g. 9, 8-18 or */2)'],
    [
      "0 9 31 2 *",
      'day-of-month "31" never occurs in month "2", so the schedule would never fire, e.g. "0 9 28 2 *"',
    ],
  ])("names the field and gives an example for %j", (expr, message) => {
    expect(checkCron(expr)).toBe(message);
  });
});

describe("toEventBridgeCron", () => {
  it.each([
    ["0 9 * * MON-FRI", "cron(0 9 ? * MON-FRI *)"],
    ["30 7 * * *", "cron(30 7 * * ? *)"],
    ["0 9 1,15 * *", "cron(0 9 1,15 * ? *)"],
    ["*/15 8-18 * * MON-FRI", "cron(*/15 8-18 ? * MON-FRI *)"],
    ["0 0 1 jan,jul *", "cron(0 0 1 JAN,JUL ? *)"],
    ["0 9 * * mon-fri", "cron(0 9 ? * MON-FRI *)"],
  ])("converts %j to %j", (expr, expected) => {
    expect(toEventBridgeCron(expr)).toBe(expected);
  });

  it.each([
    // Standard cron counts from 0 = Sunday; EventBridge from 1 = Sunday, so numbers become names.
    ["0", "SUN"],
    ["7", "SUN"],
    ["1", "MON"],
    ["6", "SAT"],
    ["1-5", "MON-FRI"],
    ["0-6", "SUN-SAT"],
    ["1-7", "SUN-SAT"],
    ["5-7", "SUN,FRI,SAT"],
    ["1,3,5", "MON,WED,FRI"],
    ["0,6", "SUN,SAT"],
    ["*/2", "SUN,TUE,THU,SAT"],
    ["1-5/2", "MON,WED,FRI"],
    ["MON-WED,FRI", "MON-WED,FRI"],
    ["SAT,SUN", "SUN,SAT"],
    ["TUE-THU/2", "TUE,THU"],
  ])("converts day-of-week %j to %j", (field, expected) => {
    expect(toEventBridgeCron(`0 9 * * ${field}`)).toBe(`cron(0 9 ? * ${expected} *)`);
  });

  it("names the same weekdays that the schedule really fires on", () => {
    const monday = Date.UTC(2026, 8, 14);
    const names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    for (const field of ["1-5", "*/2", "5-7", "0,3", "1-5/2", "SAT,SUN"]) {
      const expr = `0 9 * * ${field}`;
      const fired = nextFireTimes({ cron: expr, timeZone: "UTC" }, monday, 14).filter(
        (instant) => instant < monday + 7 * 86_400_000,
      );
      const firedNames = new Set(fired.map((instant) => names[new Date(instant).getUTCDay()]));
      const deployed = /^cron\(0 9 \? \* (\S+) \*\)$/.exec(toEventBridgeCron(expr))?.[1] ?? "";
      const deployedNames = new Set(
        deployed.split(",").flatMap((part) => {
          const [from = "", to = from] = part.split("-");
          return names.slice(names.indexOf(from), names.indexOf(to) + 1);
        }),
      );
      expect(deployedNames, expr).toEqual(firedNames);
    }
  });

  it("throws a CronError for an expression checkCron rejects", () => {
    expect(() => toEventBridgeCron("0 9 1 * MON")).toThrow(CronError);
    expect(() => toEventBridgeCron("0 9 1 * MON")).toThrow(/not both/);
  });
});

describe("nextFireTimes", () => {
  it("lists weekday mornings in the schedule's time zone", () => {
    const friday = at("2026-09-18T10:00", SHANGHAI);
    expect(fires(schedule({ cron: "0 9 * * MON-FRI" }), friday, 3)).toEqual([
      "2026-09-21T09:00+08:00",
      "2026-09-22T09:00+08:00",
      "2026-09-23T09:00+08:00",
    ]);
  });

  it("returns only times strictly after the given instant", () => {
    const nine = at("2026-09-21T09:00", SHANGHAI);
    expect(fires(schedule(), nine, 1)).toEqual(["2026-09-22T09:00+08:00"]);
    expect(fires(schedule(), nine - 1, 1)).toEqual(["2026-09-21T09:00+08:00"]);
  });

  it("returns nothing when asked for nothing", () => {
    expect(nextFireTimes(schedule(), 0, 0)).toEqual([]);
  });

  it("keeps 09:00 local across spring-forward, moving the UTC time by an hour", () => {
    const spec = schedule({ cron: "0 9 * * *", timeZone: NEW_YORK });
    const times = nextFireTimes(spec, at("2026-03-07T00:00", NEW_YORK), 3);
    expect(times).toEqual([
      Date.UTC(2026, 2, 7, 14),
      Date.UTC(2026, 2, 8, 13),
      Date.UTC(2026, 2, 9, 13),
    ]);
  });

  it("skips 02:30 on the spring-forward day, because that time does not exist there", () => {
    const spec = schedule({ cron: "30 2 * * *", timeZone: NEW_YORK });
    expect(fires(spec, at("2026-03-07T12:00", NEW_YORK), 2)).toEqual([
      "2026-03-09T02:30-04:00",
      "2026-03-10T02:30-04:00",
    ]);
  });

  it("skips the missing hour for an interval job on the spring-forward day", () => {
    const spec = schedule({ cron: "0,30 * * * *", timeZone: NEW_YORK });
    expect(fires(spec, at("2026-03-08T00:45", NEW_YORK), 4)).toEqual([
      "2026-03-08T01:00-05:00",
      "2026-03-08T01:30-05:00",
      "2026-03-08T03:00-04:00",
      "2026-03-08T03:30-04:00",
    ]);
  });

  it("fires once, at the first occurrence, for a time repeated on fall-back", () => {
    const spec = schedule({ cron: "30 1 * * *", timeZone: NEW_YORK });
    const times = nextFireTimes(spec, at("2026-10-31T12:00", NEW_YORK), 2);
    expect(times).toEqual([Date.UTC(2026, 10, 1, 5, 30), Date.UTC(2026, 10, 2, 6, 30)]);
  });

  it("does not repeat an interval job's times during the repeated hour", () => {
    const spec = schedule({ cron: "*/30 1-2 * * *", timeZone: NEW_YORK });
    expect(fires(spec, at("2026-11-01T00:00", NEW_YORK), 4)).toEqual([
      "2026-11-01T01:00-04:00",
      "2026-11-01T01:30-04:00",
      "2026-11-01T02:00-05:00",
      "2026-11-01T02:30-05:00",
    ]);
  });

  it("does not fire the second 01:30 when asked from inside the repeated hour", () => {
    const spec = schedule({ cron: "30 1 * * *", timeZone: NEW_YORK });
    const insideSecondPass = Date.UTC(2026, 10, 1, 6, 10); // 01:10 EST, after 01:30 EDT fired
    expect(fires(spec, insideSecondPass, 1)).toEqual(["2026-11-02T01:30-05:00"]);
  });

  it("fires only on working days when workingDaysOnly is set, including adjusted weekends", () => {
    const spec = schedule({ workingDaysOnly: true, calendar: shanghai });
    expect(fires(spec, at("2026-09-25T10:00", SHANGHAI), 8)).toEqual([
      "2026-09-27T09:00+08:00",
      "2026-09-28T09:00+08:00",
      "2026-09-29T09:00+08:00",
      "2026-09-30T09:00+08:00",
      "2026-10-08T09:00+08:00",
      "2026-10-09T09:00+08:00",
      "2026-10-10T09:00+08:00",
      "2026-10-12T09:00+08:00",
    ]);
  });

  it("applies the cron's own day filter before the working-day filter", () => {
    // MON-FRI never matches the adjusted Sunday Sep 27 or Saturday Oct 10.
    const spec = schedule({ cron: "0 9 * * MON-FRI", workingDaysOnly: true, calendar: shanghai });
    expect(fires(spec, at("2026-09-25T10:00", SHANGHAI), 5)).toEqual([
      "2026-09-28T09:00+08:00",
      "2026-09-29T09:00+08:00",
      "2026-09-30T09:00+08:00",
      "2026-10-08T09:00+08:00",
      "2026-10-09T09:00+08:00",
    ]);
  });

  it("walks a frequent job through a week-long holiday", () => {
    const spec = schedule({ cron: "*/5 * * * *", workingDaysOnly: true, calendar: shanghai });
    expect(fires(spec, at("2026-09-30T23:50", SHANGHAI), 3)).toEqual([
      "2026-09-30T23:55+08:00",
      "2026-10-08T00:00+08:00",
      "2026-10-08T00:05+08:00",
    ]);
  });

  it("fires on holidays when workingDaysOnly is not set", () => {
    expect(fires(schedule({ calendar: shanghai }), at("2026-09-30T10:00", SHANGHAI), 1)).toEqual([
      "2026-10-01T09:00+08:00",
    ]);
  });

  it("throws when workingDaysOnly has no calendar to consult", () => {
    expect(() => nextFireTimes(schedule({ workingDaysOnly: true }), 0, 1)).toThrow(
      /workingDaysOnly needs a calendar/,
    );
  });

  it("throws on an invalid cron or time zone", () => {
    expect(() => nextFireTimes(schedule({ cron: "0 9 1 * MON" }), 0, 1)).toThrow(CronError);
    expect(() => nextFireTimes(schedule({ timeZone: "Asia/Shanghia" }), 0, 1)).toThrow(
      /"Asia\/Shanghia" is not an IANA time zone/,
    );
  });
});

describe("shouldRunOn", () => {
  it("runs every day when the rule does not ask for working days only", () => {
    expect(shouldRunOn(shanghai, at("2026-10-01T09:00", SHANGHAI), false)).toBe(true);
  });

  it("skips a holiday when the rule asks for working days only", () => {
    expect(shouldRunOn(shanghai, at("2026-10-01T09:00", SHANGHAI), true)).toBe(false);
  });

  it("runs on an adjusted weekend working day", () => {
    expect(shouldRunOn(shanghai, at("2026-10-10T09:00", SHANGHAI), true)).toBe(true);
  });

  it("judges the day in the calendar's zone", () => {
    // Oct 7 23:30 UTC is already Thursday Oct 8 07:30 in Shanghai, the first day back.
    expect(shouldRunOn(shanghai, Date.UTC(2026, 9, 7, 23, 30), true)).toBe(true);
  });
});
