import { describe, expect, it } from "vitest";
import { planAt } from "../../../functions/core/plan/plan-at";
import type { PlannedDecision, PlanRecords } from "../../../functions/core/plan/plan-types";
import type { Lead } from "../../../functions/core/records/lead";
import type { Rep } from "../../../functions/core/records/rep";
import type { ScheduleRules } from "../../../functions/core/rules/rule-schema";
import { anEventPathRuleSet, aSeller, aTeam } from "../../support/event-path-factories";
import { aLead } from "../../support/factories";

const MONDAY = Date.parse("2026-11-23T01:00:00.000Z"); // 09:00 in Shanghai
const SATURDAY = Date.parse("2026-11-28T01:00:00.000Z");
const DAY = 86_400_000;
const ago = (days: number, from = MONDAY) => new Date(from - days * DAY).toISOString();

const SCHEDULES: ScheduleRules[] = [
  { id: "dwell-sweep", job: "sweep", cron: "0 9 * * *", workingDaysOnly: true },
  { id: "cold-release", job: "release-cold", cron: "0 7 * * *" },
];
const rules = anEventPathRuleSet({}, { schedules: SCHEDULES });

function records(
  leads: Lead[],
  reps: Rep[] = aTeam("u", [aSeller("rep-a", "u"), aSeller("rep-b", "u")]),
): PlanRecords {
  return {
    leads,
    reps: new Map(reps.map((rep) => [rep.id, rep])),
    holdings: [],
    flows: [],
    cursors: new Map(),
    snapshots: new Map(),
    outboxKeys: new Set(),
    unreadable: [],
  };
}

/** A lead the engine has processed: it counts where it is, its timer at the first level. */
function processed(
  id: string,
  owner: string,
  enteredAt: string,
  overrides: Partial<Lead> = {},
): Lead {
  const due = new Date(Date.parse(enteredAt) + 5 * DAY).toISOString();
  return aLead({
    id,
    owner,
    stage: "contacted",
    stageEnteredAt: enteredAt,
    grade: "C",
    dwellLevel: 0,
    counted: `standard#contacted#120000#${owner}`,
    duePk: "DWELL#3",
    dueSk: `${due}#${id}`,
    ...overrides,
  });
}

const of = <K extends PlannedDecision["kind"]>(decisions: PlannedDecision[], kind: K) =>
  decisions.filter((d): d is Extract<PlannedDecision, { kind: K }> => d.kind === kind);

