import { DateTime, IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import { loadRulesSync } from "../../functions/adapters/rules-loader";
import type { RuleFile } from "../../functions/core/rules/rule-schema";
import { compileRuleSet, type RuleSet } from "../../functions/core/rules/rule-set";
import { nextFireTimes, shouldRunOn, toEventBridgeCron } from "../../functions/core/time/schedule";
import { createLocalScheduler } from "../../functions/local/local-scheduler";
import { RULES_DIR } from "./stack-support";

/*
 * The local runtime fires schedules with functions/local/local-scheduler.ts; AWS fires the
 * expression toEventBridgeCron() deploys. This file evaluates that deployed expression on its own —
 * a small evaluator of EventBridge Scheduler's cron fields and its documented daylight-saving
 * behaviour, sharing no code with schedule.ts or croner — and checks both give the same instants
 * over a year.
 */

type Fields = {
  minutes: number[];
  hours: number[];
  /** undefined for "?" */
  daysOfMonth?: Set<number>;
  months: Set<number>;
  /** Luxon weekdays (1 = Monday … 7 = Sunday); undefined for "?" */
  weekdays?: Set<number>;
  years?: Set<number>;
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
// EventBridge numbers the days of the week 1-7 from Sunday.
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function parseField(text: string, min: number, max: number, names: string[] = []): number[] {
  const value = (token: string) => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + min : Number(token);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`bad value ${token} in ${text}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const [range = "", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let [low, high] = [min, max];
    if (range !== "*") {
      const [a = "", b] = range.split("-");
      low = value(a);
      // "5/15" runs from 5 to the end of the field; "5" alone is one value.
      high = b !== undefined ? value(b) : stepText !== undefined ? max : low;
    }
    for (let n = low; n <= high; n += step) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

function parseEventBridgeCron(expression: string): Fields {
  const match = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (!match) throw new Error(`not an EventBridge cron expression: ${expression}`);
  const [, minute = "", hour = "", dom = "", month = "", dow = "", year = ""] = match;
  if ((dom === "?") === (dow === "?")) throw new Error(`exactly one day field must be ?`);
  return {
    minutes: parseField(minute, 0, 59),
    hours: parseField(hour, 0, 23),
    daysOfMonth: dom === "?" ? undefined : new Set(parseField(dom, 1, 31)),
    months: new Set(parseField(month, 1, 12, MONTHS)),
    weekdays:
      dow === "?"
        ? undefined
        : new Set(parseField(dow, 1, 7, DAYS).map((day) => ((day + 5) % 7) + 1)),
    years: year === "*" ? undefined : new Set(parseField(year, 1970, 2199)),
  };
}

/** The instants a wall-clock time has in `zone`: none in a spring-forward gap, two in a repeated hour. */
function instantsOf(
  zone: IANAZone,
  wall: { year: number; month: number; day: number; hour: number; minute: number },
): number[] {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const offsets = new Set([-1, 0, 1].map((days) => zone.offset(asUtc + days * 86_400_000)));
  return [...offsets]
    .map((offset) => asUtc - offset * 60_000)
    .filter((instant) => zone.offset(instant) * 60_000 === asUtc - instant)
    .sort((a, b) => a - b);
}

/**
 * When EventBridge Scheduler fires `expression` in `timeZone` within [from, to). As AWS documents
 * it ("Daylight saving time" in the Scheduler user guide): a time that does not exist on a
 * spring-forward day is skipped, and a time repeated on a fall-back day fires once — at its
 * first occurrence.
 */
function eventBridgeFireTimes(
  expression: string,
  timeZone: string,
  from: number,
  to: number,
): number[] {
  const fields = parseEventBridgeCron(expression);
  const zone = IANAZone.create(timeZone);
  const fires: number[] = [];
  const last = DateTime.fromMillis(to, { zone: timeZone }).plus({ days: 1 });
  for (
    let day = DateTime.fromMillis(from, { zone: timeZone }).minus({ days: 1 }).startOf("day");
    day <= last;
    day = day.plus({ days: 1 })
  ) {
    if (!fields.months.has(day.month)) continue;
    if (fields.years && !fields.years.has(day.year)) continue;
    if (fields.daysOfMonth && !fields.daysOfMonth.has(day.day)) continue;
    if (fields.weekdays && !fields.weekdays.has(day.weekday)) continue;
    for (const hour of fields.hours) {
      for (const minute of fields.minutes) {
        const [first] = instantsOf(zone, {
          year: day.year,
          month: day.month,
          day: day.day,
          hour,
          minute,
        });
        if (first !== undefined && first >= from && first < to) fires.push(first);
      }
    }
  }
  return fires.sort((a, b) => a - b);
}

/**
 * What the local runtime fires for one schedule within [from, to): the schedule module's fire
 * times for the spec the local scheduler builds, walked in one call (asking the scheduler for
 * each next time of a quarter-hourly job over a year takes seconds).
 */
function localFireTimes(
  rules: RuleSet,
  scheduleId: string,
  from: number,
  to: number,
  atMost: number,
): number[] {
  const schedule = rules.schedules.find((s) => s.id === scheduleId);
  if (schedule === undefined) throw new Error(scheduleId);
  const spec = {
    cron: schedule.cron,
    timeZone: rules.timeZone,
    workingDaysOnly: schedule.workingDaysOnly,
    calendar: rules.calendar,
  };
  // One more than expected, to see that nothing extra fires before `to`; never an open-ended
  // walk, which would examine candidates far beyond `to`.
  return nextFireTimes(spec, from - 1, atMost + 1).filter((at) => at < to);
}

/** The local scheduler's own answer, asked once after each instant, as it re-arms after a fire. */
function schedulerNextAfter(rules: RuleSet, scheduleId: string, afters: number[]): number[] {
  const schedule = rules.schedules.find((s) => s.id === scheduleId);
  if (schedule === undefined) throw new Error(scheduleId);
  const scheduler = createLocalScheduler({
    rules: { ...rules, schedules: [schedule] },
    fire: async () => {},
    now: () => 0,
  });
  return afters.map((after) => scheduler.next(after)[0]?.at ?? Number.NaN);
}

const shipped = loadRulesSync(RULES_DIR);

/** The shipped rules in another zone, plus schedules that sit on the daylight-saving edges. */
function rulesIn(timeZone: string): RuleSet {
  const source: RuleFile = structuredClone(shipped.source);
  if (!source.calendar) throw new Error("the shipped rules have a calendar");
  source.calendar.timeZone = timeZone;
  source.schedules = [
    ...(source.schedules ?? []),
    { id: "in-the-gap", job: "sweep", cron: "30 2 * * *" },
    { id: "in-the-repeat", job: "outbox", cron: "30 1 * * *" },
    { id: "sunday-two", job: "outbox", cron: "0 2 * * SUN" },
    { id: "hourly-weekdays", job: "outbox", cron: "0 * * * MON-FRI", workingDaysOnly: true },
    { id: "early-every-2h", job: "outbox", cron: "10 0-6/2 * * *" },
    { id: "twice-a-quarter", job: "rollup", cron: "15 6 1,15 */3 *" },
  ];
  return compileRuleSet(source);
}

/** The instants within [FROM, TO) at which `timeZone`'s UTC offset changes, to the hour. */
function clockChanges(timeZone: string): number[] {
  const zone = IANAZone.create(timeZone);
  const changes: number[] = [];
  for (let t = FROM; t < TO; t += 3_600_000) {
    if (zone.offset(t) !== zone.offset(t + 3_600_000)) changes.push(t + 3_600_000);
  }
  return changes;
}

const FROM = Date.parse("2026-01-01T00:00:00Z");
const TO = Date.parse("2027-01-01T00:00:00Z");
const iso = (instants: number[]) => instants.map((t) => new Date(t).toISOString());

/**
 * The spans compared for one schedule: the whole year, except that a schedule firing more than
 * hourly is walked over the year in New York only (tens of thousands of fires per zone cost
 * seconds) and elsewhere over the two weeks around each clock change (or the year's first two
 * weeks where there is none).
 */
function spansOf(timeZone: string, cron: string, changes: number[]): [number, number][] {
  const subHourly = !/^\d+(,\d+)*$/.test(cron.split(/\s+/)[0] ?? "") || cron.startsWith("*");
  if (!subHourly || timeZone === "America/New_York") return [[FROM, TO]];
  const week = 7 * 86_400_000;
  return changes.length === 0
    ? [[FROM, FROM + 2 * week]]
    : changes.map((change) => [change - week, change + week]);
}

describe("the local scheduler and the deployed EventBridge schedules fire at the same instants", () => {
  // New York, Berlin and Sydney change their clocks on different dates and hours (Sydney in the
  // southern hemisphere); Shanghai, the shipped rules' zone, has no daylight saving.
  describe.each(["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Shanghai"])(
    "with the rules' calendar in %s, over 2026",
    (timeZone) => {
      const rules = rulesIn(timeZone);
      const changes = clockChanges(timeZone);

      it.each(rules.schedules.map((s) => [s.id, s.cron] as const))(
        "%s (%s)",
        (scheduleId, cron) => {
          const schedule = rules.schedules.find((s) => s.id === scheduleId);
          for (const [from, to] of spansOf(timeZone, cron, changes)) {
            const deployed = eventBridgeFireTimes(toEventBridgeCron(cron), timeZone, from, to)
              // EventBridge fires every matching day; the handler skips days that are not working days.
              .filter((at) => shouldRunOn(rules.calendar, at, schedule?.workingDaysOnly ?? false));
            const local = localFireTimes(rules, scheduleId, from, to, deployed.length);
            expect(local.length).toBeGreaterThan(0);
            expect(iso(local)).toEqual(iso(deployed));
            // The scheduler re-arms after each fire: around every clock change its next time must
            // be the deployed schedule's next one too.
            const nearChanges = deployed.filter((at) =>
              changes.some((change) => Math.abs(at - change) < 3 * 86_400_000),
            );
            const afters = [from - 1, ...nearChanges].filter((after) =>
              deployed.some((at) => at > after),
            );
            const expected = afters.map((after) => deployed.find((at) => at > after));
            expect(iso(schedulerNextAfter(rules, scheduleId, afters))).toEqual(
              iso(expected as number[]),
            );
          }
        },
      );
    },
  );

  it("covers both of New York's 2026 clock changes, where a 02:30 run is skipped once and a 01:30 run is not repeated", () => {
    const zone = "America/New_York";
    expect(iso(clockChanges(zone))).toEqual([
      "2026-03-08T07:00:00.000Z",
      "2026-11-01T06:00:00.000Z",
    ]);

    const rules = rulesIn(zone);
    const onDay = (scheduleId: string, date: string) =>
      iso(
        localFireTimes(
          rules,
          scheduleId,
          Date.parse(`${date}T00:00:00Z`),
          Date.parse(`${date}T00:00:00Z`) + 2 * 86_400_000,
          200,
        ),
      ).filter((t) => DateTime.fromISO(t, { zone }).toISODate() === date);
    // 2026-03-08: clocks go from 02:00 to 03:00, so 02:30 does not exist that day.
    expect(onDay("in-the-gap", "2026-03-08")).toEqual([]);
    expect(onDay("in-the-gap", "2026-03-09")).toEqual(["2026-03-09T06:30:00.000Z"]);
    // 2026-11-01: 01:00-01:59 happens twice; the run is at the first 01:30 (EDT) only.
    expect(onDay("in-the-repeat", "2026-11-01")).toEqual(["2026-11-01T05:30:00.000Z"]);
    // A quarter-hourly job runs 01:00-01:45 EDT once, then waits for 02:00 EST.
    const quarterHours = onDay("outbox-retry", "2026-11-01").filter(
      (t) => t >= "2026-11-01T05:00" && t < "2026-11-01T07:15",
    );
    expect(quarterHours).toEqual([
      "2026-11-01T05:00:00.000Z",
      "2026-11-01T05:15:00.000Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T05:45:00.000Z",
      "2026-11-01T07:00:00.000Z",
    ]);
  });
});
