import type { FlowCounter } from "../flow";
import { type OrgTree, orgTree } from "../org-tree";
import type { Rep } from "../records/rep";
import type { RuleSet } from "../rules/rule-set";
import type { WeekSnapshot } from "./snapshot";

/** What a rep holds now in one stage (the aggregates: count and amount). */
export interface HoldingRow {
  repId: string;
  funnel: string;
  stage: string;
  count: number;
  amount: number;
}

/** One rep's flow counters for one stage in one week (see core/flow.ts). */
export interface WeekFlowRow {
  repId: string;
  week: string;
  funnel: string;
  stage: string;
  counts: Partial<Record<FlowCounter, number>>;
}

/** The snapshots of the reported week and of the week before it, by rep id. */
export interface SnapshotPair {
  current: ReadonlyMap<string, WeekSnapshot>;
  previous: ReadonlyMap<string, WeekSnapshot>;
}

export interface RollupInput {
  rules: RuleSet;
  reps: ReadonlyMap<string, Rep>;
  holdings: readonly HoldingRow[];
  /** Flow counters of (at least) the weeks rollup-weeks.ts weeksToRead(week) lists. */
  flows: readonly WeekFlowRow[];
  /** The reported week (its Monday). */
  week: string;
  snapshots?: SnapshotPair;
}

/** Everything the figures are computed from, indexed by rep so each set sums only its members. */
export interface RollupData {
  rules: RuleSet;
  reps: ReadonlyMap<string, Rep>;
  tree: OrgTree;
  week: string;
  holdingsOf(repId: string): readonly HoldingRow[];
  flowsOf(repId: string): readonly WeekFlowRow[];
  snapshots: SnapshotPair;
}

function groupByRep<T extends { repId: string }>(rows: readonly T[]): Map<string, T[]> {
  const byRep = new Map<string, T[]>();
  for (const row of rows) byRep.set(row.repId, [...(byRep.get(row.repId) ?? []), row]);
  return byRep;
}

export function rollupData(input: RollupInput): RollupData {
  const holdings = groupByRep(input.holdings);
  const flows = groupByRep(input.flows);
  return {
    rules: input.rules,
    reps: input.reps,
    tree: orgTree(input.reps),
    week: input.week,
    holdingsOf: (repId) => holdings.get(repId) ?? [],
    flowsOf: (repId) => flows.get(repId) ?? [],
    snapshots: input.snapshots ?? { current: new Map(), previous: new Map() },
  };
}
