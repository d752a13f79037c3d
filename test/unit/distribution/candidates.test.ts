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

// Round robin without a cursor takes the first candidate by id, so any skip shows.
const rules = aDistribution({ steps: [{ use: "round-robin" }] });
const trio = aSalesOrg([aSeller("rep-1"), aSeller("rep-2"), aSeller("rep-3")]);

describe("who distribution may give a lead to", () => {
  it("skips a rep who is away", () => {
    const reps = aSalesOrg([
      aSeller("rep-1", { status: "away", awayUntil: "2026-11-20T00:00:00.000Z" }),
      aSeller("rep-2"),
    ]);
    expect(decideAssignment(rules, aNewLead(), aContext({ reps })).repId).toBe("rep-2");
  });

  it("gives leads again to an away rep whose return date has passed", () => {
    const reps = aSalesOrg([
      aSeller("rep-1", { status: "away", awayUntil: "2026-11-09T00:00:00.000Z" }),
      aSeller("rep-2"),
    ]);
    expect(decideAssignment(rules, aNewLead(), aContext({ reps })).repId).toBe("rep-1");
  });

  it("never gives a lead to a rep who left", () => {
    const reps = aSalesOrg([aSeller("rep-1", { status: "left" }), aSeller("rep-2")]);
    expect(decideAssignment(rules, aNewLead(), aContext({ reps })).repId).toBe("rep-2");
  });

  it("never gives a lead to managers, directors or the head, even when no seller is left", () => {
    const reps = aSalesOrg([aSeller("rep-1", { status: "left" })]);
    expect(decideAssignment(rules, aNewLead(), aContext({ reps }))).toEqual({
      kind: "assign",
      leadId: "L1",
      repId: null,
      pool: "unassigned",
      via: "no-eligible-rep",
      reason: "no eligible rep: there is no available seller",
    });
  });
});

describe("capacity", () => {
  it("treats a rep holding 1.5 × the stage's ideal as full", () => {
    const loads = loadsOf({ "rep-1": aLoad({ graded: 15 }), "rep-2": aLoad({ graded: 14 }) });
    const decision = decideAssignment(rules, aNewLead(), aContext({ reps: trio, loads }));
    expect(decision.repId).toBe("rep-2");
  });

  it("rounds the stage cap down: 1.5 × 13 contacted caps at 19", () => {
    const loads = loadsOf({ "rep-1": aLoad({ contacted: 19 }), "rep-2": aLoad({ contacted: 18 }) });
    const lead = aNewLead({ stage: "contacted" });
    expect(decideAssignment(rules, lead, aContext({ reps: trio, loads })).repId).toBe("rep-2");
  });

  it("treats a rep holding maxOpen open leads as full, whatever the stage", () => {
    const loads = loadsOf({ "rep-1": aLoad({ graded: 2 }, 60) });
    expect(decideAssignment(rules, aNewLead(), aContext({ reps: trio, loads })).repId).toBe(
      "rep-2",
    );
  });

  it("caps only open leads in a stage without an ideal count", () => {
    const loads = loadsOf({ "rep-1": aLoad({ resource: 40 }) });
    const lead = aNewLead({ stage: "resource" });
    expect(decideAssignment(rules, lead, aContext({ reps: trio, loads })).repId).toBe("rep-1");
  });

  it("applies no cap when the rules set none", () => {
    const uncapped = aDistribution({ steps: [{ use: "round-robin" }], capacity: undefined });
    const loads = loadsOf({ "rep-1": aLoad({ graded: 500 }) });
    const decision = decideAssignment(uncapped, aNewLead(), aContext({ reps: trio, loads }));
    expect(decision.repId).toBe("rep-1");
  });

  it("pools the lead when every seller is full or away, saying so", () => {
    const reps = aSalesOrg([
      aSeller("rep-1"),
      aSeller("rep-2"),
      aSeller("rep-3", { status: "away", awayUntil: "2026-12-01T00:00:00.000Z" }),
    ]);
    const loads = loadsOf({ "rep-1": aLoad({ graded: 15 }), "rep-2": aLoad({}, 60) });
    expect(decideAssignment(rules, aNewLead(), aContext({ reps, loads }))).toMatchObject({
      repId: null,
      pool: "unassigned",
      via: "no-eligible-rep",
      reason: "no eligible rep: all 3 sellers are full or away",
    });
  });

  it("pools into whenNoRep's pool, and into unassigned when the rules name none", () => {
    const full = loadsOf({ "rep-1": aLoad({ graded: 15 }) });
    const toCold = aDistribution({ steps: [{ use: "round-robin" }], whenNoRep: { pool: "cold" } });
    const noPool = aDistribution({ steps: [{ use: "round-robin" }], whenNoRep: undefined });
    expect(decideAssignment(toCold, aNewLead(), aContext({ loads: full })).pool).toBe("cold");
    expect(decideAssignment(noPool, aNewLead(), aContext({ loads: full })).pool).toBe("unassigned");
  });
});

describe("departures", () => {
  const leastLoaded = aDistribution({ steps: [{ use: "least-loaded" }] });
  const reps = aSalesOrg([
    aSeller("rep-1", { team: "north" }),
    aSeller("rep-2", { team: "north" }),
    aSeller("rep-3", { team: "south" }),
  ]);
  const loads = loadsOf({ "rep-2": aLoad({ graded: 6 }), "rep-3": aLoad({ graded: 1 }) });

  it("never gives a lead back to the leaver", () => {
    const ctx = aContext({ reps, loads, exclude: new Set(["rep-1"]) });
    expect(decideAssignment(leastLoaded, aNewLead(), ctx).repId).toBe("rep-3");
  });

  it("keeps the leaver's leads within the reps allowed to take them", () => {
    const ctx = aContext({
      reps,
      loads,
      restrictTo: new Set(["rep-1", "rep-2"]),
      exclude: new Set(["rep-1"]),
    });
    expect(decideAssignment(leastLoaded, aNewLead(), ctx)).toMatchObject({
      repId: "rep-2",
      via: "least-loaded",
    });
  });

  it("pools the lead when none of the allowed reps can take it, rather than widen the circle", () => {
    const ctx = aContext({
      reps,
      loads: loadsOf({ "rep-2": aLoad({ graded: 15 }) }),
      restrictTo: new Set(["rep-1", "rep-2"]),
      exclude: new Set(["rep-1"]),
    });
    expect(decideAssignment(leastLoaded, aNewLead(), ctx)).toMatchObject({
      repId: null,
      reason: "no eligible rep: the only seller of the allowed reps is full",
    });
  });
});

describe("determinism", () => {
  const shipped = aDistribution();
  const reps = [
    aSeller("rep-3", { region: "华东" }),
    aSeller("rep-1", { region: "华东" }),
    aSeller("rep-2", { region: "华北" }),
  ];
  const loads = loadsOf({ "rep-1": aLoad({ graded: 4 }), "rep-3": aLoad({ graded: 4 }) });
  const lead = aNewLead({ region: "华东" });

  it("decides the same for the same input", () => {
    const ctx = aContext({ reps: aSalesOrg(reps), loads });
    expect(decideAssignment(shipped, lead, ctx)).toEqual(decideAssignment(shipped, lead, ctx));
  });

  it("does not depend on the order the reps were read in", () => {
    const forward = decideAssignment(shipped, lead, aContext({ reps: aSalesOrg(reps), loads }));
    const backward = decideAssignment(
      shipped,
      lead,
      aContext({ reps: aSalesOrg([...reps].reverse()), loads }),
    );
    expect(backward).toEqual(forward);
    expect(forward.repId).toBe("rep-1");
  });
});
