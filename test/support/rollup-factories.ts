import type { FlowCounter } from "../../functions/core/flow";
import type { Rep } from "../../functions/core/records/rep";
import type { HoldingRow, RollupInput, WeekFlowRow } from "../../functions/core/rollup/rollup-data";
import type { SnapshotFigures, WeekSnapshot } from "../../functions/core/rollup/snapshot";
import type { RuleFile } from "../../functions/core/rules/rule-schema";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { aRep, aRuleSet } from "./factories";

/** The factory funnel with win rates and whole-day limits, so figures are easy to work by hand. */
export function aRollupRuleFile(overrides: Partial<RuleFile> = {}): Partial<RuleFile> {
  return {
    funnels: [
      {
        id: "standard",
        label: { en: "Standard", "zh-CN": "标准漏斗" },
        stages: [
          { id: "resource", label: "Resource", maxDwell: "1d", transferRate: 1 },
          {
            id: "graded",
            label: "Graded",
            maxDwell: "1d",
            winRate: 0.01,
            idealPerRep: 10,
          },
          {
            id: "contacted",
            label: "Contacted",
            maxDwell: "5d",
            winRate: 0.02,
            idealPerRep: 13,
          },
          { id: "lead", label: "Lead", maxDwell: "5d", winRate: 0.05, idealPerRep: 7 },
          {
            id: "intent",
            label: { en: "Opportunity", "zh-CN": "意向客户（商机）" },
            maxDwell: "5d",
            winRate: 0.1,
            idealPerRep: 2,
          },
          { id: "signed", label: "Signed", maxDwell: "5d", countsAsSale: true, winRate: 1 },
          { id: "implemented", label: "Implemented", terminal: "won" },
          { id: "abandoned", label: "Abandoned", terminal: "lost" },
        ],
      },
    ],
    reports: {
      weeklyProgressTarget: 0.078,
      rollup: {
        cadence: [
          { level: 1, day: "mon" },
          { level: 2, day: "tue" },
          { level: 3, day: "wed" },
        ],
        topOpportunities: 2,
      },
    },
    schedules: [{ id: "weekly-rollup", job: "rollup", cron: "0 8 * * *", workingDaysOnly: true }],
    ...overrides,
  };
}

export function aRollupRuleSet(overrides: Partial<RuleFile> = {}): RuleSet {
  return aRuleSet(aRollupRuleFile(overrides));
}

/**
 * A director over two first-line managers with two reps each:
 * dir-1 → mgr-a → rep-a1, rep-a2; dir-1 → mgr-b → rep-b1, rep-b2. Reps carry 1M quotas; the
 * managers' own 5M quotas are not used while their sellers have quotas.
 */
export function aSmallOrg(extra: Rep[] = [], emailDomain = "example.com"): Map<string, Rep> {
  const person = (id: string, name: string, manager: string | undefined, quota?: number) =>
    aRep({ id, name, email: `${id}@${emailDomain}`, manager, quota });
  const reps = [
    person("dir-1", "Wang Fang", undefined),
    person("mgr-a", "Zhang Min", "dir-1", 5_000_000),
    person("mgr-b", "Liu Yang", "dir-1", 5_000_000),
    person("rep-a1", "Li Wei", "mgr-a", 1_000_000),
    person("rep-a2", "Zhao Lei", "mgr-a", 1_000_000),
    person("rep-b1", "Sun Li", "mgr-b", 1_000_000),
    person("rep-b2", "Zhou Jie", "mgr-b", 1_000_000),
    ...extra,
  ];
  return new Map(reps.map((rep) => [rep.id, rep]));
}

export const holding = (
  repId: string,
  stage: string,
  count: number,
  amount: number,
): HoldingRow => ({ repId, funnel: "standard", stage, count, amount });

export const flow = (
  repId: string,
  week: string,
  stage: string,
  counts: Partial<Record<FlowCounter, number>>,
): WeekFlowRow => ({ repId, week, funnel: "standard", stage, counts });

/** A snapshot with only the figures weekly progress reads. */
export function aSnapshot(
  repId: string,
  week: string,
  own: Partial<SnapshotFigures>,
): WeekSnapshot {
  return {
    repId,
    week,
    takenAt: `${week}T00:00:00.000Z`,
    own: {
      forecast: 0,
      salesQuarter: 0,
      salesOutOfFunnelQuarter: 0,
      salesWeek: 0,
      quota: null,
      stages: {},
      ...own,
    },
  };
}

/** The reported week of a run on Monday 2026-11-23 08:00 in Shanghai, and the week before. */
export const REPORTED_WEEK = "2026-11-16";
export const WEEK_BEFORE = "2026-11-09";

/**
 * The small org's last two weeks, worked by hand in test/unit/rollup/figures.test.ts:
 * holdings now, sales in the reported week and the one before (one out-of-funnel), a sale early
 * in the quarter, one in the quarter before (inside the 13-week window, outside the quarter),
 * the velocity counters, and last week's snapshots of team A.
 */
export function twoWeeksOfTeamData(rules = aRollupRuleSet()): RollupInput {
  return {
    rules,
    reps: aSmallOrg(),
    week: REPORTED_WEEK,
    holdings: [
      holding("rep-a1", "intent", 2, 200_000),
      holding("rep-a1", "lead", 3, 150_000),
      holding("rep-a1", "contacted", 5, 100_000),
      holding("rep-a1", "signed", 1, 80_000),
      holding("rep-a2", "intent", 1, 50_000),
      holding("rep-a2", "graded", 4, 40_000),
      holding("rep-b1", "intent", 1, 300_000),
      holding("mgr-a", "intent", 1, 100_000),
    ],
    flows: [
      flow("rep-a1", REPORTED_WEEK, "signed", { sales: 1, salesAmount: 80_000 }),
      flow("rep-a2", REPORTED_WEEK, "signed", {
        sales: 1,
        salesAmount: 3_000,
        oofSales: 1,
        oofAmount: 3_000,
      }),
      flow("rep-a1", WEEK_BEFORE, "signed", { sales: 1, salesAmount: 50_000 }),
      flow("rep-b1", "2026-10-05", "signed", { sales: 1, salesAmount: 120_000 }),
      flow("rep-b1", "2026-09-28", "signed", { sales: 1, salesAmount: 999_999 }),
      flow("rep-a1", "2026-11-02", "intent", { entered: 4 }),
      flow("rep-a2", "2026-10-12", "intent", { entered: 1 }),
      flow("rep-a1", "2026-11-02", "contacted", { exits: 4, dwellRatioSum: 6 }),
      flow("rep-a1", WEEK_BEFORE, "intent", { exits: 2, dwellRatioSum: 1 }),
    ],
    snapshots: {
      current: new Map(),
      previous: new Map([
        ["rep-a1", aSnapshot("rep-a1", WEEK_BEFORE, { forecast: 30_000, salesQuarter: 50_000 })],
        ["rep-a2", aSnapshot("rep-a2", WEEK_BEFORE, { forecast: 5_000 })],
        ["mgr-a", aSnapshot("mgr-a", WEEK_BEFORE, {})],
      ]),
    },
  };
}
