import { describe, expect, it } from "vitest";
import type { TransitionDecision } from "../../../functions/core/decisions";
import { decideLeadChange } from "../../../functions/core/lead-change";
import { RecordError } from "../../../functions/core/records/record-error";
import { aLead, aRuleSet, at } from "../../support/factories";

const rules = aRuleSet();
const transitionOf = (decisions: ReturnType<typeof decideLeadChange>) =>
  decisions.find((d): d is TransitionDecision => d.kind === "transition");

describe("decideLeadChange", () => {
  it("sets the entry and due time when a lead moves to the next stage", () => {
    const before = aLead({ stage: "contacted", grade: "B" });
    const after = aLead({ stage: "lead", grade: "B" });
    const t = transitionOf(
      decideLeadChange(rules, { before, after, at: at("2026-11-16T02:00:00Z") }),
    );
    expect(t).toMatchObject({
      from: "contacted",
      to: "lead",
      enteredAt: "2026-11-16T02:00:00.000Z",
      dueAt: "2026-11-21T02:00:00.000Z",
      nextCheckAt: "2026-11-21T02:00:00.000Z",
      skipped: [],
    });
  });

  it("counts business-day limits on the calendar, skipping the weekend", () => {
    // Friday 2026-11-20 10:00 Shanghai + 3bd = Wednesday 2026-11-25 10:00 Shanghai.
    const t = transitionOf(
      decideLeadChange(rules, {
        before: aLead({ stage: "lead", grade: "A" }),
        after: aLead({ stage: "intent", grade: "A" }),
        at: at("2026-11-20T02:00:00Z"),
      }),
    );
    expect(t?.dueAt).toBe("2026-11-25T02:00:00.000Z");
  });

  it("counts business days across the National Day holiday and its adjusted Saturday", () => {
    // Wed 2026-09-30 10:00 + 3bd: Oct 1–7 are holidays; Thu 8, Fri 9 and the adjusted Saturday 10 count.
    const t = transitionOf(
      decideLeadChange(rules, {
        before: aLead({ stage: "lead", grade: "A" }),
        after: aLead({ stage: "intent", grade: "A" }),
        at: at("2026-09-30T02:00:00Z"),
      }),
    );
    expect(t?.dueAt).toBe("2026-10-10T02:00:00.000Z");
  });

  it("lists the open stages a lead jumped over", () => {
    const t = transitionOf(
      decideLeadChange(rules, {
        before: aLead({ stage: "graded", grade: "A" }),
        after: aLead({ stage: "intent", grade: "A" }),
        at: at("2026-11-16T02:00:00Z"),
      }),
    );
    expect(t?.skipped).toEqual(["contacted", "lead"]);
    expect(t?.reason).toContain("skipping contacted, lead");
  });

  it("does not call abandoning a lead skipping stages, and sets no due time in a terminal stage", () => {
    const t = transitionOf(
      decideLeadChange(rules, {
        before: aLead({ stage: "graded", grade: "A" }),
        after: aLead({ stage: "abandoned", grade: "A" }),
        at: at("2026-11-16T02:00:00Z"),
      }),
    );
    expect(t).toMatchObject({ skipped: [], dueAt: null, nextCheckAt: null });
  });

  it("keeps a writer's back-dated entry time on a new lead", () => {
    const after = aLead({
      stage: "contacted",
      grade: "C",
      stageEnteredAt: "2026-11-01T00:00:00.000Z",
    });
    const t = transitionOf(decideLeadChange(rules, { after, at: at("2026-11-16T02:00:00Z") }));
    expect(t).toMatchObject({
      from: null,
      enteredAt: "2026-11-01T00:00:00.000Z",
      dueAt: "2026-11-06T00:00:00.000Z",
    });
  });

  it("ignores the stale entry time a moved lead still carries from its previous stage", () => {
    const entered = "2026-11-01T00:00:00.000Z";
    const t = transitionOf(
      decideLeadChange(rules, {
        before: aLead({ stage: "contacted", grade: "C", stageEnteredAt: entered }),
        after: aLead({ stage: "lead", grade: "C", stageEnteredAt: entered }),
        at: at("2026-11-16T02:00:00Z"),
      }),
    );
    expect(t?.enteredAt).toBe("2026-11-16T02:00:00.000Z");
  });

  it("decides nothing for a write that changes neither stage nor grade (such as the engine's own)", () => {
    const lead = aLead({
      grade: "A",
      dueAt: "2026-11-07T00:00:00.000Z",
      counted: "standard#contacted#120000#rep-1",
    });
    expect(
      decideLeadChange(rules, {
        before: lead,
        after: { ...lead, dwellLevel: 1 },
        at: at("2026-11-16T02:00:00Z"),
      }),
    ).toEqual([]);
  });

  it("grades a new lead by the first rule that holds and records the rule", () => {
    const decisions = decideLeadChange(rules, {
      after: aLead({ source: "inbound", employees: 80 }),
      at: at("2026-11-16T02:00:00Z"),
    });
    expect(decisions.find((d) => d.kind === "grade")).toMatchObject({
      grade: "A",
      rule: "inbound",
    });
  });

  it("gives the default grade when no rule holds", () => {
    const decisions = decideLeadChange(rules, {
      after: aLead({ employees: 5 }),
      at: at("2026-11-16T02:00:00Z"),
    });
    expect(decisions.find((d) => d.kind === "grade")).toMatchObject({
      grade: "C",
      rule: "default",
    });
  });

  it("names the lead and the stages it knows when a lead is in an unknown stage", () => {
    expect(() =>
      decideLeadChange(rules, {
        after: aLead({ id: "L42", stage: "qualified", grade: "A" }),
        at: 0,
      }),
    ).toThrowError(
      new RecordError(
        "L42",
        'stage "qualified" is not a stage of funnel standard (stages: resource, graded, contacted, lead, intent, signed, implemented, abandoned)',
      ),
    );
  });

  it("moves the aggregates from the old owner's stage to the new owner's stage", () => {
    const decisions = decideLeadChange(rules, {
      before: aLead({ stage: "lead", owner: "rep-1", amount: 10, grade: "B" }),
      after: aLead({
        stage: "intent",
        owner: "rep-2",
        amount: 20,
        grade: "B",
        counted: "standard#lead#10#rep-1",
      }),
      at: 0,
    });
    expect(decisions.find((d) => d.kind === "ledger")).toMatchObject({
      counted: { from: "standard#lead#10#rep-1", to: "standard#intent#20#rep-2" },
      entry: "transition",
      deltas: [
        { repId: "rep-1", funnel: "standard", stage: "lead", count: -1, amount: -10 },
        { repId: "rep-2", funnel: "standard", stage: "intent", count: 1, amount: 20 },
      ],
    });
  });

  it("moves nothing in the aggregates when the lead already counts where it should (a replay)", () => {
    const lead = aLead({
      stage: "lead",
      owner: "rep-2",
      amount: 20,
      grade: "B",
      counted: "standard#lead#20#rep-2",
    });
    const decisions = decideLeadChange(rules, {
      before: { ...lead, owner: "rep-1" },
      after: lead,
      at: 0,
    });
    expect(decisions.find((d) => d.kind === "ledger")).toMatchObject({
      entry: "owner-change",
      deltas: [],
    });
  });

  it("keeps the history of a lead whose owner changes by hand and moves its aggregates", () => {
    const before = aLead({
      stage: "lead",
      owner: "rep-1",
      grade: "B",
      amount: 50,
      counted: "standard#lead#50#rep-1",
    });
    const after = { ...before, owner: "rep-2", updatedBy: "crm" };
    const ledger = decideLeadChange(rules, { before, after, at: 0 }).find(
      (d) => d.kind === "ledger",
    );
    expect(ledger).toMatchObject({
      entry: "owner-change",
      fromOwner: "rep-1",
      toOwner: "rep-2",
      deltas: [
        { repId: "rep-1", stage: "lead", count: -1, amount: -50 },
        { repId: "rep-2", stage: "lead", count: 1, amount: 50 },
      ],
    });
    expect(
      decideLeadChange(rules, { before, after, at: 0 }).some((d) => d.kind === "transition"),
    ).toBe(false);
  });

  it("counts an amount change as a change of the amount only", () => {
    const before = aLead({
      stage: "lead",
      grade: "B",
      amount: 50,
      counted: "standard#lead#50#rep-1",
    });
    const ledger = decideLeadChange(rules, {
      before,
      after: { ...before, amount: 80 },
      at: 0,
    }).find((d) => d.kind === "ledger");
    expect(ledger).toMatchObject({
      entry: "amount-change",
      deltas: [{ repId: "rep-1", stage: "lead", count: 0, amount: 30 }],
    });
  });

  it("puts back the engine's state when a writer rewrites the whole lead, even repeating its entry time", () => {
    const before = aLead({
      stage: "lead",
      grade: "B",
      gradeRule: "mid-size",
      counted: "standard#lead#120000#rep-1",
      dueAt: "2026-11-21T02:00:00.000Z",
      duePk: "DWELL#3",
      dueSk: "2026-11-21T02:00:00.000Z#L1",
      stageEnteredAt: "2026-11-16T02:00:00.000Z",
    });
    const after = aLead({
      stage: "lead",
      stageEnteredAt: "2026-11-16T02:00:00.000Z",
      name: "Renamed in the CRM",
    });
    const ledger = decideLeadChange(rules, { before, after, at: 0 }).find(
      (d) => d.kind === "ledger",
    );
    expect(ledger).toMatchObject({
      deltas: [],
      counted: { from: undefined, to: "standard#lead#120000#rep-1" },
      restore: {
        grade: "B",
        gradeRule: "mid-size",
        dueAt: "2026-11-21T02:00:00.000Z",
        duePk: "DWELL#3",
      },
    });
    expect(decideLeadChange(rules, { before, after, at: 0 }).some((d) => d.kind === "grade")).toBe(
      false,
    );
  });
});
