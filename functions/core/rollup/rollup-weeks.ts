import type { Calendar } from "../time/calendar";
import { addDays, weekOf } from "../time/week";

/** The trailing window of the velocity terms: 13 weeks, one quarter. */
export const WINDOW_WEEKS = 13;

/**
 * The week a roll-up reports on: the last complete week before the run (a Monday, YYYY-MM-DD in the
 * rules' time zone). Every level's report in the same week is about the same week, whichever
 * weekday its cadence gives it.
 */
export function reportedWeek(calendar: Calendar, now: number): string {
  return addDays(weekOf(calendar, now), -7);
}

/**
 * The quarter a week belongs to: the quarter its Monday falls in, as the anomaly checks count it
 * too (core/anomalies/anomaly-window.ts). The flow counters are weekly, so a week cannot be split.
 */
export function quarterOfWeek(monday: string): string {
  const [year, month] = monday.split("-").map(Number) as [number, number];
  return `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
}

/** The Mondays of `week`'s quarter up to and including `week`, oldest first. */
export function quarterWeeksThrough(week: string): string[] {
  const quarter = quarterOfWeek(week);
  const weeks: string[] = [];
  for (let monday = week; quarterOfWeek(monday) === quarter; monday = addDays(monday, -7)) {
    weeks.unshift(monday);
  }
  return weeks;
}

/** `count` weeks ending with `week`, oldest first. */
export function windowWeeks(week: string, count = WINDOW_WEEKS): string[] {
  return Array.from({ length: count }, (_, i) => addDays(week, -7 * (count - 1 - i)));
}

/** Every week of flow counters a roll-up of `week` reads: its quarter so far and the window. */
export function weeksToRead(week: string): string[] {
  return [...new Set([...quarterWeeksThrough(week), ...windowWeeks(week)])].sort();
}
