import { Cron } from "croner";
import { DateTime, IANAZone } from "luxon";
import type { Calendar } from "./calendar";

export type ScheduleSpec = {
  cron: string;
  timeZone: string;
  workingDaysOnly?: boolean;
  calendar?: Calendar;
};

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronError";
  }
}

type FieldName = "minute" | "hour" | "day-of-month" | "month" | "day-of-week";

type FieldRule = {
  name: FieldName;
  min: number;
  max: number;
  names?: readonly string[];
  example: string;
};

type CronField = { text: string; values: Set<number>; restricted: boolean };

type ParsedCron = {
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  dayOfWeek: CronField;
};

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
] as const;
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const FIELD_RULES: readonly FieldRule[] = [
  { name: "minute", min: 0, max: 59, example: "0, 30 or */15" },
  { name: "hour", min: 0, max: 23, example: "9, 8-18 or */2" },
  { name: "day-of-month", min: 1, max: 31, example: "1, 15 or 1,15" },
  // Names map to min + index: JAN = 1 … DEC = 12.
  { name: "month", min: 1, max: 12, names: MONTH_NAMES, example: "1, JAN-MAR or */3" },
  // Standard cron: 0 and 7 are both Sunday. Names map to SUN = 0 … SAT = 6.
  { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES, example: "MON-FRI or 1,3,5" },
];

const FORMAT_HINT = 'minute hour day-of-month month day-of-week, e.g. "0 9 * * MON-FRI"';
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// Bounds the croner walk when workingDaysOnly filters a minutely job through a long holiday.
const MAX_CANDIDATES = 200_000;

/** Returns why `expr` is not a schedule this project can deploy, or undefined when it is fine. */
export function checkCron(expr: string): string | undefined {
  try {
    parseCron(expr);
    return undefined;
  } catch (error) {
    if (error instanceof CronError) return error.message;
    throw error;
  }
}

/**
 * Converts standard 5-field cron to EventBridge Scheduler's 6-field form. EventBridge numbers
 * days of the week 1-7 from Sunday, where standard cron uses 0-7 with 0 and 7 for Sunday, so the
 * day-of-week field is always emitted as names (MON-FRI), which both systems read the same way.
 */
export function toEventBridgeCron(expr: string): string {
  const cron = parseCron(expr);
  // EventBridge insists that exactly one of the two day fields is "?".
  const dayOfMonth = cron.dayOfWeek.restricted ? "?" : cron.dayOfMonth.text;
  const dayOfWeek = cron.dayOfWeek.restricted ? dayOfWeekNames(cron.dayOfWeek.values) : "?";
  const month = cron.month.text.toUpperCase();
  return `cron(${cron.minute.text} ${cron.hour.text} ${dayOfMonth} ${month} ${dayOfWeek} *)`;
}

/**
 * Fire times strictly after `after`, in the schedule's time zone.
 *
 * Daylight saving follows EventBridge Scheduler as AWS documents it ("Daylight savings time on
 * EventBridge Scheduler" in the Scheduler user guide): when clocks spring forward, a fire time
 * that does not exist that day is skipped (a 02:30 job in America/New_York does not run on the
 * spring-forward Sunday); when clocks fall back, a repeated wall-clock time fires only once, at
 * its first occurrence. Croner alone would run a fixed-time job right after the gap and an
 * interval job twice in the repeated hour, so its runs are filtered here to match what the
 * deployed schedule really does.
 */
