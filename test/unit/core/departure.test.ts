import { describe, expect, it } from "vitest";
import { decideDeparture } from "../../../functions/core/departure";
import { aDistribution, aSalesOrg, aSeller, NOW } from "../../support/distribution-factories";
import { aLead } from "../../support/factories";

const leaver = aSeller("s1", { team: "east", status: "left" });
const org = aSalesOrg([
  leaver,
  aSeller("s2", { team: "east" }),
  aSeller("s3", { team: "east" }),
  aSeller("w1", { team: "west" }),
]);
const leads = Array.from({ length: 6 }, (_, i) =>
  aLead({
    id: `L${i}`,
    owner: "s1",
    stage: "graded",
    grade: i === 5 ? "A" : "B",
    counted: "standard#graded#120000#s1",
  }),
);

describe("decideDeparture", () => {
  it("spreads a leaver's leads over the same team, loads accumulating across the plan", () => {
    const plan = decideDeparture(
      aDistribution({ whenRepLeaves: { reassignTo: "same-team" } }),
      leaver,
      leads,
      {
        reps: org,
        loads: new Map(),
        cursors: new Map(),
        now: NOW,
      },
    );
    expect(plan).toHaveLength(6);
    const counts = new Map<string, number>();
    for (const move of plan)
      counts.set(move.to ?? "pool", (counts.get(move.to ?? "pool") ?? 0) + 1);
    expect(counts).toEqual(
      new Map([
        ["s2", 3],
        ["s3", 3],
      ]),
    );
  });

  it("plans A-grade leads first", () => {
    const plan = decideDeparture(aDistribution(), leaver, leads, {
      reps: org,
      loads: new Map(),
      cursors: new Map(),
      now: NOW,
    });
    expect(plan[0]?.leadId).toBe("L5");
  });

  it("hands A-grade leads to the manager when the rules leave them to the manager's choice", () => {
    const rules = aDistribution({
      whenRepLeaves: { reassignTo: "same-team", gradeAToManagerChoice: true },
    });
    const plan = decideDeparture(rules, leaver, leads, {
      reps: org,
      loads: new Map(),
      cursors: new Map(),
      now: NOW,
    });
    expect(plan.find((m) => m.leadId === "L5")).toMatchObject({
      to: "mgr-1",
      via: "manager-choice",
    });
  });

  it("moves each lead's aggregate from the leaver to its new owner", () => {
    const [move] = decideDeparture(aDistribution(), leaver, [leads[0] ?? aLead()], {
      reps: org,
      loads: new Map(),
      cursors: new Map(),
      now: NOW,
    });
    expect(move?.deltas).toEqual([
      { repId: "s1", funnel: "standard", stage: "graded", count: -1, amount: -120000 },
      { repId: move?.to, funnel: "standard", stage: "graded", count: 1, amount: 120000 },
    ]);
  });

  it("pools the leads when nobody in the team can take them", () => {
    const alone = aSalesOrg([leaver, aSeller("w1", { team: "west" })]);
    const plan = decideDeparture(
      aDistribution({ whenRepLeaves: { reassignTo: "same-team" } }),
      leaver,
      leads.slice(0, 1),
      {
        reps: alone,
        loads: new Map(),
        cursors: new Map(),
        now: NOW,
      },
    );
    expect(plan[0]).toMatchObject({ to: null, pool: "unassigned" });
  });
});
