import type { HoldingRow } from "../../functions/core/anomalies/funnel-shape";
import type { FlowRowInput } from "../../functions/core/anomalies/window-totals";
import type { FlowCounter } from "../../functions/core/flow";
import type { Rep } from "../../functions/core/records/rep";
import type { AlertsRules, RuleFile } from "../../functions/core/rules/rule-schema";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { anOrg, aRep, aRuleFile, aRuleSet, at } from "./factories";

/** Monday 2026-11-23, 09:00 in Shanghai: a 90d window covers the 13 weeks from 2026-08-31. */
export const RUN_AT = at("2026-11-23T01:00:00.000Z");
export const WINDOW_TEXT = "90d (2026-08-31..2026-11-23)";
export const QUARTER_TEXT = "2026-10-01..2026-11-23";

/** rules/alerts.yaml's anomalies and funnel shape. */
export function anomalyAlerts(): AlertsRules {
  return {
    anomalies: {
      window: "90d",
      outOfFunnelSales: { shareAbove: 0.3, minSamples: 10, notify: ["manager"] },
      intentsWithoutSignings: { signRateBelow: 0.05, minSamples: 10, notify: ["manager"] },
      lowTransfer: { tolerance: 0.7, minSamples: 20, notify: ["manager"] },
      highAbandonment: { rateAbove: 0.6, minSamples: 20, notify: ["manager"] },
      longCycle: { above: "2x", minSamples: 10, notify: ["manager", "managers-manager"] },
    },
    funnelShape: { below: 0.5, above: 2 },
  };
}

/**
 * The factory funnel with round win rates (contacted 10 %, lead 20 %, intent 50 %) for
 * hand-computed forecasts, and the given alerts (rules/alerts.yaml's by default).
 */
export function anAnomalyRuleSet(
  options: { alerts?: AlertsRules; locale?: "en" | "zh-CN"; file?: Partial<RuleFile> } = {},
): RuleSet {
  const base = aRuleFile();
  const winRates: Record<string, number> = { contacted: 0.1, lead: 0.2, intent: 0.5 };
  return aRuleSet({
    settings: { locale: options.locale ?? "en", currency: "CNY", sender: "funnel@example.com" },
    funnels: base.funnels?.map((funnel) => ({
      ...funnel,
      stages: funnel.stages.map((stage) =>
        winRates[stage.id] === undefined ? stage : { ...stage, winRate: winRates[stage.id] },
      ),
    })),
    alerts: options.alerts ?? anomalyAlerts(),
    ...options.file,
  });
}

/** Only the given anomaly rules (no funnel shape), so a test sees one kind of check. */
export function onlyAnomalies(anomalies: Partial<NonNullable<AlertsRules["anomalies"]>>): RuleSet {
  return anAnomalyRuleSet({ alerts: { anomalies: { window: "90d", ...anomalies } } });
}

/** One week of one rep's counters in one stage of the standard funnel. */
export function aFlowRow(
  stage: string,
  counts: Partial<Record<FlowCounter, number>>,
  overrides: Partial<Omit<FlowRowInput, "counts" | "stage">> = {},
): FlowRowInput {
  return { repId: "rep-1", week: "2026-11-16", funnel: "standard", stage, counts, ...overrides };
}

/** What rep-1 holds now in one stage of the standard funnel. */
export function aHolding(
  stage: string,
  count: number,
  amount: number,
  overrides: Partial<HoldingRow> = {},
): HoldingRow {
  return { repId: "rep-1", funnel: "standard", stage, count, amount, ...overrides };
}

/** anOrg (rep-1 → mgr-1 → dir-1 → head) with a second seller, rep-2, in mgr-1's team. */
export function aTeamOrg(extra: Rep[] = []): Map<string, Rep> {
  return anOrg([
    aRep({ id: "rep-2", name: "Zhao Lei", email: "rep-2@example.com", manager: "mgr-1" }),
    ...extra,
  ]);
}
