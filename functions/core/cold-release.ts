import { iso } from "./dwell-timer";
import type { Lead } from "./records/lead";
import type { RuleSet } from "./rules/rule-set";

/** A cold lead whose cooldown has ended returns to the funnel, to be distributed like a new one. */
export interface ReleaseDecision {
  kind: "release";
  leadId: string;
  /** The cooldown this release ends; the write is conditional on it. */
  coldUntil: string;
  funnel: string;
  stage: string;
  grade?: string;
  at: string;
  reason: string;
}

export function decideRelease(
  rules: RuleSet,
  lead: Lead,
  now: number,
): ReleaseDecision | undefined {
  const cold = rules.cold;
  if (cold === undefined || lead.pool !== cold.pool || lead.coldUntil === undefined)
    return undefined;
  if (Date.parse(lead.coldUntil) > now) return undefined;
  const grade = cold.returnTo.grade === "keep" ? lead.grade : cold.returnTo.grade;
  return {
    kind: "release",
    leadId: lead.id,
    coldUntil: lead.coldUntil,
    funnel: cold.returnTo.funnel,
    stage: cold.returnTo.stage,
    grade,
    at: iso(now),
    reason: `cooldown ended ${lead.coldUntil}: back to ${cold.returnTo.stage}${grade ? ` as grade ${grade}` : ""}, to be distributed again${lead.previousOwner ? ` (was ${lead.previousOwner}'s)` : ""}`,
  };
}
