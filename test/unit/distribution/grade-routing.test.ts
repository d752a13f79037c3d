import { describe, expect, it } from "vitest";
import { decideAssignment } from "../../../functions/core/distribution/decide-assignment";
import {
  aContext,
  aDistribution,
  aLoad,
  aNewLead,
  aSalesOrg,
  aSeller,
  loadsOf,
} from "../../support/distribution-factories";

const rules = aDistribution({
  steps: [
    {
      use: "grade-routing",
      routes: {
        A: { team: "key-accounts" },
        B: { reps: ["rep-4", "rep-5"] },
        C: { team: "key-accounts", reps: ["rep-4"] },
      },
    },
    { use: "least-loaded" },
  ],
});
const reps = aSalesOrg([
  aSeller("rep-1"),
  aSeller("rep-2", { team: "key-accounts" }),
  aSeller("rep-3", { team: "key-accounts" }),
  aSeller("rep-4"),
  aSeller("rep-5"),
]);
// rep-1 holds the least, so a lead that reaches it was not routed.
const loads = loadsOf({
  "rep-2": aLoad({ graded: 5 }),
  "rep-3": aLoad({ graded: 4 }),
  "rep-4": aLoad({ graded: 3 }),
  "rep-5": aLoad({ graded: 2 }),
});
const decide = (grade: string | undefined, ctx = aContext({ reps, loads })) =>
  decideAssignment(rules, aNewLead({ grade }), ctx);

describe("the grade-routing step", () => {
  it("gives a routed grade only to the members of its team", () => {
    expect(decide("A")).toMatchObject({
      repId: "rep-3",
      via: "least-loaded",
      reason: "grade A → team key-accounts → least loaded: 4 of 10 graded",
    });
  });

  it("gives a routed grade only to its named reps", () => {
    expect(decide("B")).toMatchObject({
      repId: "rep-5",
      reason: "grade B → reps rep-4, rep-5 → least loaded: 2 of 10 graded",
    });
  });

  it("routes to the team and the named reps together", () => {
    expect(decide("C")).toMatchObject({
      repId: "rep-4",
      reason: "grade C → team key-accounts and rep rep-4 → least loaded: 3 of 10 graded",
    });
  });

  it("leaves grades without a route, and ungraded leads, to every rep", () => {
    const unrouted = aDistribution({
      steps: [
        { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
        { use: "least-loaded" },
      ],
    });
    for (const grade of ["B", undefined]) {
      const decision = decideAssignment(unrouted, aNewLead({ grade }), aContext({ reps, loads }));
      expect(decision).toMatchObject({ repId: "rep-1", reason: "least loaded: 0 of 10 graded" });
    }
  });

  it("pools a routed lead whose team is all full or away instead of giving it to another rep", () => {
    const keyAccounts = Array.from({ length: 7 }, (_, i) =>
      aSeller(`ka-${i + 1}`, {
        team: "key-accounts",
        ...(i < 2 ? { status: "away" as const, awayUntil: "2026-12-01T00:00:00.000Z" } : {}),
      }),
    );
    const full = loadsOf(
      Object.fromEntries(keyAccounts.slice(2).map((rep) => [rep.id, aLoad({ graded: 15 })])),
    );
    const ctx = aContext({ reps: aSalesOrg([aSeller("rep-1"), ...keyAccounts]), loads: full });
    expect(decide("A", ctx)).toEqual({
      kind: "assign",
      leadId: "L1",
      repId: null,
      pool: "unassigned",
      via: "no-eligible-rep",
      reason: "no eligible rep: all 7 sellers of team key-accounts are full or away",
    });
  });

  it("pools a routed lead whose team has no seller at all", () => {
    const ctx = aContext({ reps: aSalesOrg([aSeller("rep-1")]) });
    expect(decide("A", ctx).reason).toBe(
      "no eligible rep: team key-accounts has no available seller",
    );
  });

  it("credits the route when it leaves a single rep, without a pick", () => {
    const dedicated = aDistribution({
      steps: [{ use: "grade-routing", routes: { A: { reps: ["rep-4"] } } }, { use: "round-robin" }],
    });
    const decision = decideAssignment(dedicated, aNewLead({ grade: "A" }), aContext({ reps }));
    expect(decision).toEqual({
      kind: "assign",
      leadId: "L1",
      repId: "rep-4",
      via: "grade-routing",
      reason: "grade A → rep rep-4 → the only candidate left: Seller rep-4",
    });
  });
});