export function nextFireTimes(spec: ScheduleSpec, after: number, count: number): number[] {
  const cron = parseCron(spec.cron);
  if (!IANAZone.isValidZone(spec.timeZone)) {
    throw new CronError(
      `"${spec.timeZone}" is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin)`,
    );
  }
  const calendar = spec.calendar;
  if (spec.workingDaysOnly && !calendar) {
    throw new CronError("workingDaysOnly needs a calendar to know which days are working days");
  }

  const job = new Cron(spec.cron, { timezone: spec.timeZone, mode: "5-part", paused: true });
  const fires: number[] = [];
  let cursor = after;
  for (let examined = 0; fires.length < count && examined < MAX_CANDIDATES; examined++) {
    const next = job.nextRun(new Date(cursor));
    if (!next) break;
    const instant = next.getTime();
    cursor = instant;
    if (instant <= after) continue;
    const local = DateTime.fromMillis(instant, { zone: spec.timeZone });
    if (!existsAsWritten(cron, local) || !isFirstOccurrence(local)) continue;
    if (spec.workingDaysOnly && calendar && !calendar.isWorkingDay(instant)) {
      // Jump to the end of that day rather than walking a minutely job through a holiday.
      const nextDay = DateTime.fromMillis(instant, { zone: calendar.timeZone })
        .plus({ days: 1 })
        .startOf("day")
        .toMillis();
      cursor = Math.max(cursor, nextDay - 1);
      continue;
    }
    fires.push(instant);
  }
  return fires;
}

/**
 * The deployed EventBridge schedule fires on every day its cron matches; a handler whose rule
 * says workingDaysOnly calls this first and returns early on weekends and holidays.
 */
export function shouldRunOn(
  calendar: Calendar,
  instant: number,
  workingDaysOnly: boolean,
): boolean {
  return !workingDaysOnly || calendar.isWorkingDay(instant);
}

// Croner moves a fixed-time job that falls into a spring-forward gap to just after the gap;
// its wall-clock time then no longer matches the expression, which is how we spot it.
function existsAsWritten(cron: ParsedCron, local: DateTime): boolean {
  return cron.hour.values.has(local.hour) && cron.minute.values.has(local.minute);
}

function isFirstOccurrence(local: DateTime): boolean {
  const instant = local.toMillis();
  return local.getPossibleOffsets().every((option) => option.toMillis() >= instant);
}

function parseCron(expr: string): ParsedCron {
  if (typeof expr !== "string" || expr.trim() === "") {
    throw new CronError(`cron expression is empty: write 5 fields, ${FORMAT_HINT}`);
  }
  const text = expr.trim();
  if (text.startsWith("@")) {
    throw new CronError(
      `"${text}": nicknames such as @daily are not supported: write 5 fields, ${FORMAT_HINT}`,
    );
  }
  const parts = text.split(/\s+/);
  if (parts.length === 6) {
    throw new CronError(
      `"${text}" has 6 fields: seconds are not supported, write 5 fields, ${FORMAT_HINT}`,
    );
  }
  if (parts.length !== 5) {
    throw new CronError(`"${text}" has ${parts.length} fields: write exactly 5, ${FORMAT_HINT}`);
  }

  const [minute, hour, dayOfMonth, month, dayOfWeek] = parts.map((part, index) =>
    parseField(part, FIELD_RULES[index] as FieldRule),
  ) as [CronField, CronField, CronField, CronField, CronField];

  if (dayOfMonth.restricted && dayOfWeek.restricted) {
    throw new CronError(
      `day-of-month "${dayOfMonth.text}" and day-of-week "${dayOfWeek.text}" are both set: use either day-of-month or day-of-week, not both (EventBridge Scheduler cannot combine them), e.g. "0 9 1 * *" or "0 9 * * MON"`,
    );
  }
  if (dayOfMonth.restricted && month.restricted) {
    const possible = [...month.values].some((m) =>
      [...dayOfMonth.values].some((d) => d <= (DAYS_IN_MONTH[m - 1] ?? 0)),
    );
    if (!possible) {
      throw new CronError(
        `day-of-month "${dayOfMonth.text}" never occurs in month "${month.text}", so the schedule would never fire, e.g. "0 9 28 2 *"`,
      );
    }
  }

  // Our grammar is a subset of croner's; this guards against the two ever disagreeing.
  try {
    new Cron(text, { mode: "5-part", paused: true });
  } catch (error) {
    throw new CronError(`"${text}" is not a valid cron expression: ${(error as Error).message}`);
  }
  return { minute, hour, dayOfMonth, month, dayOfWeek };
}

