import { orgTree } from "../org-tree";
import { managersOf, type Rep } from "../records/rep";
import { stageRole } from "../rollup/funnel-roles";
import type { Funnel, RuleSet } from "../rules/rule-set";
import type { AnomalyDecision } from "./anomaly-decision";
import type { AnomalyFindings } from "./anomaly-findings";
import type { WeekWindow } from "./anomaly-window";
import { type FunnelTotals, funnelSum } from "./window-totals";

/** What a rep holds now in one stage, as the aggregates keep it. */
export interface HoldingRow {
  repId: string;
  funnel: string;
  stage: string;
  count: number;
  amount: number;
}

/** The rep and their manager: the two people who can do something about a rep's funnel. */
function shapeRecipients(rep: Rep, reps: ReadonlyMap<string, Rep>): string[] {
  const manager = managersOf(rep.id, reps)[0];
  return manager === undefined || manager.status === "left" ? [rep.id] : [rep.id, manager.id];
}

/** Funnels a rep works in: those they hold any aggregate in, else the first (default) funnel. */
function funnelsOf(rules: RuleSet, repId: string, holdings: readonly HoldingRow[]): Funnel[] {
  const held = new Set(holdings.filter((h) => h.repId === repId).map((h) => h.funnel));
  const worked = rules.funnels.filter((f) => held.has(f.id));
  const first = rules.funnels[0];
  return worked.length > 0 ? worked : first === undefined ? [] : [first];
}

/** The stage if it makes the forecast: the same definition as the weekly roll-up's. */
const isOpen = (rules: RuleSet, row: HoldingRow) => {
  const funnel = rules.funnels.find((f) => f.id === row.funnel);
  const stage = funnel?.stages.find((s) => s.id === row.stage);
  return funnel !== undefined && stage !== undefined && stageRole(funnel, stage) === "forecast"
    ? stage
    : undefined;
};

/**
 * The funnel's shape per seller (people nobody reports to, still active): too few leads held in a
 * stage against its idealPerRep (needs prospecting) or too many (cannot work them all), and a
 * forecast below what is left of the quarterly quota. Read from the current aggregates; the rules
 * switch these on with alerts.funnelShape. Formulas: docs/anomalies.md.
 */
export function detectFunnelShape(
  rules: RuleSet,
  input: {
    reps: ReadonlyMap<string, Rep>;
    holdings: readonly HoldingRow[];
    /** Each rep's flow counters over the quarter to date (for the sales booked so far). */
    quarterTotals: ReadonlyMap<string, FunnelTotals>;
    quarter: WeekWindow;
    /** The run's local date: the shape is what is held on that day. */
    asOf: string;
  },
): AnomalyFindings {
  const findings: AnomalyFindings = { anomalies: [], checked: 0, skipped: 0 };
  const shape = rules.alerts.funnelShape;
  if (shape === undefined) return findings;
  const tree = orgTree(input.reps);
  const sellers = [...input.reps.values()]
    .filter((rep) => rep.status === "active" && tree.reports(rep.id).length === 0)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  for (const rep of sellers) {
    const recipients = shapeRecipients(rep, input.reps);
    const held = input.holdings.filter((h) => h.repId === rep.id);
    const base = { kind: "anomaly", scope: "rep", subjectId: rep.id, recipients } as const;

    for (const funnel of funnelsOf(rules, rep.id, input.holdings)) {
      for (const stage of funnel.stages) {
        if (stage.idealPerRep === undefined || stage.terminal !== undefined) continue;
        const count = held.find((h) => h.funnel === funnel.id && h.stage === stage.id)?.count ?? 0;
        const low = stage.idealPerRep * shape.below;
        const high = stage.idealPerRep * shape.above;
        findings.checked += 2;
        const where = `rep ${rep.id}, ${funnel.id}: holds ${count} in ${stage.id}, ideal ${stage.idealPerRep}`;
        const common = { funnel: funnel.id, stage: stage.id, figure: count, samples: count };
        if (count < low) {
          findings.anomalies.push({
            ...base,
            ...common,
            anomaly: "needs-prospecting",
            threshold: low,
            window: input.asOf,
            reason: `${where}, alert below ${low} (ideal × ${shape.below}); as of ${input.asOf}`,
          });
        }
        if (count > high) {
          findings.anomalies.push({
            ...base,
            ...common,
            anomaly: "overloaded",
            threshold: high,
            window: input.asOf,
            reason: `${where}, alert above ${high} (ideal × ${shape.above}); as of ${input.asOf}`,
          });
        }
      }
    }

    if (rep.quota === undefined || rep.quota <= 0) continue;
    let forecast = 0;
    let openLeads = 0;
    for (const row of held) {
      const stage = isOpen(rules, row);
      if (stage === undefined) continue;
      forecast += row.amount * stage.winRate;
      openLeads += row.count;
    }
    let sold = 0;
    for (const stages of input.quarterTotals.get(rep.id)?.values() ?? [])
      sold += funnelSum(stages, "salesAmount");
    const remaining = rep.quota - sold;
    findings.checked += 1;
    if (remaining > 0 && forecast < remaining) {
      const decision: AnomalyDecision = {
        ...base,
        anomaly: "forecast-below-quota",
        figure: forecast,
        threshold: remaining,
        window: input.quarter.text,
        samples: openLeads,
        reason: `rep ${rep.id}: forecast ${forecast.toFixed(0)} from ${openLeads} open leads is below the remaining quota ${remaining.toFixed(0)} (quota ${rep.quota} − sold ${sold.toFixed(0)}); quarter ${input.quarter.text}`,
      };
      findings.anomalies.push(decision);
    }
  }
  return findings;
}
