import { DateTime, IANAZone } from "luxon";
import type { Duration } from "./duration";
import { zoneOffsets } from "./zone-offsets";

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export type CalendarSpec = {
  timeZone: string;
  workingDays: Weekday[];
  holidays: string[];
  extraWorkingDays: string[];
};

export type CalendarProblem = { path: string; message: string };

export type Calendar = {
  readonly timeZone: string;
  isWorkingDay(instant: number): boolean;
  localDate(instant: number): string;
  addDuration(start: number, duration: Duration, factor?: number): number;
  elapsed(start: number, end: number, unit: "day" | "businessDay"): number;
  startOfLocalDay(instant: number): number;
  weekdayOf(instant: number): Weekday;
};

export class CalendarError extends Error {
  readonly problems: CalendarProblem[];

  constructor(problems: CalendarProblem[]) {
    super(problems.map((problem) => `${problem.path}: ${problem.message}`).join("; "));
    this.name = "CalendarError";
    this.problems = problems;
  }
}

// Luxon numbers weekdays 1 (Monday) to 7 (Sunday).
const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Holidays never span a year; the cap stops a typo such as 2026..2062 from expanding into
// thousands of dates in every Lambda cold start.
const MAX_RANGE_DAYS = 366;
// Every calendar has at least one working weekday, but holidays could still blank out a long
// stretch; a bound turns that misconfiguration into an error instead of an endless loop.
const MAX_SCAN_DAYS = 3 * 366;

type DateListProblem = { index: number; message: string };

export function checkCalendar(spec: CalendarSpec): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  const timeZone: unknown = spec.timeZone;
  if (typeof timeZone !== "string" || !IANAZone.isValidZone(timeZone)) {
    problems.push({
      path: "timeZone",
      message: `${JSON.stringify(timeZone)} is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin)`,
    });
  }

  const workingDays: unknown[] = Array.isArray(spec.workingDays) ? spec.workingDays : [];
  if (workingDays.length === 0) {
    problems.push({
      path: "workingDays",
      message: "workingDays is empty: list at least one day (e.g. [mon, tue, wed, thu, fri])",
    });
  }
  workingDays.forEach((day, index) => {
    if (!WEEKDAYS.includes(day as Weekday)) {
      problems.push({
        path: `workingDays[${index}]`,
        message: `${JSON.stringify(day)} is not a weekday (use mon, tue, wed, thu, fri, sat or sun)`,
      });
    }
  });

  const holidays = expandDateList(spec.holidays);
  const extraWorkingDays = expandDateList(spec.extraWorkingDays);
  for (const problem of holidays.problems) {
    problems.push({ path: `holidays[${problem.index}]`, message: problem.message });
  }
  for (const problem of extraWorkingDays.problems) {
    problems.push({ path: `extraWorkingDays[${problem.index}]`, message: problem.message });
  }

  // Reported on the extra-working-day entry because that is the exception ops staff add by hand.
  const reported = new Set<number>();
  for (const [date, extraIndex] of extraWorkingDays.dates) {
    const holidayIndex = holidays.dates.get(date);
    if (holidayIndex === undefined || reported.has(extraIndex)) continue;
    reported.add(extraIndex);
    problems.push({
      path: `extraWorkingDays[${extraIndex}]`,
      message: `${date} is listed both as a holiday (holidays[${holidayIndex}]) and as an extra working day`,
    });
  }
  return problems;
}

