import { describe, expect, it } from "vitest";
import {
  type AssignmentContext,
  decideAssignment,
} from "../../../functions/core/distribution/decide-assignment";
import {
  aContext,
  aDistribution,
  aLoad,
  aNewLead,
  aSalesOrg,
  aSeller,
  loadsOf,
} from "../../support/distribution-factories";

const rules = aDistribution({ steps: [{ use: "round-robin" }] });
const reps = aSalesOrg([aSeller("rep-2"), aSeller("rep-1"), aSeller("rep-3")]);

/** Assigns `count` leads, feeding each decision's cursor into the next call as the adapter does. */
function rotate(count: number, ctx: AssignmentContext): (string | null)[] {
  let cursors = ctx.cursors;
  const owners: (string | null)[] = [];
  for (let i = 1; i <= count; i++) {
    const decision = decideAssignment(rules, aNewLead({ id: `L${i}` }), { ...ctx, cursors });
    owners.push(decision.repId);
    if (decision.cursor) cursors = new Map([[decision.cursor.scope, decision.cursor.repId]]);
  }
  return owners;
}

describe("the round-robin step", () => {
  it("takes turns in id order, wrapping around after the last rep", () => {
    expect(rotate(5, aContext({ reps }))).toEqual(["rep-1", "rep-2", "rep-3", "rep-1", "rep-2"]);
  });

  it("returns the new cursor, scoped to the lead's funnel", () => {
    const ctx = aContext({ reps, cursors: new Map([["rr#standard", "rep-1"]]) });
    expect(decideAssignment(rules, aNewLead(), ctx)).toEqual({
      kind: "assign",
      leadId: "L1",
      repId: "rep-2",
      via: "round-robin",
      cursor: { scope: "rr#standard", repId: "rep-2" },
      reason: "round robin",
    });
  });

  it("wraps around from the last rep to the first", () => {
    const ctx = aContext({ reps, cursors: new Map([["rr#standard", "rep-3"]]) });
    expect(decideAssignment(rules, aNewLead(), ctx).repId).toBe("rep-1");
  });

  it("ignores the cursors of other funnels", () => {
    const ctx = aContext({ reps, cursors: new Map([["rr#key-account", "rep-1"]]) });
    expect(decideAssignment(rules, aNewLead(), ctx).repId).toBe("rep-1");
  });

  it("continues after the cursor's rep when that rep is no longer a candidate", () => {
    const withoutTwo = aSalesOrg([
      aSeller("rep-1"),
      aSeller("rep-2", { status: "left" }),
      aSeller("rep-3"),
    ]);
    const ctx = aContext({ reps: withoutTwo, cursors: new Map([["rr#standard", "rep-2"]]) });
    expect(decideAssignment(rules, aNewLead(), ctx).repId).toBe("rep-3");
  });

  it("skips full reps in the rotation", () => {
    const loads = loadsOf({ "rep-2": aLoad({ graded: 15 }) });
    expect(rotate(3, aContext({ reps, loads }))).toEqual(["rep-1", "rep-3", "rep-1"]);
  });
});
