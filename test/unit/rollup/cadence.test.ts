import { describe, expect, it } from "vitest";
import { orgTree } from "../../../functions/core/org-tree";
import type { Rep } from "../../../functions/core/records/rep";
import { dueRollups } from "../../../functions/core/rollup/cadence";
import { aRep, at } from "../../support/factories";
import { aRollupRuleSet, aSmallOrg } from "../../support/rollup-factories";

const rules = aRollupRuleSet();

function due(now: string, reps = aSmallOrg(), skipsNonWorkingDays = true, r = rules) {
  return dueRollups(r, reps, orgTree(reps), at(now), { skipsNonWorkingDays }).map(
    (d) => d.manager.id,
  );
}

/** head → vp → dir → mgr → rep: levels 4, 3, 2, 1. */
function aDeepOrg(): Map<string, Rep> {
  const reps = [
    aRep({ id: "head", manager: undefined }),
    aRep({ id: "vp", manager: "head" }),
    aRep({ id: "dir", manager: "vp" }),
    aRep({ id: "mgr", manager: "dir" }),
    aRep({ id: "rep", manager: "mgr" }),
  ];
  return new Map(reps.map((r) => [r.id, r]));
}

describe("the roll-up cadence", () => {
  it("sends first-line managers theirs on Monday and the director on Tuesday", () => {
    expect(due("2026-11-23T00:00:00Z")).toEqual(["mgr-a", "mgr-b"]); // Mon 08:00 Shanghai
    expect(due("2026-11-24T00:00:00Z")).toEqual(["dir-1"]); // Tue 08:00 Shanghai
    expect(due("2026-11-25T00:00:00Z")).toEqual([]); // Wednesday: nobody at level 3
  });

  it("counts the weekday in the rules' time zone, not in UTC", () => {
    // Sunday 23:30 UTC is Monday 07:30 in Shanghai.
    expect(due("2026-11-22T23:30:00Z")).toEqual(["mgr-a", "mgr-b"]);
    // Monday 17:00 UTC is already Tuesday 01:00 in Shanghai.
    expect(due("2026-11-23T17:00:00Z")).toEqual(["dir-1"]);
  });

  it("catches up on the next working day the levels whose day was a holiday in the same week", () => {
    // 2026-10-05..07 (Mon–Wed) are holidays; Thursday 10-08 is the week's first working day.
    expect(due("2026-10-08T00:00:00Z")).toEqual(["mgr-a", "mgr-b", "dir-1"]);
    // Friday: nothing more to catch up, Thursday was a working day.
    expect(due("2026-10-09T00:00:00Z")).toEqual([]);
  });

  it("goes out on the weekday regardless of holidays when the schedule also runs on them", () => {
    expect(due("2026-10-05T00:00:00Z", aSmallOrg(), false)).toEqual(["mgr-a", "mgr-b"]);
    expect(due("2026-10-08T00:00:00Z", aSmallOrg(), false)).toEqual([]);
  });

  it("does not carry a cadence day over into the next week", () => {
    // Friday 2026-10-02 is a holiday and so is everything up to Wednesday 10-07: a Friday report
    // missed on 10-02 is not sent on Thursday 10-08 (a new week, with its own reported week).
    const r = aRollupRuleSet({ reports: { rollup: { cadence: [{ level: 1, day: "fri" }] } } });
    expect(due("2026-10-08T00:00:00Z", aSmallOrg(), true, r)).toEqual([]);
    // The director, the head past the one-level table, goes with level 1.
    expect(due("2026-10-09T00:00:00Z", aSmallOrg(), true, r)).toEqual(["mgr-a", "mgr-b", "dir-1"]);
  });

  it("gives no report to a level without a cadence entry", () => {
    const r = aRollupRuleSet({
      reports: {
        rollup: {
          cadence: [
            { level: 1, day: "mon" },
            { level: 4, day: "thu" },
          ],
        },
      },
    });
    expect(due("2026-11-24T00:00:00Z", aDeepOrg(), true, r)).toEqual([]); // dir, level 2
    expect(due("2026-11-25T00:00:00Z", aDeepOrg(), true, r)).toEqual([]); // vp, level 3
    expect(due("2026-11-26T00:00:00Z", aDeepOrg(), true, r)).toEqual(["head"]);
  });

  it("gives the head of an org deeper than the table the day of the table's highest level", () => {
    // The cadence stops at level 3 (wed); the head is at level 4.
    expect(due("2026-11-25T00:00:00Z", aDeepOrg())).toEqual(["vp", "head"]);
  });

  it("sends nothing to a manager who left", () => {
    const reps = aSmallOrg();
    reps.set("mgr-b", { ...(reps.get("mgr-b") as Rep), status: "left" });
    expect(due("2026-11-23T00:00:00Z", reps)).toEqual(["mgr-a"]);
  });

  it("sends nothing without a roll-up section in the rules", () => {
    const r = aRollupRuleSet({ reports: { weeklyProgressTarget: 0.078 } });
    expect(due("2026-11-23T00:00:00Z", aSmallOrg(), true, r)).toEqual([]);
  });
});
