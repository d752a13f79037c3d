import { describe, expect, it } from "vitest";
import { decideAssignment } from "../../../functions/core/distribution/decide-assignment";
import { withAssignment } from "../../../functions/core/distribution/rep-load";
import {
  aContext,
  aDistribution,
  aLoad,
  aNewLead,
  aSalesOrg,
  aSeller,
  loadsOf,
} from "../../support/distribution-factories";

const rules = aDistribution({ steps: [{ use: "least-loaded" }] });
const reps = aSalesOrg([aSeller("rep-1"), aSeller("rep-2"), aSeller("rep-3")]);
const decide = (loads: ReturnType<typeof loadsOf>, lead = aNewLead()) =>
  decideAssignment(rules, lead, aContext({ reps, loads }));

describe("the least-loaded step", () => {
  it("gives the lead to the rep furthest below the stage's ideal count", () => {
    const loads = loadsOf({
      "rep-1": aLoad({ graded: 9 }),
      "rep-2": aLoad({ graded: 7 }),
      "rep-3": aLoad({ graded: 8 }),
    });
    expect(decide(loads)).toEqual({
      kind: "assign",
      leadId: "L1",
      repId: "rep-2",
      via: "least-loaded",
      reason: "least loaded: 7 of 10 graded",
    });
  });

  it("compares the lead's own stage, not the rep's whole load", () => {
    const loads = loadsOf({
      "rep-1": aLoad({ contacted: 3, graded: 12 }, 50),
      "rep-2": aLoad({ contacted: 4 }),
      "rep-3": aLoad({ contacted: 5 }),
    });
    expect(decide(loads, aNewLead({ stage: "contacted" }))).toMatchObject({
      repId: "rep-1",
      reason: "least loaded: 3 of 13 contacted",
    });
  });

  it("breaks a tie in the stage by fewer open leads", () => {
    const loads = loadsOf({
      "rep-1": aLoad({ graded: 5 }, 20),
      "rep-2": aLoad({ graded: 5 }, 10),
      "rep-3": aLoad({ graded: 6 }, 6),
    });
    expect(decide(loads).repId).toBe("rep-2");
  });

  it("breaks a full tie by the smaller id", () => {
    const loads = loadsOf({ "rep-2": aLoad({ graded: 5 }), "rep-3": aLoad({ graded: 5 }) });
    const tied = aSalesOrg([aSeller("rep-3"), aSeller("rep-2")]);
    expect(decideAssignment(rules, aNewLead(), aContext({ reps: tied, loads })).repId).toBe(
      "rep-2",
    );
  });

  it("compares open leads in a stage without an ideal count", () => {
    const loads = loadsOf({
      "rep-1": aLoad({ resource: 1 }, 14),
      "rep-2": aLoad({ resource: 9 }, 12),
      "rep-3": aLoad({}, 13),
    });
    expect(decide(loads, aNewLead({ stage: "resource" }))).toMatchObject({
      repId: "rep-2",
      reason: "least loaded: 12 open leads",
    });
  });

  it("counts a single open lead in the singular", () => {
    const loads = loadsOf({ "rep-1": aLoad({}, 1), "rep-2": aLoad({}, 2), "rep-3": aLoad({}, 3) });
    expect(decide(loads, aNewLead({ stage: "resource" })).reason).toBe("least loaded: 1 open lead");
  });

  it("spreads a batch evenly when each assignment feeds the next decision's loads", () => {
    let loads = loadsOf({ "rep-1": aLoad({ graded: 2 }) });
    const owners: (string | null)[] = [];
    for (let i = 1; i <= 5; i++) {
      const decision = decide(loads, aNewLead({ id: `L${i}` }));
      owners.push(decision.repId);
      if (decision.repId) loads = withAssignment(loads, decision.repId, "standard", "graded");
    }
    expect(owners).toEqual(["rep-2", "rep-3", "rep-2", "rep-3", "rep-1"]);
  });
});
