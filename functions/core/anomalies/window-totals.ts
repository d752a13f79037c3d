import { FLOW_COUNTERS, type FlowCounter } from "../flow";
import type { OrgTree } from "../org-tree";

/** One rep's flow counters for one stage in one week, as the flow store returns them. */
export interface FlowRowInput {
  repId: string;
  week: string;
  funnel: string;
  stage: string;
  counts: Partial<Record<FlowCounter, number>>;
}

export type StageTotals = Record<FlowCounter, number>;

/** Counters summed over a window: funnel id → stage id → totals. */
export type FunnelTotals = Map<string, Map<string, StageTotals>>;

export function emptyStageTotals(): StageTotals {
  return Object.fromEntries(FLOW_COUNTERS.map((c) => [c, 0])) as StageTotals;
}

function addInto(
  totals: FunnelTotals,
  funnel: string,
  stage: string,
  counts: Partial<StageTotals>,
): void {
  const stages = totals.get(funnel) ?? new Map<string, StageTotals>();
  const sum = stages.get(stage) ?? emptyStageTotals();
  for (const counter of FLOW_COUNTERS) sum[counter] += Number(counts[counter] ?? 0);
  stages.set(stage, sum);
  totals.set(funnel, stages);
}

/** Each rep's counters summed over the given weeks; rows of other weeks are left out. */
export function totalsByRep(
  rows: readonly FlowRowInput[],
  weeks: readonly string[],
): Map<string, FunnelTotals> {
  const wanted = new Set(weeks);
  const byRep = new Map<string, FunnelTotals>();
  for (const row of rows) {
    if (!wanted.has(row.week)) continue;
    const totals = byRep.get(row.repId) ?? new Map();
    addInto(totals, row.funnel, row.stage, row.counts);
    byRep.set(row.repId, totals);
  }
  return byRep;
}

/** Several reps' totals added up. */
export function mergeTotals(parts: readonly FunnelTotals[]): FunnelTotals {
  const merged: FunnelTotals = new Map();
  for (const part of parts) {
    for (const [funnel, stages] of part) {
      for (const [stage, counts] of stages) addInto(merged, funnel, stage, counts);
    }
  }
  return merged;
}

/** One counter summed over every stage of one funnel. */
export function funnelSum(
  stages: ReadonlyMap<string, StageTotals> | undefined,
  counter: FlowCounter,
  include: (stageId: string) => boolean = () => true,
): number {
  let sum = 0;
  for (const [stage, counts] of stages ?? []) if (include(stage)) sum += counts[counter];
  return sum;
}

export interface Team {
  /** The manager whose team it is. */
  managerId: string;
  /** The manager and everyone below them, at every level. */
  memberIds: string[];
}

/**
 * Every manager's team: first-line managers' teams and, above them, every higher manager's whole
 * subtree. The manager's own counters are part of the team's, for leads a manager works personally.
 * People who left stay in their old manager's subtree, so the team's history keeps their work.
 */
export function teamsOf(tree: OrgTree): Team[] {
  return tree
    .managers()
    .map((manager) => ({
      managerId: manager.id,
      memberIds: [manager.id, ...tree.subtree(manager.id).map((rep) => rep.id)],
    }))
    .sort((a, b) => (a.managerId < b.managerId ? -1 : a.managerId > b.managerId ? 1 : 0));
}

/** A team's totals: the sum of its members' totals. */
export function teamTotals(byRep: ReadonlyMap<string, FunnelTotals>, team: Team): FunnelTotals {
  return mergeTotals(
    team.memberIds.flatMap((id) => {
      const totals = byRep.get(id);
      return totals === undefined ? [] : [totals];
    }),
  );
}
