import { describe, expect, it } from "vitest";
import { baseFigures, figuresFor } from "../../../functions/core/rollup/figures";
import { ownSet, teamSet } from "../../../functions/core/rollup/member-set";
import { rollupData } from "../../../functions/core/rollup/rollup-data";
import { quarterWeeksThrough, weeksToRead } from "../../../functions/core/rollup/rollup-weeks";
import { aRep } from "../../support/factories";
import {
  aSnapshot,
  holding,
  REPORTED_WEEK,
  twoWeeksOfTeamData,
  WEEK_BEFORE,
} from "../../support/rollup-factories";

const data = rollupData(twoWeeksOfTeamData());
const rep = (id: string) => data.reps.get(id) ?? aRep({ id });
const team = (id: string) => figuresFor(data, teamSet(data.tree, rep(id)));

describe("the roll-up figures of a small org (worked by hand)", () => {
  it("adds up counts and amounts per stage over the manager's whole team, the manager's own leads included", () => {
    const intent = team("mgr-a").stages.find((s) => s.stage === "intent");
    // rep-a1 2 / 200k, rep-a2 1 / 50k, mgr-a's own 1 / 100k
    expect(intent).toMatchObject({ count: 4, amount: 350_000, role: "forecast", ideal: 4 });
    expect(team("mgr-a").stages.find((s) => s.stage === "signed")).toMatchObject({
      count: 1,
      amount: 80_000,
      role: "sale",
      forecast: 0,
    });
  });

  it("forecasts amount × win rate over the open stages before the sale stage only", () => {
    // rep-a1: 200k × 0.1 + 150k × 0.05 + 100k × 0.02 = 29 500 (the signed 80k is a sale)
    expect(team("rep-a1").forecast).toBeCloseTo(29_500);
    // team A: 29 500 + rep-a2 (50k × 0.1 + 40k × 0.01 = 5 400) + mgr-a's own 10 000
    expect(team("mgr-a").forecast).toBeCloseTo(44_900);
    expect(team("mgr-b").forecast).toBeCloseTo(30_000);
    expect(team("dir-1").forecast).toBeCloseTo(74_900);
  });

  it("sums the quarter's sales through the reported week, out-of-funnel included and shown apart", () => {
    const sales = team("mgr-a").sales;
    expect(sales).toMatchObject({
      quarter: 133_000,
      quarterOutOfFunnel: 3_000,
      quarterCount: 3,
      week: 83_000,
      weekOutOfFunnel: 3_000,
      previousWeek: 50_000,
    });
    // rep-b1's 999 999 was booked in the week of 2026-09-28, a week of the quarter before.
    expect(team("mgr-b").sales.quarter).toBe(120_000);
    expect(team("dir-1").sales.quarter).toBe(253_000);
  });

  it("measures against the sellers' quotas, not the managers' own, and leaves the rest as remaining quota", () => {
    const a = team("mgr-a");
    expect(a.quota).toBe(2_000_000);
    expect(a.remaining).toBe(1_867_000);
    expect(a.attainment).toBeCloseTo(0.0665);
    expect(team("dir-1").quota).toBe(4_000_000);
  });

  it("falls back to the manager's own quota when no seller below has one", () => {
    const reps = new Map(
      [
        aRep({ id: "m", manager: undefined, quota: 3_000_000 }),
        aRep({ id: "r1", manager: "m" }),
      ].map((r) => [r.id, r]),
    );
    const d = rollupData({ ...twoWeeksOfTeamData(), reps });
    expect(teamSet(d.tree, aRep({ id: "m", quota: 3_000_000 })).quota).toBe(3_000_000);
    expect(ownSet(d.tree, aRep({ id: "m", quota: 3_000_000 })).quota).toBeNull();
  });

  it("computes weekly progress as (F + S this week − F − S last week) ÷ quota against the 7.8 % target", () => {
    // this week: a1 29 500 + 130 000, a2 5 400 + 3 000, mgr-a 10 000 + 0 = 177 900
    // last week: a1 30 000 + 50 000, a2 5 000 + 0, mgr-a 0 = 85 000
    const progress = team("mgr-a").progress;
    expect(progress.thisWeek).toBeCloseTo(177_900);
    expect(progress.lastWeek).toBeCloseTo(85_000);
    expect(progress.value).toBeCloseTo(92_900 / 2_000_000);
    expect(progress.target).toBe(0.078);
    // rep-a1 alone: (159 500 − 80 000) ÷ 1M
    expect(team("rep-a1").progress.value).toBeCloseTo(0.0795);
  });

  it("prefers the reported week's stored snapshot over today's holdings, so every level sees the same cut-off", () => {
    const input = twoWeeksOfTeamData();
    const current = new Map([
      ["rep-a1", aSnapshot("rep-a1", REPORTED_WEEK, { forecast: 40_000, salesQuarter: 130_000 })],
    ]);
    const d = rollupData({ ...input, snapshots: { current, previous: new Map() } });
    const progress = figuresFor(d, teamSet(d.tree, rep("rep-a1"))).progress;
    expect(progress.thisWeek).toBe(170_000);
  });

  it("has no progress while nobody in the team has a snapshot of the week before", () => {
    expect(team("mgr-b").progress).toMatchObject({ value: null, lastWeek: null });
  });

  it("counts a new rep without last week's snapshot with no forecast and the sales the counters had", () => {
    const input = twoWeeksOfTeamData();
    const d = rollupData({
      ...input,
      snapshots: {
        current: new Map(),
        previous: new Map([["rep-b2", aSnapshot("rep-b2", WEEK_BEFORE, {})]]),
      },
    });
    const b = figuresFor(d, teamSet(d.tree, rep("mgr-b"))).progress;
    // rep-b1 has no snapshot: F_last 0, S_last = 120 000 from the counters before the week.
    expect(b.lastWeek).toBe(120_000);
    expect(b.value).toBeCloseTo(30_000 / 2_000_000);
  });

  it("restarts cumulative sales at zero when the reported week opens a new quarter", () => {
    const input = twoWeeksOfTeamData();
    const d = rollupData({
      ...input,
      week: "2026-10-05",
      holdings: [],
      snapshots: {
        current: new Map(),
        previous: new Map([
          ["rep-b1", aSnapshot("rep-b1", "2026-09-28", { salesQuarter: 999_999 })],
        ]),
      },
    });
    const b1 = figuresFor(d, teamSet(d.tree, rep("rep-b1")));
    expect(b1.sales.quarter).toBe(120_000);
    expect(b1.progress.value).toBeCloseTo(120_000 / 1_000_000);
  });

  it("grows the order total week over week, and has no rate without orders the week before", () => {
    expect(team("mgr-a").growth.orderTotal).toBeCloseTo((83_000 - 50_000) / 50_000);
    expect(team("mgr-b").growth.orderTotal).toBeNull();
  });

  it("derives sales velocity from opportunities, conversion, average deal and a dwell-weighted cycle", () => {
    const velocity = team("mgr-a").velocity;
    const terms = velocity.funnels[0];
    expect(terms?.opportunities).toBe(4);
    // 2 in-funnel sales (80k, 50k; the 3k out-of-funnel one left out) ÷ 5 leads into intent
    expect(terms?.conversion).toBeCloseTo(0.4);
    expect(terms?.averageDeal).toBeCloseTo(65_000);
    // resource 1 + graded 1 + contacted 5 × 1.5 + lead 5 × 1 + intent 5 × 0.5
    expect(terms?.cycleDays).toBeCloseTo(17);
    expect(velocity.perDay).toBeCloseTo((4 * 0.4 * 65_000) / 17);
  });

  it("has no velocity without sales in the window", () => {
    const d = rollupData({ ...twoWeeksOfTeamData(), flows: [] });
    expect(baseFigures(d, teamSet(d.tree, rep("mgr-a"))).velocity.perDay).toBeNull();
  });

  it("counts a business-day limit as 7/5 of a day in the cycle", () => {
    const input = twoWeeksOfTeamData();
    const rules = {
      ...input.rules,
      funnels: input.rules.funnels.map((f) => ({
        ...f,
        stages: f.stages.map((s) =>
          s.id === "intent"
            ? { ...s, maxDwell: { amount: 5, unit: "businessDay" as const, text: "5bd" } }
            : s,
        ),
      })),
    };
    const d = rollupData({ ...input, rules });
    // intent: 5bd = 7 days, × 0.5 average dwell ratio = 3.5 instead of 2.5
    expect(
      baseFigures(d, teamSet(d.tree, rep("mgr-a"))).velocity.funnels[0]?.cycleDays,
    ).toBeCloseTo(18);
  });

  it("reads the quarter's weeks (Mondays in the quarter) and the 13-week window", () => {
    expect(quarterWeeksThrough(REPORTED_WEEK)).toEqual([
      "2026-10-05",
      "2026-10-12",
      "2026-10-19",
      "2026-10-26",
      "2026-11-02",
      "2026-11-09",
      "2026-11-16",
    ]);
    const weeks = weeksToRead(REPORTED_WEEK);
    expect(weeks[0]).toBe("2026-08-24");
    expect(weeks).toHaveLength(13);
  });

  it("shows the default funnel with zeros for someone who holds nothing", () => {
    const d = rollupData({ ...twoWeeksOfTeamData(), holdings: [holding("x", "intent", 1, 1)] });
    const b2 = baseFigures(d, teamSet(d.tree, rep("rep-b2")));
    expect(b2.stages.map((s) => s.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(b2.forecast).toBe(0);
  });
});
