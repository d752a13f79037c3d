import type { Calendar } from "../time/calendar";
import type { Duration } from "../time/duration";
import { addDays, quarterOf, weekOf } from "../time/week";

/** The weeks of flow counters a figure is summed over, and how to say so in an alert. */
export interface WeekWindow {
  /** Mondays (YYYY-MM-DD), oldest first. */
  weeks: string[];
  /** The first day counted (the oldest Monday) and the run's local date. */
  from: string;
  to: string;
  /** e.g. `90d (2026-08-31..2026-11-23)`: the rule's text and the days the counters cover. */
  text: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS } as const;
// Durations are capped at 3660 days by the parser; a calendar with a long run of holidays still
// has to stop somewhere when counting business days back.
const MAX_DAYS_BACK = 3 * 3660;

/** The local date the window starts on: `duration` back from `now` on the calendar. */
function windowStartDate(calendar: Calendar, now: number, duration: Duration): string {
  if (duration.unit !== "businessDay") {
    return calendar.localDate(now - duration.amount * UNIT_MS[duration.unit]);
  }
  let counted = 0;
  let back = 0;
  while (counted < duration.amount && back < MAX_DAYS_BACK) {
    back += 1;
    if (calendar.isWorkingDay(now - back * DAY_MS)) counted += 1;
  }
  return calendar.localDate(now - back * DAY_MS);
}

/** Mondays from the week of `now` back to the first one on or after `firstDay`. */
function mondaysSince(calendar: Calendar, now: number, firstDay: string): string[] {
  const weeks: string[] = [];
  for (let monday = weekOf(calendar, now); monday >= firstDay; monday = addDays(monday, -7)) {
    weeks.unshift(monday);
  }
  return weeks;
}

/**
 * The flow counters are kept per week, so the trailing window is whole weeks: those whose Monday
 * falls on or after the day the window starts, up to the current (partial) week. A 90d window thus
 * covers 12 weeks and a few days to 13 weeks. The current week always counts, so a window shorter
 * than a week still measures something.
 */
export function trailingWindow(calendar: Calendar, now: number, duration: Duration): WeekWindow {
  const start = windowStartDate(calendar, now, duration);
  const found = mondaysSince(calendar, now, start);
  const weeks = found.length > 0 ? found : [weekOf(calendar, now)];
  const from = weeks[0] as string;
  const to = calendar.localDate(now);
  return { weeks, from, to, text: `${duration.text} (${from}..${to})` };
}

/**
 * The quarter to date, in the same week granularity: the weeks whose Monday is in the quarter.
 * Sales in the days before the quarter's first Monday count in the quarter before; symmetrically,
 * this quarter keeps the days after its last Monday. Empty when the quarter began this week.
 */
export function quarterWindow(calendar: Calendar, now: number): WeekWindow {
  const first = quarterOf(calendar, now);
  const weeks = mondaysSince(calendar, now, first);
  const to = calendar.localDate(now);
  return { weeks, from: first, to, text: `${first}..${to}` };
}
