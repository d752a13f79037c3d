import type { SaleDecision } from "./decisions";
import { dwellRatio } from "./dwell-timer";
import type { Lead } from "./records/lead";
import type { RuleSet, Stage } from "./rules/rule-set";
import { weekOf } from "./time/week";

/**
 * What happened in a stage in a week, per rep: the trailing-window anomalies and the weekly roll-up
 * read these counters instead of the leads, so their cost follows reps × weeks, not leads.
 * - entered: leads that came into the stage (or were given to the rep in it)
 * - advanced / abandoned: leads that left it forward / for the lost end stage
 * - exits, dwellRatioSum: leads that left it, and the sum of their time in stage ÷ the limit
 * - sales, salesAmount, oofSales, oofAmount: sales booked in the stage, out-of-funnel ones apart
 */
export const FLOW_COUNTERS = [
  "entered",
  "advanced",
  "abandoned",
  "exits",
  "dwellRatioSum",
  "sales",
  "salesAmount",
  "oofSales",
  "oofAmount",
] as const;

export type FlowCounter = (typeof FLOW_COUNTERS)[number];

export interface FlowDelta {
  repId: string;
  /** Monday of the week, YYYY-MM-DD in the rules' time zone. */
  week: string;
  funnel: string;
  stage: string;
  counts: Partial<Record<FlowCounter, number>>;
}

function add(deltas: FlowDelta[], delta: FlowDelta): void {
  const same = deltas.find(
    (d) =>
      d.repId === delta.repId &&
      d.week === delta.week &&
      d.funnel === delta.funnel &&
      d.stage === delta.stage,
  );
  if (same === undefined) {
    deltas.push(delta);
    return;
  }
  for (const [counter, n] of Object.entries(delta.counts) as [FlowCounter, number][]) {
    same.counts[counter] = (same.counts[counter] ?? 0) + n;
  }
}

/** The flow counters one lead change moves (applied once, with the change's history entry). */
export function flowDeltas(
  rules: RuleSet,
  change: { before?: Lead; after: Lead; at: number },
  funnel: string,
  from: Stage | undefined,
  to: Stage,
  sale: SaleDecision | undefined,
): FlowDelta[] {
  const { before, after, at } = change;
  const week = weekOf(rules.calendar, at);
  const deltas: FlowDelta[] = [];
  const stageChanged = from === undefined || from.id !== to.id;
  if (before?.owner !== undefined && from !== undefined && stageChanged) {
    const entered =
      before.stageEnteredAt === undefined ? undefined : Date.parse(before.stageEnteredAt);
    const ratio = entered === undefined ? undefined : dwellRatio(rules, from, entered, at);
    add(deltas, {
      repId: before.owner,
      week,
      funnel,
      stage: from.id,
      counts: {
        exits: 1,
        ...(ratio === undefined ? {} : { dwellRatioSum: ratio }),
        ...(to.terminal === "lost"
          ? { abandoned: 1 }
          : to.index > from.index
            ? { advanced: 1 }
            : {}),
      },
    });
  }
  const gotIt = stageChanged || (before !== undefined && before.owner === undefined);
  if (after.owner !== undefined && gotIt) {
    add(deltas, { repId: after.owner, week, funnel, stage: to.id, counts: { entered: 1 } });
  }
  if (sale !== undefined && after.owner !== undefined) {
    add(deltas, {
      repId: after.owner,
      week: weekOf(rules.calendar, Date.parse(sale.soldAt)),
      funnel,
      stage: to.id,
      counts: sale.outOfFunnel
        ? { sales: 1, salesAmount: sale.amount, oofSales: 1, oofAmount: sale.amount }
        : { sales: 1, salesAmount: sale.amount },
    });
  }
  return deltas;
}