describe("planAt", () => {
  it("lists the dwell alerts a sweep would send now, each level reached with its recipient", () => {
    const plan = planAt(
      rules,
      records([processed("L1", "rep-a", ago(11)), processed("L2", "rep-b", ago(2))]),
      MONDAY,
    );
    expect(
      of(plan.decisions, "dwell-alert").map((a) => [a.leadId, a.level, a.recipientId]),
    ).toEqual([
      ["L1", 0, "rep-a"],
      ["L1", 1, "mgr-1"],
    ]);
    expect(of(plan.decisions, "email").map((e) => e.recipientId)).toEqual(["rep-a", "mgr-1"]);
    expect(plan.jobs.find((j) => j.job === "sweep")).toMatchObject({
      status: "runs",
      scheduleId: "dwell-sweep",
      nextRunAt: "2026-11-23T01:00:00.000Z",
    });
    expect(plan.notes).toEqual([]);
  });

  it("plans no sweep on a day its schedule skips, and says why", () => {
    const plan = planAt(rules, records([processed("L1", "rep-a", ago(11, SATURDAY))]), SATURDAY);
    expect(of(plan.decisions, "dwell-alert")).toEqual([]);
    expect(plan.jobs.find((j) => j.job === "sweep")).toMatchObject({
      status: "skipped",
      reason: "2026-11-28 is not a working day and dwell-sweep runs on working days only",
      nextRunAt: "2026-11-30T01:00:00.000Z",
    });
  });

  it("plans nothing for a job the rules do not schedule", () => {
    const plan = planAt(rules, records([]), MONDAY);
    expect(plan.jobs.find((j) => j.job === "anomalies")).toEqual({
      job: "anomalies",
      status: "not-scheduled",
      reason: "no schedule of the rules runs the anomalies job",
    });
  });

  it("notes alerts whose lead's stored timer is not due yet, as after a rule change", () => {
    // Due by the rules (5d), but its timer was set later, e.g. under a 10d limit.
    const lead = processed("L1", "rep-a", ago(6), { dueSk: `${ago(-4)}#L1` });
    const plan = planAt(rules, records([lead]), MONDAY);
    expect(of(plan.decisions, "dwell-alert")).toHaveLength(1);
    expect(plan.notes).toEqual([
      `1 of the 1 dwell alerts concern 1 lead(s) whose stored dwell timer is not due yet: a timer is set when a lead enters its stage, by the rules in force then, so the sweep sends these when the timers come due (the first at ${ago(-4)})`,
    ]);
  });

  it("grades and distributes leads the stream has not met yet, each assignment counting for the next", () => {
    const fresh = (id: string) =>
      aLead({ id, owner: undefined, stage: "graded", stageEnteredAt: undefined });
    const plan = planAt(rules, records([fresh("N1"), fresh("N2")]), MONDAY);
    expect(of(plan.decisions, "grade").map((g) => [g.leadId, g.grade])).toEqual([
      ["N1", "C"],
      ["N2", "C"],
    ]);
    expect(of(plan.decisions, "assign").map((a) => [a.leadId, a.repId, a.job])).toEqual([
      ["N1", "rep-a", "stream"],
      ["N2", "rep-b", "stream"],
    ]);
    expect(plan.jobs[0]).toMatchObject({
      job: "stream",
      reason: "2 lead(s) not processed by the engine yet",
    });
  });

  it("releases cold leads whose cooldown ended and distributes them again", () => {
    const cold = aLead({
      id: "C1",
      owner: undefined,
      previousOwner: "rep-a",
      stage: "abandoned",
      pool: "cold",
      coldUntil: ago(1),
      counted: "-",
      grade: "B",
    });
    const plan = planAt(rules, records([cold, { ...cold, id: "C2", coldUntil: ago(-1) }]), MONDAY);
    expect(of(plan.decisions, "release").map((r) => [r.leadId, r.stage, r.grade])).toEqual([
      ["C1", "resource", "C"],
    ]);
    expect(of(plan.decisions, "assign").map((a) => [a.leadId, a.job])).toEqual([
      ["C1", "release-cold"],
    ]);
  });

  it("carries out a departure the stream has not met: the leaver's leads move, the handoff is written", () => {
    const team = aTeam("u", [
      aSeller("rep-a", "u", { team: "t" }),
      aSeller("rep-x", "u", { team: "t", status: "left" }),
    ]);
    const plan = planAt(rules, records([processed("X1", "rep-x", ago(1))], team), MONDAY);
    expect(of(plan.decisions, "reassign").map((r) => [r.leadId, r.from, r.to])).toEqual([
      ["X1", "rep-x", "rep-a"],
    ]);
    expect(
      of(plan.decisions, "email")
        .map((e) => e.recipientId)
        .sort(),
    ).toEqual(["mgr-1", "rep-a"]);
  });

  it("reports a lead in a stage the rules do not know once, as a record problem", () => {
    const plan = planAt(
      rules,
      records([processed("L1", "rep-a", ago(6), { stage: "negotiation" })]),
      MONDAY,
    );
    expect(of(plan.decisions, "record-problem")).toEqual([
      expect.objectContaining({ recordId: "L1", job: "sweep" }),
    ]);
  });

  it("leaves the records it is given untouched", () => {
    const input = records([
      processed("L1", "rep-a", ago(30)),
      aLead({ id: "N1", owner: undefined, stage: "graded" }),
    ]);
    const before = JSON.stringify({ ...input, reps: [...input.reps] });
    planAt(rules, input, MONDAY);
    expect(JSON.stringify({ ...input, reps: [...input.reps] })).toBe(before);
  });
});