function parseField(text: string, rule: FieldRule): CronField {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    for (const value of parseItem(item, text, rule)) {
      // Sunday is both 0 and 7 in standard cron; keep one spelling.
      values.add(rule.name === "day-of-week" && value === 7 ? 0 : value);
    }
  }
  return { text, values, restricted: text !== "*" };
}

function parseItem(item: string, field: string, rule: FieldRule): number[] {
  const invalid = (why: string) =>
    new CronError(`${rule.name} "${field}" ${why} (e.g. ${rule.example})`);
  if (item === "") throw invalid("has an empty list entry");
  if (item === "?") {
    throw invalid('uses "?", which standard cron does not have: use * instead');
  }
  // Names such as JUL and WED contain the letters, so they are removed before looking.
  const withoutNames = (rule.names ?? []).reduce(
    (rest, name) => rest.replaceAll(name, ""),
    item.toUpperCase(),
  );
  if (/[LW#+]/.test(withoutNames)) {
    throw invalid(
      "uses L, W, # or +, which are not supported: use numbers, ranges, lists and steps",
    );
  }

  const [rangeText = "", stepText, ...extra] = item.split("/");
  if (extra.length > 0) throw invalid(`has more than one "/" in "${item}"`);

  let low = rule.min;
  let high = rule.max;
  if (rangeText !== "*") {
    const bounds = rangeText.split("-");
    if (bounds.length > 2) throw invalid(`has a malformed range "${item}"`);
    const [lowText = "", highText] = bounds;
    low = parseValue(lowText, rule, invalid);
    high = highText === undefined ? low : parseValue(highText, rule, invalid);
    if (high < low) {
      throw invalid(`has a range "${rangeText}" that runs backwards: write the lower value first`);
    }
    if (stepText !== undefined && highText === undefined) {
      throw invalid(`has a step "${item}" without a range: write */${stepText} or a range`);
    }
  }
  if (stepText === undefined) return range(low, high, 1);

  if (!/^\d+$/.test(stepText)) throw invalid(`has a step "/${stepText}" that is not a number`);
  const step = Number(stepText);
  if (step < 1 || step > rule.max - rule.min) {
    throw invalid(`has a step "/${stepText}" outside 1-${rule.max - rule.min}`);
  }
  return range(low, high, step);
}

function parseValue(text: string, rule: FieldRule, invalid: (why: string) => CronError): number {
  const upper = text.toUpperCase();
  const nameIndex = rule.names?.indexOf(upper) ?? -1;
  if (nameIndex >= 0) return rule.min + nameIndex;
  if (!/^\d+$/.test(text)) {
    const allowed = rule.names
      ? `${rule.min}-${rule.max} or ${rule.names[0]}-${rule.names[rule.names.length - 1]}`
      : `${rule.min}-${rule.max}`;
    throw invalid(`has "${text}", which is not a valid value: use ${allowed}`);
  }
  const value = Number(text);
  if (value < rule.min || value > rule.max) {
    throw invalid(`has ${value}, which is outside ${rule.min}-${rule.max}`);
  }
  return value;
}

function range(low: number, high: number, step: number): number[] {
  const values: number[] = [];
  for (let value = low; value <= high; value += step) values.push(value);
  return values;
}

/** Sunday-first names, with runs of three or more days collapsed into ranges (MON-FRI). */
function dayOfWeekNames(values: Set<number>): string {
  const days = [...values].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let start = 0; start < days.length; ) {
    let end = start;
    while (end + 1 < days.length && (days[end + 1] as number) === (days[end] as number) + 1) end++;
    const first = DAY_NAMES[days[start] as number];
    const last = DAY_NAMES[days[end] as number];
    if (end - start >= 2) parts.push(`${first}-${last}`);
    else for (let i = start; i <= end; i++) parts.push(DAY_NAMES[days[i] as number] as string);
    start = end + 1;
  }
  return parts.join(",");
}
