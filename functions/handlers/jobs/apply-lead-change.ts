import type { Runtime } from "../../adapters/runtime";
import type { Decision, GradeDecision } from "../../core/decisions";
import { decideLeadChange, type LeadChange } from "../../core/stage-change";

/**
 * One lead write: the core decides, the lead store applies. `changeId` identifies the write (the
 * stream sequence number) so that a redelivered record is recognised and changes nothing.
 */
export async function applyLeadChange(
  runtime: Runtime,
  change: LeadChange,
  changeId: string,
): Promise<Decision[]> {
  const decisions = decideLeadChange(runtime.rules, change);
  const grade = decisions.find((d): d is GradeDecision => d.kind === "grade");
  const transition = decisions.find((d) => d.kind === "transition");
  if (transition !== undefined) {
    const outcome = await runtime.leads.applyTransition(transition, changeId, grade);
    if (outcome === "replay") return [];
  } else if (grade !== undefined) {
    await runtime.leads.applyGrade(grade);
  }
  for (const decision of decisions) runtime.report(decision, { source: "stream" });
  return decisions;
}
