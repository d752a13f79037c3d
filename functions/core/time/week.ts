import type { Calendar } from "./calendar";

const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** Shifts a civil date (YYYY-MM-DD) by whole days; no time zone is involved in civil dates. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The Monday (YYYY-MM-DD, in the calendar's zone) of the week `instant` falls in. */
export function weekOf(calendar: Calendar, instant: number): string {
  return addDays(calendar.localDate(instant), -weekdays.indexOf(calendar.weekdayOf(instant)));
}

/** The first day (YYYY-MM-DD) of the calendar quarter `instant` falls in. */
export function quarterOf(calendar: Calendar, instant: number): string {
  const [year, month] = calendar.localDate(instant).split("-").map(Number) as [number, number];
  const first = Math.floor((month - 1) / 3) * 3 + 1;
  return `${year}-${String(first).padStart(2, "0")}-01`;
}
