import type { ReassignDecision } from "./decisions";
import { type AssignmentContext, decideAssignment } from "./distribution/decide-assignment";
import { withAssignment } from "./distribution/rep-load";
import { moveCounts } from "./holding";
import type { Lead } from "./records/lead";
import { managersOf, type Rep } from "./records/rep";
import type { RuleSet } from "./rules/rule-set";

const gradeRank = (rules: RuleSet, lead: Lead) => {
  const rank = rules.grading.grades.indexOf(lead.grade ?? "");
  return rank === -1 ? rules.grading.grades.length : rank;
};

/**
 * Where each lead of a departing rep goes (销售人员变动): A-grade leads first, by the distribution
 * rules, restricted to the leaver's team when the rules say `same-team`; A-grade leads go to the
 * leaver's manager when the rules leave them to the manager's choice. Loads accumulate across the
 * plan so the leads spread out instead of all landing on today's least-loaded rep.
 */
export function decideDeparture(
  rules: RuleSet,
  leaver: Rep,
  leads: Lead[],
  ctx: Omit<AssignmentContext, "restrictTo" | "exclude">,
): ReassignDecision[] {
  const policy = rules.distribution.whenRepLeaves ?? { reassignTo: "same-team" as const };
  const sameTeam = policy.reassignTo === "same-team" && leaver.team !== undefined;
  const restrictTo = sameTeam
    ? new Set([...ctx.reps.values()].filter((r) => r.team === leaver.team).map((r) => r.id))
    : undefined;
  const manager = managersOf(leaver.id, ctx.reps)[0];
  const topGrade = rules.grading.grades[0];
  const ordered = [...leads].sort(
    (a, b) => gradeRank(rules, a) - gradeRank(rules, b) || a.id.localeCompare(b.id),
  );

  let loads = ctx.loads;
  const cursors = new Map(ctx.cursors);
  const decisions: ReassignDecision[] = [];
  for (const lead of ordered) {
    if (policy.gradeAToManagerChoice && lead.grade === topGrade && manager !== undefined) {
      decisions.push({
        kind: "reassign",
        leadId: lead.id,
        from: leaver.id,
        to: manager.id,
        via: "manager-choice",
        ...moveCounts(rules, lead, manager.id),
        reason: `${leaver.id} left; grade ${topGrade} leads go to the manager ${manager.id} to hand out`,
      });
      continue;
    }
    const choice = decideAssignment(rules, lead, {
      ...ctx,
      loads,
      cursors,
      restrictTo,
      exclude: new Set([leaver.id]),
    });
    if (choice.repId !== null)
      loads = withAssignment(
        loads,
        choice.repId,
        lead.funnel ?? rules.funnels[0]?.id ?? "",
        lead.stage,
      );
    if (choice.cursor) cursors.set(choice.cursor.scope, choice.cursor.repId);
    decisions.push({
      kind: "reassign",
      leadId: lead.id,
      from: leaver.id,
      to: choice.repId,
      pool: choice.pool,
      via: choice.via,
      ...moveCounts(rules, lead, choice.repId),
      reason: `${leaver.id} left${sameTeam ? ` (team ${leaver.team})` : ""}: ${choice.reason}`,
    });
  }
  return decisions;
}
