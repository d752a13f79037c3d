import { findFunnel, findStage, type RuleSet } from "../rules/rule-set";

/**
 * What a rep already holds, as capacity and least-loaded see it. `byStage` is keyed by
 * stageKey(funnel, stage) because stage ids repeat across funnels.
 */
export type RepLoad = { open: number; byStage: Map<string, number> };

export function stageKey(funnel: string, stage: string): string {
  return `${funnel}#${stage}`;
}

/** A rep missing from the loads holds nothing yet. */
export function loadOf(loads: ReadonlyMap<string, RepLoad>, repId: string): RepLoad {
  return loads.get(repId) ?? { open: 0, byStage: new Map() };
}

export function stageCount(load: RepLoad, funnel: string, stage: string): number {
  return load.byStage.get(stageKey(funnel, stage)) ?? 0;
}

/**
 * The loads after giving `repId` one more open lead in funnel/stage. Returns new maps and leaves
 * `loads` untouched, so a batch can feed each result into the next decision while earlier
 * contexts stay valid for their reasons.
 */
export function withAssignment(
  loads: ReadonlyMap<string, RepLoad>,
  repId: string,
  funnel: string,
  stage: string,
): Map<string, RepLoad> {
  const before = loadOf(loads, repId);
  const byStage = new Map(before.byStage);
  const key = stageKey(funnel, stage);
  byStage.set(key, (byStage.get(key) ?? 0) + 1);
  const next = new Map(loads);
  next.set(repId, { open: before.open + 1, byStage });
  return next;
}

/**
 * What each rep holds, from the per-rep per-stage aggregate rows: per stage, and open leads in all
 * (terminal stages are not open). Shared by the aggregate store and `funnel plan`.
 */
export function loadsFromHoldings(
  rules: RuleSet,
  rows: readonly { repId: string; funnel: string; stage: string; count: number }[],
): Map<string, RepLoad> {
  const loads = new Map<string, RepLoad>();
  for (const row of rows) {
    if (row.count === 0) continue;
    const load = loads.get(row.repId) ?? { open: 0, byStage: new Map<string, number>() };
    load.byStage.set(stageKey(row.funnel, row.stage), row.count);
    const funnel = findFunnel(rules, row.funnel);
    const stage = funnel && findStage(funnel, row.stage);
    if (stage !== undefined && stage.terminal === undefined) load.open += row.count;
    loads.set(row.repId, load);
  }
  return loads;
}
