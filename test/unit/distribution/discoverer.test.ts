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

// The shipped steps: discoverer (bonus 2) → territory (fallback anyone) → least-loaded.
const rules = aDistribution();
const reps = aSalesOrg([aSeller("rep-1"), aSeller("rep-2", { name: "Wang Lei" })]);
const found = aNewLead({ discoveredBy: "rep-2" });
const decide = (lead = found, ctx = aContext({ reps })) => decideAssignment(rules, lead, ctx);

describe("the discoverer step", () => {
  it("gives a lead to the rep who found it, even when another rep holds fewer", () => {
    const loads = loadsOf({ "rep-2": aLoad({ graded: 9 }) });
    expect(decide(found, aContext({ reps, loads }))).toEqual({
      kind: "assign",
      leadId: "L1",
      repId: "rep-2",
      via: "discoverer",
      reason: "discoverer: found by Wang Lei",
    });
  });

  it("gives the lead to the discoverer even past the cap, within the bonus", () => {
    const loads = loadsOf({ "rep-2": aLoad({ graded: 16 }) });
    expect(decide(found, aContext({ reps, loads }))).toMatchObject({
      repId: "rep-2",
      via: "discoverer",
      bonusUsed: true,
      reason:
        "discoverer: found by Wang Lei, beyond the cap thanks to the bonus: holds 16 graded (cap 15 + 2)",
    });
  });

  it("lets the bonus raise the open-leads cap too", () => {
    const loads = loadsOf({ "rep-2": aLoad({ graded: 1 }, 61) });
    expect(decide(found, aContext({ reps, loads }))).toMatchObject({
      repId: "rep-2",
      bonusUsed: true,
    });
  });

  it("gives the lead to the discoverer even when every other rep is full", () => {
    const loads = loadsOf({ "rep-1": aLoad({ graded: 15 }), "rep-2": aLoad({ graded: 15 }) });
    expect(decide(found, aContext({ reps, loads })).repId).toBe("rep-2");
  });

  it("passes over a discoverer who is full even with the bonus", () => {
    const loads = loadsOf({ "rep-2": aLoad({ graded: 17 }) });
    expect(decide(found, aContext({ reps, loads }))).toMatchObject({
      repId: "rep-1",
      via: "least-loaded",
      reason:
        "discoverer Wang Lei is full even with the bonus: holds 17 graded (cap 15 + 2) → least loaded: 0 of 10 graded",
    });
    expect(decide(found, aContext({ reps, loads })).bonusUsed).toBeUndefined();
  });

  it("holds the discoverer to the plain cap when the step gives no bonus", () => {
    const noBonus = aDistribution({ steps: [{ use: "discoverer" }, { use: "least-loaded" }] });
    const atCap = loadsOf({ "rep-2": aLoad({ graded: 15 }) });
    const belowCap = loadsOf({ "rep-2": aLoad({ graded: 14 }) });
    expect(decideAssignment(noBonus, found, aContext({ reps, loads: atCap }))).toMatchObject({
      repId: "rep-1",
      reason:
        "discoverer Wang Lei is full: holds 15 graded (cap 15) → least loaded: 0 of 10 graded",
    });
    expect(decideAssignment(noBonus, found, aContext({ reps, loads: belowCap }))).toMatchObject({
      repId: "rep-2",
      via: "discoverer",
    });
  });

  it("passes over a discoverer who is away and says so in the reason", () => {
    const away = aSalesOrg([
      aSeller("rep-1"),
      aSeller("rep-2", { name: "Wang Lei", status: "away", awayUntil: "2026-11-20T00:00:00.000Z" }),
    ]);
    expect(decide(found, aContext({ reps: away }))).toMatchObject({
      repId: "rep-1",
      reason:
        "discoverer Wang Lei is away until 2026-11-20T00:00:00.000Z → least loaded: 0 of 10 graded",
    });
  });

  it("gives the lead to a discoverer back from leave", () => {
    const back = aSalesOrg([
      aSeller("rep-1"),
      aSeller("rep-2", { status: "away", awayUntil: "2026-11-01T00:00:00.000Z" }),
    ]);
    expect(decide(found, aContext({ reps: back })).repId).toBe("rep-2");
  });

  it.each([
    [
      "has left",
      aSalesOrg([aSeller("rep-1"), aSeller("rep-2", { name: "Wang Lei", status: "left" })]),
    ],
    [
      "is a manager, not a seller",
      aSalesOrg([
        aSeller("rep-1"),
        aSeller("rep-2", { name: "Wang Lei" }),
        aSeller("rep-7", { manager: "rep-2" }),
      ]),
    ],
  ])("passes over a discoverer who %s", (why, org) => {
    const decision = decide(found, aContext({ reps: org }));
    expect(decision.repId).toBe("rep-1");
    expect(decision.reason).toBe(`discoverer Wang Lei ${why} → least loaded: 0 of 10 graded`);
  });

  it("passes over a discoverer the org does not know", () => {
    const lead = aNewLead({ discoveredBy: "rep-404" });
    expect(decide(lead).reason).toBe(
      "discoverer rep-404 is not a known rep → least loaded: 0 of 10 graded",
    );
  });

  it("passes over a discoverer who is leaving, or outside the reps a departure allows", () => {
    const leaving = aContext({ reps, exclude: new Set(["rep-2"]) });
    const outside = aContext({ reps, restrictTo: new Set(["rep-1"]) });
    expect(decide(found, leaving).reason).toMatch(/^discoverer Wang Lei is excluded → /);
    expect(decide(found, outside).reason).toMatch(
      /^discoverer Wang Lei is not among the allowed reps → /,
    );
  });

  it("pools a lead whose discoverer is away when every other rep is full, naming both", () => {
    const away = aSalesOrg([
      aSeller("rep-1"),
      aSeller("rep-2", { name: "Wang Lei", status: "away" }),
    ]);
    const loads = loadsOf({ "rep-1": aLoad({ graded: 15 }) });
    expect(decide(found, aContext({ reps: away, loads }))).toMatchObject({
      repId: null,
      pool: "unassigned",
      reason: "no eligible rep: all 2 sellers are full or away (discoverer Wang Lei is away)",
    });
  });

  it("ignores a lead nobody discovered", () => {
    expect(decide(aNewLead()).reason).toBe("least loaded: 0 of 10 graded");
  });
});
