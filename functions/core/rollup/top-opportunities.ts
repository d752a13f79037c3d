import type { Lead } from "../records/lead";
import type { Rep } from "../records/rep";
import { findFunnel, findStage, type RuleSet } from "../rules/rule-set";
import { opportunityStageOf } from "./funnel-roles";

/** One of the largest open opportunities of a team, as the roll-up lists it. */
export interface TopOpportunity {
  leadId: string;
  /** The lead's name, else its company, else its id. */
  title: string;
  ownerId: string;
  ownerName: string;
  funnel: string;
  stage: string;
  amount: number;
  /** amount × the stage's win rate: what the opportunity adds to the forecast. */
  weighted: number;
  grade?: string;
  /** Over its stage's dwell limit at the time of the report. */
  overdue: boolean;
}

/**
 * The `limit` largest opportunities (leads in their funnel's opportunity stage) owned by the given
 * people, largest amount first. The leads come from the byOwner index, read only for the
 * members holding anything in that stage, so the cost follows the opportunities, not the leads.
 */
export function topOpportunities(
  rules: RuleSet,
  input: {
    leads: readonly Lead[];
    reps: ReadonlyMap<string, Rep>;
    memberIds: readonly string[];
    limit: number;
    now: number;
  },
): TopOpportunity[] {
  const members = new Set(input.memberIds);
  const found: TopOpportunity[] = [];
  const seen = new Set<string>();
  for (const lead of input.leads) {
    if (lead.owner === undefined || !members.has(lead.owner) || seen.has(lead.id)) continue;
    const funnel = findFunnel(rules, lead.funnel);
    const stage = funnel && findStage(funnel, lead.stage);
    if (funnel === undefined || stage === undefined || opportunityStageOf(funnel) !== stage)
      continue;
    seen.add(lead.id);
    const amount = lead.amount ?? 0;
    found.push({
      leadId: lead.id,
      title: lead.name ?? lead.company ?? lead.id,
      ownerId: lead.owner,
      ownerName: input.reps.get(lead.owner)?.name ?? lead.owner,
      funnel: funnel.id,
      stage: stage.id,
      amount,
      weighted: amount * stage.winRate,
      grade: lead.grade,
      overdue: lead.dueAt !== undefined && Date.parse(lead.dueAt) < input.now,
    });
  }
  return found
    .sort((a, b) => b.amount - a.amount || (a.leadId < b.leadId ? -1 : 1))
    .slice(0, Math.max(0, input.limit));
}
