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
