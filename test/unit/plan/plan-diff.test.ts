import { describe, expect, it } from "vitest";
import { changeLines, diffPlans } from "../../../functions/core/plan/plan-diff";
import type { Plan, PlannedDecision } from "../../../functions/core/plan/plan-types";

const alert = (
  leadId: string,
  level: number,
  stage: string,
  recipientId = "rep-a",
): PlannedDecision => ({
  kind: "dwell-alert",
  job: "sweep",
  leadId,
  funnel: "standard",
  stage,
  level,
  notify: "owner",
  recipientId,
  enteredAt: "2026-11-10T01:00:00.000Z",
  inStage: 13,
  limit: 5,
  unit: "day",
  amount: 0,
  reason: `in ${stage}`,
});

const assign = (leadId: string, repId: string, reason = "least loaded"): PlannedDecision => ({
  kind: "assign",
  job: "stream",
  leadId,
  repId,
  via: "least-loaded",
  reason,
});

const problem = (recordId: string): PlannedDecision => ({
  kind: "record-problem",
  job: "sweep",
  recordId,
  reason: `stage "x" of funnel "standard" is not in the rules`,
});

const plan = (decisions: PlannedDecision[]): Plan => ({
  at: "2026-11-23T01:00:00.000Z",
  jobs: [],
  decisions,
  notes: [],
});

const lines = (base: PlannedDecision[], proposed: PlannedDecision[]) =>
  diffPlans(plan(base), plan(proposed)).kinds.flatMap(changeLines);

describe("diffPlans", () => {
  it("says 0 for every kind when both rule versions decide the same", () => {
    expect(lines([alert("L1", 0, "lead")], [alert("L1", 0, "lead")])).toEqual([
      "0 dwell alerts",
      "0 dwell actions",
      "0 assignments",
      "0 reassignments",
      "0 releases from the cold pool",
      "0 anomaly alerts",
      "0 roll-ups",
      "0 emails",
      "0 record problems",
    ]);
  });

  it("counts dwell alerts added and removed per stage", () => {
    const result = lines(
      [alert("L1", 0, "lead"), alert("L2", 0, "contacted")],
      [alert("L2", 0, "contacted"), alert("L3", 0, "contacted"), alert("L4", 1, "contacted")],
    );
    expect(result.slice(0, 2)).toEqual([
      "+2 dwell alerts in stage contacted",
      "−1 dwell alert in stage lead",
    ]);
  });

  it("counts an assignment to another rep as changed, and one with other wording as the same", () => {
    const diff = diffPlans(
      plan([assign("N1", "rep-a"), assign("N2", "rep-a", "least loaded: 3 of 10")]),
      plan([assign("N1", "rep-b"), assign("N2", "rep-a", "least loaded: 4 of 10")]),
    );
    const assignments = diff.kinds.find((k) => k.kind.id === "assign");
    expect(assignments && changeLines(assignments)).toEqual(["1 assignment changed"]);
    expect(assignments?.byRecipient).toEqual([
      { group: "rep-b", added: 0, removed: 0, changed: 1 },
    ]);
  });

  it("tells the record problems the proposed rules add from those both versions have", () => {
    const diff = diffPlans(plan([problem("L1")]), plan([problem("L1"), problem("L2")]));
    expect(diff.newProblems.map((p) => (p.kind === "record-problem" ? p.recordId : ""))).toEqual([
      "L2",
    ]);
  });
});