export function compileCalendar(spec: CalendarSpec): Calendar {
  const problems = checkCalendar(spec);
  if (problems.length > 0) throw new CalendarError(problems);

  const zone = spec.timeZone;
  const workingWeekdays = new Set<Weekday>(spec.workingDays);
  const holidays = new Set(expandDateList(spec.holidays).dates.keys());
  const extraWorkingDays = new Set(expandDateList(spec.extraWorkingDays).dates.keys());

  const isWorkingCivilDay = (day: CivilDay): boolean => {
    const date = civilDayToIso(day);
    // The two lists are disjoint (checked above), so their order here does not matter.
    if (extraWorkingDays.has(date)) return true;
    if (holidays.has(date)) return false;
    return workingWeekdays.has(civilWeekday(day));
  };

  const nextWorkingCivilDay = (from: CivilDay): CivilDay => {
    for (let day = from, scanned = 0; scanned <= MAX_SCAN_DAYS; day++, scanned++) {
      if (isWorkingCivilDay(day)) return day;
    }
    throw new RangeError(
      `no working day within ${MAX_SCAN_DAYS} days after ${civilDayToIso(from)} in this calendar`,
    );
  };

  // Working days in [from, to), walking at most the distance between them.
  const countWorkingDays = (from: CivilDay, to: CivilDay): number => {
    let count = 0;
    for (let day = from; day < to; day++) if (isWorkingCivilDay(day)) count++;
    return count;
  };

  const toLocal = (instant: number): DateTime => DateTime.fromMillis(instant, { zone });

  const offsets = zoneOffsets(zone);

  const position = (instant: number): WallPosition => {
    const local = offsets.toWall(instant);
    const day = Math.floor(local / DAY_MS);
    return { day, wall: local - day * DAY_MS };
  };

  // A repeated wall-clock time (autumn DST change) resolves to its first occurrence, so a
  // deadline is never an hour later than it reads. A skipped wall-clock time (spring) is
  // moved forward by the length of the gap, which is what Luxon does for nonexistent times.
  const instantAt = (day: CivilDay, wall: number): number => offsets.fromWall(day * DAY_MS + wall);

  // Why wall-clock arithmetic for d, w and bd: ops people read "1d" as "same time tomorrow",
  // so a lead that enters a stage at 09:00 the day before a DST change is due at 09:00 the next
  // day (23 or 25 elapsed hours), not at 08:00 or 10:00. Fractions use the same rule: the
  // remaining fraction of 24h is added to the wall clock, so 1.5d from 10:00 is 22:00 tomorrow.
  const addCalendarDays = (start: number, days: number): number => {
    const { day, wall } = position(start);
    const target = wall + Math.round(days * DAY_MS);
    return instantAt(day + Math.floor(target / DAY_MS), target % DAY_MS);
  };

  // Business time treats each working day as one 24h unit of wall clock and non-working days as
  // zero. A start on a non-working day therefore begins counting at 00:00 of the next working
  // day. N business days later is the same wall-clock time N working days on; a fractional part
  // (1.5 × 3bd for an escalation) moves the wall clock by that fraction of 24h, carrying into
  // the following working day when it passes midnight. `elapsed` measures the same quantity,
  // so elapsed(start, addDuration(start, Nbd), "businessDay") === N.
  const addBusinessDays = (start: number, businessDays: number): number => {
    const { day, wall } = businessPosition(start);
    const target = wall + Math.round(businessDays * DAY_MS);
    let remainingDays = Math.floor(target / DAY_MS);
    let current = day;
    while (remainingDays > 0) {
      current = nextWorkingCivilDay(current + 1);
      remainingDays--;
    }
    return instantAt(current, target % DAY_MS);
  };

  const businessPosition = (instant: number): WallPosition => {
    const { day, wall } = position(instant);
    if (isWorkingCivilDay(day)) return { day, wall };
    return { day: nextWorkingCivilDay(day + 1), wall: 0 };
  };

  const elapsedBusinessDays = (start: number, end: number): number => {
    const from = businessPosition(start);
    const to = businessPosition(end);
    return countWorkingDays(from.day, to.day) + (to.wall - from.wall) / DAY_MS;
  };

  const elapsed = (start: number, end: number, unit: "day" | "businessDay"): number => {
    if (end < start) return -elapsed(end, start, unit);
    if (unit === "businessDay") return elapsedBusinessDays(start, end);
    const from = position(start);
    const to = position(end);
    return to.day - from.day + (to.wall - from.wall) / DAY_MS;
  };

  return {
    timeZone: zone,
    isWorkingDay: (instant) => isWorkingCivilDay(position(instant).day),
    localDate: (instant) => civilDayToIso(position(instant).day),
    startOfLocalDay: (instant) => toLocal(instant).startOf("day").toMillis(),
    weekdayOf: (instant) => civilWeekday(position(instant).day),
    addDuration(start, duration, factor = 1) {
      if (!Number.isFinite(factor) || factor < 0) {
        throw new RangeError(`factor must be a finite number ≥ 0, got ${factor}`);
      }
      const amount = duration.amount * factor;
      if (amount === 0) return start;
      switch (duration.unit) {
        case "minute":
          return start + Math.round(amount * 60_000);
        case "hour":
          return start + Math.round(amount * 3_600_000);
        case "day":
          return addCalendarDays(start, amount);
        case "week":
          return addCalendarDays(start, amount * 7);
        case "businessDay":
          return addBusinessDays(start, amount);
      }
    },
    elapsed,
  };
}

/** Days since 1970-01-01 of a local calendar date; plain integers make day stepping trivial. */
type CivilDay = number;
type WallPosition = { day: CivilDay; wall: number };

function civilDayToIso(day: CivilDay): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function civilWeekday(day: CivilDay): Weekday {
  // 1970-01-01 was a Thursday, index 3 in WEEKDAYS.
  return WEEKDAYS[(((day + 3) % 7) + 7) % 7] as Weekday;
}

function parseIsoDate(text: string): CivilDay | undefined {
  const match = DATE_SHAPE.exec(text);
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over to March; a round trip exposes that.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1) return undefined;
  if (date.getUTCDate() !== day) return undefined;
  return Math.round(date.getTime() / DAY_MS);
}

/** Expands single dates and inclusive ranges into ISO dates, remembering each one's entry index. */
function expandDateList(entries: unknown): {
  dates: Map<string, number>;
  problems: DateListProblem[];
} {
  const dates = new Map<string, number>();
  const problems: DateListProblem[] = [];
  const list: unknown[] = Array.isArray(entries) ? entries : [];
  list.forEach((entry, index) => {
    const text = typeof entry === "string" ? entry : String(entry);
    const parts = text.split("..");
    const days = parts.map(parseIsoDate);
    const [first, last = first] = days;
    if (typeof entry !== "string" || parts.length > 2 || days.some((d) => d === undefined)) {
      problems.push({
        index,
        message: `${JSON.stringify(entry)} is not a date (expected YYYY-MM-DD or an inclusive range YYYY-MM-DD..YYYY-MM-DD, e.g. 2026-10-01..2026-10-07)`,
      });
      return;
    }
    if (first === undefined || last === undefined) return;
    if (last < first) {
      problems.push({
        index,
        message: `range "${text}" ends before it starts (write the earlier date first, e.g. ${parts[1]}..${parts[0]})`,
      });
      return;
    }
    if (last - first + 1 > MAX_RANGE_DAYS) {
      problems.push({
        index,
        message: `range "${text}" spans ${last - first + 1} days; a range may span at most ${MAX_RANGE_DAYS} days`,
      });
      return;
    }
    for (let day = first; day <= last; day++) {
      const iso = civilDayToIso(day);
      if (!dates.has(iso)) dates.set(iso, index);
    }
  });
  return { dates, problems };
}
