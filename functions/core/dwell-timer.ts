import type { DwellAlertDecision } from "./decisions";
import type { RuleSet, Stage } from "./rules/rule-set";

/**
 * When escalation level `level` of a stage entry falls due: entry time + the level's multiple of
 * the stage's limit, counted on the calendar (so 2 × 3bd skips weekends and holidays).
 * null when the stage has no limit or the chain has no such level.
 */
export function levelDueAt(
  rules: RuleSet,
  stage: Stage,
  enteredAt: number,
  level: number,
): number | null {
  const step = rules.alerts.dwell?.escalation[level];
  if (stage.maxDwell === undefined || stage.terminal !== undefined || step === undefined)
    return null;
  return rules.calendar.addDuration(enteredAt, stage.maxDwell, step.after);
}

/** When the lead is over the stage's limit (1× the limit), for display and for plan. */
export function stageDueAt(rules: RuleSet, stage: Stage, enteredAt: number): number | null {
  if (stage.maxDwell === undefined || stage.terminal !== undefined) return null;
  return rules.calendar.addDuration(enteredAt, stage.maxDwell);
}

export function iso(instant: number): string {
  return new Date(instant).toISOString();
}

/** A stage's limit in its own unit (days, business days or hours), for "7 of 5 days". */
export function limitIn(stage: Stage): { limit: number; unit: DwellAlertDecision["unit"] } {
  const d = stage.maxDwell;
  if (d === undefined) return { limit: 0, unit: "day" };
  switch (d.unit) {
    case "businessDay":
      return { limit: d.amount, unit: "businessDay" };
    case "week":
      return { limit: d.amount * 7, unit: "day" };
    case "hour":
      return { limit: d.amount, unit: "hour" };
    case "minute":
      return { limit: d.amount / 60, unit: "hour" };
    default:
      return { limit: d.amount, unit: "day" };
  }
}

export function inStage(
  rules: RuleSet,
  enteredAt: number,
  now: number,
  unit: DwellAlertDecision["unit"],
): number {
  if (unit === "hour") return (now - enteredAt) / 3_600_000;
  return rules.calendar.elapsed(enteredAt, now, unit);
}

/** Time in stage over the limit (1.0 = exactly at the limit); undefined for stages without one. */
export function dwellRatio(
  rules: RuleSet,
  stage: Stage,
  enteredAt: number,
  now: number,
): number | undefined {
  const { limit, unit } = limitIn(stage);
  if (limit <= 0) return undefined;
  return inStage(rules, enteredAt, now, unit) / limit;
}
