import { describe, expect, it } from "vitest";
import {
  decodeHolding,
  encodeHolding,
  holdingDeltas,
  moveCounts,
} from "../../../functions/core/holding";
import { aLead, aRuleSet } from "../../support/factories";

const h = (repId: string, stage: string, amount: number) => ({
  funnel: "standard",
  stage,
  amount,
  repId,
});

describe("holdings", () => {
  it("round-trips through the encoded form, even with a # in the rep id", () => {
    const holding = h("team#7", "lead", 1200);
    expect(decodeHolding(encodeHolding(holding))).toEqual(holding);
  });

  it("reads anything that is not an encoded holding as nowhere", () => {
    expect(decodeHolding(undefined)).toBeUndefined();
    expect(decodeHolding("standard#lead")).toBeUndefined();
    expect(decodeHolding(42)).toBeUndefined();
  });

  it("moves nothing when the lead already counts where it should", () => {
    expect(holdingDeltas(h("r1", "lead", 5), h("r1", "lead", 5))).toEqual([]);
    expect(holdingDeltas(undefined, undefined)).toEqual([]);
  });

  it("takes one lead and its amount from one rep's stage to another's", () => {
    expect(holdingDeltas(h("r1", "lead", 5), h("r2", "intent", 7))).toEqual([
      { repId: "r1", funnel: "standard", stage: "lead", count: -1, amount: -5 },
      { repId: "r2", funnel: "standard", stage: "intent", count: 1, amount: 7 },
    ]);
  });

  it("changes only the amount when the rep and stage stay", () => {
    expect(holdingDeltas(h("r1", "lead", 5), h("r1", "lead", 8))).toEqual([
      { repId: "r1", funnel: "standard", stage: "lead", count: 0, amount: 3 },
    ]);
  });

  it("counts a lead moved to a pool nowhere", () => {
    const lead = aLead({ stage: "lead", amount: 9, counted: "standard#lead#9#rep-1" });
    expect(moveCounts(aRuleSet(), lead, null)).toEqual({
      counted: { from: "standard#lead#9#rep-1", to: "-" },
      deltas: [{ repId: "rep-1", funnel: "standard", stage: "lead", count: -1, amount: -9 }],
    });
  });
});
