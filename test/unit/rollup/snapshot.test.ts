import { describe, expect, it } from "vitest";
import { rollupData } from "../../../functions/core/rollup/rollup-data";
import { reportedWeek } from "../../../functions/core/rollup/rollup-weeks";
import { takeSnapshots } from "../../../functions/core/rollup/snapshot";
import { at } from "../../support/factories";
import { aRollupRuleSet, REPORTED_WEEK, twoWeeksOfTeamData } from "../../support/rollup-factories";

describe("weekly snapshots", () => {
  const snapshots = takeSnapshots(rollupData(twoWeeksOfTeamData()), "2026-11-23T00:00:00.000Z");
  const of = (id: string) => snapshots.find((s) => s.repId === id);

  it("records each person's own forecast, quarter sales and holdings at the end of the reported week", () => {
    expect(of("rep-a1")).toMatchObject({
      week: REPORTED_WEEK,
      own: {
        salesQuarter: 130_000,
        salesWeek: 80_000,
        quota: 1_000_000,
        stages: { "standard#intent": { count: 2, amount: 200_000 } },
      },
    });
    expect(of("rep-a1")?.own.forecast).toBeCloseTo(29_500);
    expect(of("rep-a1")?.team).toBeUndefined();
  });

  it("records a manager's own leads apart from the whole team's", () => {
    expect(of("mgr-a")?.own.forecast).toBeCloseTo(10_000);
    expect(of("mgr-a")?.own.quota).toBeNull();
    expect(of("mgr-a")?.team?.forecast).toBeCloseTo(44_900);
    expect(of("mgr-a")?.team).toMatchObject({
      members: 3,
      quota: 2_000_000,
      salesQuarter: 133_000,
    });
    expect(of("dir-1")?.team?.members).toBe(7);
  });

  it("is taken for the last complete week before the run, in the rules' time zone", () => {
    const rules = aRollupRuleSet();
    expect(reportedWeek(rules.calendar, at("2026-11-23T00:00:00Z"))).toBe("2026-11-16");
    // Sunday 23:00 in Shanghai is still the week of 2026-11-16; its reported week is the one before.
    expect(reportedWeek(rules.calendar, at("2026-11-22T15:00:00Z"))).toBe("2026-11-09");
  });

  it("takes only the people asked for", () => {
    const only = takeSnapshots(rollupData(twoWeeksOfTeamData()), "t", (id) => id === "rep-b1");
    expect(only.map((s) => s.repId)).toEqual(["rep-b1"]);
  });
});
