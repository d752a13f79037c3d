import { holds } from "./conditions";
import type { GradeDecision } from "./decisions";
import type { Lead } from "./records/lead";
import type { RuleSet } from "./rules/rule-set";

export function gradeLead(rules: RuleSet, lead: Lead): GradeDecision {
  const rule = rules.grading.rules.find((r) => holds(r.when, lead));
  if (rule === undefined) {
    return {
      kind: "grade",
      leadId: lead.id,
      grade: rules.grading.default,
      rule: "default",
      reason: `no grading rule matched: default grade ${rules.grading.default}`,
    };
  }
  return {
    kind: "grade",
    leadId: lead.id,
    grade: rule.grade,
    rule: rule.id,
    reason: `grading rule ${rule.id}${rule.description ? ` (${rule.description})` : ""}`,
  };
}
