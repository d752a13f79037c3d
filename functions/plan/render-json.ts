import { changeLines } from "../core/plan/plan-diff";
import { kindOf, PLAN_KINDS } from "../core/plan/plan-kinds";
import type { Plan, PlannedDecision } from "../core/plan/plan-types";
import type { PlanContext, PlanOutcome } from "./run-plan";

/** Emails without their bodies: the subject, the recipients and why are what a plan is about. */
function slim(decision: PlannedDecision): unknown {
  if (decision.kind !== "email") return decision;
  const { text: _text, html: _html, ...rest } = decision;
  return rest;
}

function countsOf(plan: Plan): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of PLAN_KINDS) counts[kind.id] = 0;
  for (const decision of plan.decisions) {
    const kind = kindOf(decision);
    if (kind !== undefined) counts[kind.id] = (counts[kind.id] ?? 0) + 1;
  }
  return counts;
}

function contextJson(context: PlanContext) {
  return {
    at: new Date(context.at).toISOString(),
    timeZone: context.timeZone,
    rules: context.rules,
    ...(context.against === undefined ? {} : { against: context.against }),
    source: context.source,
    records: context.records,
  };
}

/** One JSON document on stdout, for scripts and CI (`jq .counts`). */
export function renderJson(outcome: PlanOutcome): string {
  switch (outcome.kind) {
    case "invalid-rules":
      return `${JSON.stringify({ mode: "invalid-rules", problems: outcome.problems }, null, 2)}\n`;
    case "plan":
      return `${JSON.stringify(
        {
          mode: "plan",
          ...contextJson(outcome.context),
          jobs: outcome.plan.jobs,
          counts: countsOf(outcome.plan),
          decisions: outcome.plan.decisions.map(slim),
          notes: outcome.plan.notes,
        },
        null,
        2,
      )}\n`;
    case "diff": {
      const { diff, base, proposed } = outcome;
      return `${JSON.stringify(
        {
          mode: "diff",
          ...contextJson(outcome.context),
          summary: diff.kinds.flatMap(changeLines),
          changes: diff.kinds.map((k) => ({
            kind: k.kind.id,
            before: k.base,
            after: k.proposed,
            added: k.added,
            removed: k.removed,
            changed: k.changed,
            byStage: k.byStage,
            byRecipient: k.byRecipient,
            summary: changeLines(k),
          })),
          added: diff.kinds.flatMap((k) => k.addedDecisions.map(slim)),
          removed: diff.kinds.flatMap((k) => k.removedDecisions.map(slim)),
          changed: diff.kinds.flatMap((k) =>
            k.changedDecisions.map((c) => ({ before: slim(c.before), after: slim(c.after) })),
          ),
          newProblems: diff.newProblems,
          base: { jobs: base.jobs, counts: countsOf(base), notes: base.notes },
          proposed: { jobs: proposed.jobs, counts: countsOf(proposed), notes: proposed.notes },
        },
        null,
        2,
      )}\n`;
    }
  }
}
