import type { Decision, TransitionDecision } from "./decisions";
import { iso, levelDueAt, stageDueAt } from "./dwell-timer";
import { gradeLead } from "./grade-lead";
import type { Lead } from "./records/lead";
import { RecordError } from "./records/record-error";
import { type Funnel, findFunnel, findStage, type RuleSet, type Stage } from "./rules/rule-set";

export interface LeadChange {
  /** The lead before the change; absent when it was just created. */
  before?: Lead;
  after: Lead;
  /** When the change happened. */
  at: number;
}

function resolveStage(rules: RuleSet, lead: Lead): { funnel: Funnel; stage: Stage } {
  const funnel = findFunnel(rules, lead.funnel);
  if (funnel === undefined) {
    const known = rules.funnels.map((f) => f.id).join(", ");
    throw new RecordError(
      lead.id,
      `funnel "${lead.funnel}" is not defined in the rules (funnels: ${known})`,
    );
  }
  const stage = findStage(funnel, lead.stage);
  if (stage === undefined) {
    const known = funnel.stages.map((s) => s.id).join(", ");
    throw new RecordError(
      lead.id,
      `stage "${lead.stage}" is not a stage of funnel ${funnel.id} (stages: ${known})`,
    );
  }
  return { funnel, stage };
}

function skippedStages(funnel: Funnel, from: Stage | undefined, to: Stage): string[] {
  if (from === undefined || to.terminal === "lost" || to.index <= from.index + 1) return [];
  return funnel.stages
    .slice(from.index + 1, to.index)
    .filter((s) => s.terminal === undefined)
    .map((s) => s.id);
}

/** The lead's own entry time wins when the writer set a new one (imports, back-dated CRM syncs). */
function entryTime(change: LeadChange): number {
  const written = change.after.stageEnteredAt;
  if (written !== undefined && written !== change.before?.stageEnteredAt)
    return Date.parse(written);
  return change.at;
}

/**
 * Reacts to one write of a lead: a new lead or a change of stage appends a transition and sets the
 * entry and due times for the new stage; an ungraded lead is graded. Anything else is not ours to
 * act on and yields no decision, which is also how the engine ignores its own write-backs.
 */
export function decideLeadChange(rules: RuleSet, change: LeadChange): Decision[] {
  const { before, after } = change;
  const decisions: Decision[] = [];
  if (after.grade === undefined) decisions.push(gradeLead(rules, after));
  if (before !== undefined && before.stage === after.stage && before.funnel === after.funnel)
    return decisions;

  const { funnel, stage } = resolveStage(rules, after);
  const from =
    before === undefined
      ? undefined
      : findFunnel(rules, before.funnel)?.stages.find((s) => s.id === before.stage);
  const enteredAt = entryTime(change);
  const dueAt = stageDueAt(rules, stage, enteredAt);
  const nextCheckAt = levelDueAt(rules, stage, enteredAt, 0);
  const skipped = skippedStages(funnel, from, stage);
  const transition: TransitionDecision = {
    kind: "transition",
    leadId: after.id,
    funnel: funnel.id,
    from: before?.stage ?? null,
    to: stage.id,
    at: iso(change.at),
    by: after.updatedBy,
    skipped,
    enteredAt: iso(enteredAt),
    dueAt: dueAt === null ? null : iso(dueAt),
    nextCheckAt: nextCheckAt === null ? null : iso(nextCheckAt),
    owner: after.owner,
    amount: after.amount ?? 0,
    fromOwner: before?.owner,
    fromAmount: before?.amount ?? 0,
    reason:
      (before === undefined
        ? `created in stage ${stage.id}`
        : `moved from ${before.stage} to ${stage.id}`) +
      (skipped.length > 0 ? `, skipping ${skipped.join(", ")}` : "") +
      (dueAt === null ? "; no dwell limit" : `; due ${iso(dueAt)} (limit ${stage.maxDwell?.text})`),
  };
  decisions.push(transition);
  return decisions;
}
