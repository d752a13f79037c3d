import type { AggregateDelta } from "./decisions";
import type { Lead } from "./records/lead";
import type { RuleSet } from "./rules/rule-set";

/**
 * Where a lead counts in the per-rep per-stage aggregates. The lead item carries it (`counted`), and
 * every write that changes the aggregates changes `counted` in the same transaction, conditional on
 * its old value: so the aggregates always equal a recount of the leads, a replay finds nothing left
 * to do, and an assignment counts at once instead of when its own stream record comes round.
 */
export interface Holding {
  funnel: string;
  stage: string;
  amount: number;
  repId: string;
}

/**
 * "Counted nowhere", as stored. The engine never removes `counted`, so an item without it was
 * rewritten whole by a writer (and the previous image says where the lead counted).
 */
export const NOWHERE = "-";

export function encodeHolding(holding: Holding | undefined): string {
  if (holding === undefined) return NOWHERE;
  return `${holding.funnel}#${holding.stage}#${holding.amount}#${holding.repId}`;
}

export function decodeHolding(text: unknown): Holding | undefined {
  if (typeof text !== "string") return undefined;
  const [funnel, stage, amount, ...rep] = text.split("#");
  if (funnel === undefined || stage === undefined || amount === undefined || rep.length === 0)
    return undefined;
  return { funnel, stage, amount: Number(amount), repId: rep.join("#") };
}

/** −1 where the lead counted, +1 where it counts now; nothing when both are the same. */
export function holdingDeltas(
  from: Holding | undefined,
  to: Holding | undefined,
): AggregateDelta[] {
  if (encodeHolding(from) === encodeHolding(to)) return [];
  const deltas: AggregateDelta[] = [];
  if (from)
    deltas.push({
      repId: from.repId,
      funnel: from.funnel,
      stage: from.stage,
      count: -1,
      amount: -from.amount,
    });
  if (to)
    deltas.push({
      repId: to.repId,
      funnel: to.funnel,
      stage: to.stage,
      count: 1,
      amount: to.amount,
    });
  const [a, b] = deltas;
  // Same rep and stage, only the amount moved: one update instead of two.
  if (a && b && a.repId === b.repId && a.funnel === b.funnel && a.stage === b.stage) {
    return [{ ...a, count: 0, amount: a.amount + b.amount }];
  }
  return deltas;
}

/** The aggregate side of moving `lead` to `to` (nowhere when it goes to a pool). */
export function moveCounts(
  rules: RuleSet,
  lead: Lead,
  to: string | null,
): { counted: { from?: string; to?: string }; deltas: AggregateDelta[] } {
  const funnel = lead.funnel ?? rules.funnels[0]?.id ?? "";
  const target =
    to === null ? undefined : { funnel, stage: lead.stage, amount: lead.amount ?? 0, repId: to };
  const counted = { from: lead.counted, to: encodeHolding(target) };
  return { counted, deltas: holdingDeltas(decodeHolding(counted.from), target) };
}
