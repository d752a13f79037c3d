import type { OrgTree } from "../org-tree";
import type { Rep } from "../records/rep";
import type { RuleSet } from "../rules/rule-set";
import type { Calendar, Weekday } from "../time/calendar";

const WEEKDAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_MS = 24 * 60 * 60 * 1000;

/** A manager whose roll-up is due on this run. */
export interface DueRollup {
  manager: Rep;
  level: number;
  /** The cadence day the report belongs to (earlier than today when it is caught up). */
  day: string;
  reason: string;
}

/**
 * The weekdays whose reports go out on this run, in the rules' time zone: today's, and — when the
 * roll-up's schedule skips non-working days — the days of this week that were skipped since the
 * last working day, so a holiday Monday's level-1 reports go out on Tuesday with level 2's.
 * A cadence day does not move into the next week: that week reports on a later week.
 */
export function dueWeekdays(
  calendar: Calendar,
  now: number,
  skipsNonWorkingDays: boolean,
): Map<Weekday, "today" | "caught-up"> {
  const today = calendar.weekdayOf(now);
  const days = new Map<Weekday, "today" | "caught-up">([[today, "today"]]);
  if (!skipsNonWorkingDays || !calendar.isWorkingDay(now)) return days;
  // Noon of today in the rules' zone, so stepping back whole days never lands on a DST edge.
  const noon = calendar.startOfLocalDay(now) + DAY_MS / 2;
  for (let back = 1; back <= WEEKDAYS.indexOf(today); back += 1) {
    const day = noon - back * DAY_MS;
    if (calendar.isWorkingDay(day)) break;
    days.set(calendar.weekdayOf(day), "caught-up");
  }
  return days;
}

/** The cadence day of a level; the head past the table's last level gets that level's day. */
export function cadenceDay(
  cadence: readonly { level: number; day: string }[],
  level: number,
  isHead: boolean,
): string | undefined {
  const exact = cadence.find((entry) => entry.level === level);
  if (exact !== undefined) return exact.day;
  const last = [...cadence].sort((a, b) => b.level - a.level)[0];
  return isHead && last !== undefined && level > last.level ? last.day : undefined;
}

/**
 * Which managers get their roll-up on this run: level L on the cadence day of L (Monday level 1,
 * Tuesday level 2, … with the shipped rules). A level without a cadence entry gets none, except
 * the head of the organisation (nobody above them), who gets it on the day of the table's highest
 * level when the org is deeper than the table. People who left get none.
 */
export function dueRollups(
  rules: RuleSet,
  reps: ReadonlyMap<string, Rep>,
  tree: OrgTree,
  now: number,
  options: { skipsNonWorkingDays: boolean; allLevels?: boolean },
): DueRollup[] {
  const cadence = rules.reports.rollup?.cadence ?? [];
  if (cadence.length === 0) return [];
  const days = dueWeekdays(rules.calendar, now, options.skipsNonWorkingDays);
  const due: DueRollup[] = [];
  for (const manager of tree.managers()) {
    if (manager.status === "left") continue;
    const level = tree.level(manager.id);
    const isHead = manager.manager === undefined || !reps.has(manager.manager);
    const day = cadenceDay(cadence, level, isHead);
    const when =
      day === undefined ? undefined : options.allLevels ? "catch-up" : days.get(day as Weekday);
    if (day === undefined || when === undefined) continue;
    due.push({
      manager,
      level,
      day,
      reason:
        `level ${level}${cadence.some((c) => c.level === level) ? "" : " (the head, past the cadence table)"} reports on ${day}` +
        (when === "caught-up" ? `, caught up today: ${day} was not a working day` : "") +
        (when === "catch-up" ? "; sent now: a catch-up run sends every level's report" : ""),
    });
  }
  return due.sort((a, b) => a.level - b.level || (a.manager.id < b.manager.id ? -1 : 1));
}
