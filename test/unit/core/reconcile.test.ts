import { describe, expect, it } from "vitest";
import { encodeHolding } from "../../../functions/core/holding";
import {
  type AggregateFigure,
  driftDecision,
  isLedgerDrift,
  reconcile,
} from "../../../functions/core/reconcile";
import type { Lead } from "../../../functions/core/records/lead";
import { aLead, aRuleSet } from "../../support/factories";

const rules = aRuleSet();

/** A lead whose `counted` agrees with its fields, as the event path leaves it. */
function aSettledLead(overrides: Partial<Lead> = {}): Lead {
  const lead = aLead(overrides);
  const counted =
    lead.owner === undefined
      ? undefined
      : encodeHolding({
          funnel: lead.funnel ?? "standard",
          stage: lead.stage,
          amount: lead.amount ?? 0,
          repId: lead.owner,
        });
  return { ...lead, counted };
}

const row = (repId: string, stage: string, count: number, amount: number): AggregateFigure => ({
  repId,
  funnel: "standard",
  stage,
  count,
  amount,
});

describe("reconcile", () => {
  const leads = [
    aSettledLead({ id: "L1", owner: "rep-1", stage: "graded", amount: 500 }),
    aSettledLead({ id: "L2", owner: "rep-1", stage: "graded", amount: 700 }),
    aSettledLead({ id: "L3", owner: "rep-2", stage: "intent", amount: 9_000 }),
    aSettledLead({ id: "L4", owner: undefined, pool: "cold", stage: "abandoned" }),
  ];

  it("finds no drift when the aggregates equal what the leads say, and counts unowned leads nowhere", () => {
    const result = reconcile(rules, {
      leads,
      aggregates: [row("rep-1", "graded", 2, 1_200), row("rep-2", "intent", 1, 9_000)],
    });
    expect(result.drift).toEqual([]);
    expect(result.unsettled).toEqual([]);
    expect(result.expected).toHaveLength(2);
  });

  it("ignores aggregate rows emptied by moves", () => {
    const result = reconcile(rules, {
      leads,
      aggregates: [
        row("rep-1", "graded", 2, 1_200),
        row("rep-2", "intent", 1, 9_000),
        row("rep-2", "lead", 0, 0),
      ],
    });
    expect(result.drift).toEqual([]);
  });

  it("reports an aggregate that differs from the leads as ledger drift that fix can correct", () => {
    const result = reconcile(rules, {
      leads,
      aggregates: [row("rep-1", "graded", 3, 1_700), row("rep-2", "intent", 1, 9_000)],
    });
    expect(result.drift).toEqual([
      {
        repId: "rep-1",
        funnel: "standard",
        stage: "graded",
        expected: { count: 2, amount: 1_200 },
        actual: { count: 3, amount: 1_700 },
        ledger: { count: 2, amount: 1_200 },
      },
    ]);
    const [drift] = result.drift;
    expect(drift && isLedgerDrift(drift)).toBe(true);
    expect(drift && driftDecision(drift, result.unsettled)).toMatchObject({
      kind: "drift",
      cause: "ledger",
      outcome: "reported",
    });
  });

  it("reports a missing aggregate row", () => {
    const result = reconcile(rules, { leads, aggregates: [row("rep-1", "graded", 2, 1_200)] });
    expect(result.drift.map((d) => [d.repId, d.stage, d.actual.count, d.expected.count])).toEqual([
      ["rep-2", "intent", 0, 1],
    ]);
  });

  it("reports a lead whose stream record is not applied yet as unsettled, not as fixable", () => {
    const moved = { ...aSettledLead({ id: "L1", owner: "rep-1", stage: "graded", amount: 500 }) };
    const pending = { ...moved, stage: "contacted" }; // the CRM moved it; `counted` still says graded
    const result = reconcile(rules, {
      leads: [pending, leads[1] as Lead, leads[2] as Lead],
      aggregates: [row("rep-1", "graded", 2, 1_200), row("rep-2", "intent", 1, 9_000)],
    });
    expect(result.unsettled).toEqual([
      {
        leadId: "L1",
        counted: "standard#graded#500#rep-1",
        expected: "standard#contacted#500#rep-1",
      },
    ]);
    expect(result.drift.map((d) => [d.stage, isLedgerDrift(d)])).toEqual([
      ["contacted", false],
      ["graded", false],
    ]);
    const decision = driftDecision(
      result.drift[1] as (typeof result.drift)[number],
      result.unsettled,
    );
    expect(decision.cause).toBe("unsettled");
    expect(decision.reason).toContain("L1");
  });

  it("keeps leads with a stage the rules do not know out of the expected aggregates, as problems", () => {
    const odd = aSettledLead({ id: "L9", owner: "rep-1", stage: "graded", amount: 100 });
    const result = reconcile(rules, {
      leads: [{ ...odd, stage: "nowhere" }],
      aggregates: [row("rep-1", "graded", 1, 100)],
    });
    expect(result.problems).toEqual([
      { leadId: "L9", reason: 'stage "nowhere" is not a stage of funnel standard' },
    ]);
    // Its `counted` still explains the aggregate, so what is there is not drift of the ledger.
    expect(result.drift.map((d) => isLedgerDrift(d))).toEqual([false]);
  });
});
