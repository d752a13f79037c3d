import { describe, expect, it } from "vitest";
import { loadRulesSync } from "../../../functions/adapters/rules-loader";
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

const reps = aSalesOrg([
  aSeller("rep-1", { region: "华东" }),
  aSeller("rep-2", { region: "华东", name: "Wang Lei" }),
  aSeller("rep-3", { region: "华北" }),
  aSeller("ka-1", { region: "华东", team: "key-accounts" }),
  aSeller("ka-2", { region: "华北", team: "key-accounts" }),
  aSeller("ka-3", { region: "华东", team: "key-accounts" }),
]);
const loads = loadsOf({
  "rep-1": aLoad({ graded: 7 }),
  "rep-2": aLoad({ graded: 8 }),
  "ka-1": aLoad({ graded: 3 }),
});
const ctx = aContext({ reps, loads });

describe("the shipped distribution (rules/distribution.yaml)", () => {
  const { rules } = loadRulesSync("rules");

  it("gives a lead to the least loaded rep of its region", () => {
    expect(decideAssignment(rules, aNewLead({ region: "华东" }), ctx)).toMatchObject({
      repId: "ka-3",
      reason: "territory 华东 → least loaded: 0 of 10 graded",
    });
  });

  it("gives a lead to its discoverer before looking at regions", () => {
    const lead = aNewLead({ region: "华北", discoveredBy: "rep-2" });
    expect(decideAssignment(rules, lead, ctx)).toMatchObject({
      repId: "rep-2",
      via: "discoverer",
      reason: "discoverer: found by Wang Lei",
    });
  });

  it("pools a lead nobody can take into unassigned", () => {
    const nobody = aContext({ reps: aSalesOrg([aSeller("rep-1", { status: "left" })]) });
    expect(decideAssignment(rules, aNewLead(), nobody)).toMatchObject({
      repId: null,
      pool: "unassigned",
    });
  });
});

describe("steps combined, in the order the rules give them", () => {
  it("routes the grade, then the territory, then takes turns", () => {
    const rules = aDistribution({
      steps: [
        { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
        { use: "territory" },
        { use: "round-robin" },
      ],
    });
    expect(decideAssignment(rules, aNewLead({ grade: "A", region: "华东" }), ctx)).toMatchObject({
      repId: "ka-1",
      via: "round-robin",
      cursor: { scope: "rr#standard", repId: "ka-1" },
      reason: "grade A → team key-accounts → territory 华东 → round robin",
    });
  });

  it("names the team and the pick when the grade is routed", () => {
    const rules = aDistribution({
      steps: [
        { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
        { use: "round-robin" },
      ],
    });
    const after = aContext({ reps, loads, cursors: new Map([["rr#standard", "ka-1"]]) });
    expect(decideAssignment(rules, aNewLead({ grade: "A" }), after)).toMatchObject({
      repId: "ka-2",
      reason: "grade A → team key-accounts → round robin",
    });
  });

  it("falls back to any key-account rep when the team does not cover the region", () => {
    const rules = aDistribution({
      steps: [
        { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
        { use: "territory", fallback: "anyone" },
        { use: "least-loaded" },
      ],
    });
    expect(decideAssignment(rules, aNewLead({ grade: "A", region: "西南" }), ctx)).toMatchObject({
      repId: "ka-2",
      reason:
        "grade A → team key-accounts → territory 西南 has no available seller, so any territory → least loaded: 0 of 10 graded",
    });
  });

  it("pools a routed lead when an earlier territory step left none of the team", () => {
    const rules = aDistribution({
      steps: [
        { use: "territory" },
        { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
        { use: "least-loaded" },
      ],
    });
    const west = aContext({
      reps: aSalesOrg([
        aSeller("rep-9", { region: "西南" }),
        aSeller("ka-1", { region: "华东", team: "key-accounts" }),
        aSeller("ka-2", { region: "华北", team: "key-accounts" }),
      ]),
    });
    expect(decideAssignment(rules, aNewLead({ grade: "A", region: "西南" }), west)).toMatchObject({
      repId: null,
      reason:
        "no eligible rep: all 2 sellers of team key-accounts are ruled out by the steps before (territory 西南)",
    });
  });

  it("passes over a discoverer the grade routing before it ruled out", () => {
    const rules = aDistribution({
      steps: [
        { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
        { use: "discoverer", bonus: 2 },
        { use: "least-loaded" },
      ],
    });
    const lead = aNewLead({ grade: "A", discoveredBy: "rep-2" });
    expect(decideAssignment(rules, lead, ctx)).toMatchObject({
      repId: "ka-2",
      reason:
        "grade A → team key-accounts → discoverer Wang Lei is ruled out by the steps before → least loaded: 0 of 10 graded",
    });
  });
});
