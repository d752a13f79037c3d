import { describe, expect, it } from "vitest";
import { decideAssignment } from "../../../functions/core/distribution/decide-assignment";
import type { DistributionStep } from "../../../functions/core/rules/rule-schema";
import {
  aContext,
  aDistribution,
  aLoad,
  aNewLead,
  aSalesOrg,
  aSeller,
  loadsOf,
} from "../../support/distribution-factories";

const territory = (step: Omit<Extract<DistributionStep, { use: "territory" }>, "use"> = {}) =>
  aDistribution({ steps: [{ use: "territory", ...step }, { use: "least-loaded" }] });
const reps = aSalesOrg([
  aSeller("rep-1", { region: "华东" }),
  aSeller("rep-2", { region: "华东" }),
  aSeller("rep-3", { region: "华北" }),
]);
// rep-3 holds the least, so a 华东 lead that reaches it ignored the territory.
const loads = loadsOf({ "rep-1": aLoad({ graded: 7 }), "rep-2": aLoad({ graded: 8 }) });
const ctx = aContext({ reps, loads });

describe("the territory step", () => {
  it("keeps only the reps of the lead's region", () => {
    expect(decideAssignment(territory(), aNewLead({ region: "华东" }), ctx)).toMatchObject({
      repId: "rep-1",
      via: "least-loaded",
      reason: "territory 华东 → least loaded: 7 of 10 graded",
    });
  });

  it("pools a lead whose region no rep covers, by default", () => {
    expect(decideAssignment(territory(), aNewLead({ region: "西南" }), ctx)).toEqual({
      kind: "assign",
      leadId: "L1",
      repId: null,
      pool: "unassigned",
      via: "no-eligible-rep",
      reason: "no eligible rep: territory 西南 has no available seller",
    });
  });

  it("pools a lead whose region's reps are all full, with fallback pool", () => {
    const full = loadsOf({ "rep-1": aLoad({ graded: 15 }), "rep-2": aLoad({ graded: 15 }) });
    const lead = aNewLead({ region: "华东" });
    expect(
      decideAssignment(territory({ fallback: "pool" }), lead, aContext({ reps, loads: full })),
    ).toMatchObject({
      repId: null,
      reason: "no eligible rep: all 2 sellers of territory 华东 are full",
    });
  });

  it("gives a lead whose region no rep covers to any rep with fallback anyone", () => {
    const anyone = territory({ fallback: "anyone" });
    expect(decideAssignment(anyone, aNewLead({ region: "西南" }), ctx)).toMatchObject({
      repId: "rep-3",
      via: "least-loaded",
      reason:
        "territory 西南 has no available seller, so any territory → least loaded: 0 of 10 graded",
    });
  });

  it("falls back to any rep when the region's only rep is away", () => {
    const anyone = territory({ fallback: "anyone" });
    const away = aSalesOrg([
      aSeller("rep-1", { region: "华东" }),
      aSeller("rep-3", { region: "华北", status: "away", awayUntil: "2026-12-01T00:00:00.000Z" }),
    ]);
    expect(
      decideAssignment(anyone, aNewLead({ region: "华北" }), aContext({ reps: away })),
    ).toMatchObject({
      repId: "rep-1",
      reason:
        "the only seller of territory 华北 is away, so any territory → least loaded: 0 of 10 graded",
    });
  });

  it("keeps every rep for a lead without a region", () => {
    expect(decideAssignment(territory(), aNewLead(), ctx)).toMatchObject({
      repId: "rep-3",
      reason: "least loaded: 0 of 10 graded",
    });
  });

  it("matches other fields, dotted paths included", () => {
    const byProvince = territory({ leadField: "address.province", repField: "province" });
    const provinces = aSalesOrg([
      aSeller("rep-1", { province: "浙江" }),
      aSeller("rep-2", { province: "江苏" }),
      aSeller("rep-3", { province: "江苏" }),
    ]);
    const lead = aNewLead({ address: { province: "江苏" } });
    const decision = decideAssignment(byProvince, lead, aContext({ reps: provinces, loads }));
    expect(decision).toMatchObject({
      repId: "rep-3",
      reason: "territory 江苏 → least loaded: 0 of 10 graded",
    });
  });

  it("credits the territory when its region has a single rep", () => {
    expect(decideAssignment(territory(), aNewLead({ region: "华北" }), ctx)).toMatchObject({
      repId: "rep-3",
      via: "territory",
      reason: "territory 华北 → the only candidate left: Seller rep-3",
    });
  });
});
