import type { Rep } from "../records/rep";
import type { Recipient } from "../rules/rule-schema";
import type { Funnel, RuleSet, Stage } from "../rules/rule-set";
import type { AnomalyDecision, AnomalyKind } from "./anomaly-decision";
import type { AnomalyFindings } from "./anomaly-findings";
import { anomalyRecipients, DEFAULT_ANOMALY_NOTIFY } from "./anomaly-recipients";
import type { WeekWindow } from "./anomaly-window";
import { emptyStageTotals, type FunnelTotals, funnelSum, type StageTotals } from "./window-totals";

/** A rep's or a team's counters over the window. */
export interface AnomalySubject {
  scope: "rep" | "team";
  /** The rep, or the manager whose team it is. */
  subjectId: string;
  totals: FunnelTotals;
}

/** One measured figure, before the rule's minSamples and threshold decide whether it is an alert. */
interface Measure {
  anomaly: AnomalyKind;
  stage?: Stage;
  figure: number;
  threshold: number;
  samples: number;
  fires: boolean;
  /** "18.2% of 22 sales were out of the funnel, above 30.0%", for the decision's reason. */
  says: string;
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

/**
 * The open stage right before the funnel's first sale stage: intent (意向客户) in the standard
 * funnel. Every forward move out of it books a sale, so its `advanced` counter is its signings.
 */
export function intentStageOf(funnel: Funnel): Stage | undefined {
  const sale = funnel.stages.find((stage) => stage.countsAsSale);
  const before = sale === undefined ? undefined : funnel.stages[sale.index - 1];
  return before !== undefined && before.terminal === undefined && !before.countsAsSale
    ? before
    : undefined;
}

function measuresFor(rules: RuleSet, funnel: Funnel, stages: Map<string, StageTotals>): Measure[] {
  const config = rules.alerts.anomalies;
  if (config === undefined) return [];
  const at = (stageId: string) => stages.get(stageId) ?? emptyStageTotals();
  const measures: Measure[] = [];

  const oof = config.outOfFunnelSales;
  if (oof !== undefined) {
    const sales = funnelSum(stages, "sales");
    const share = ratio(funnelSum(stages, "oofSales"), sales);
    measures.push({
      anomaly: "out-of-funnel-sales",
      figure: share,
      threshold: oof.shareAbove,
      samples: sales,
      fires: share > oof.shareAbove,
      says: `${pct(share)} of ${sales} sales were out of the funnel, alert above ${pct(oof.shareAbove)}`,
    });
  }

  const intents = config.intentsWithoutSignings;
  const intent = intentStageOf(funnel);
  if (intents !== undefined && intent !== undefined) {
    const { entered, advanced } = at(intent.id);
    const signRate = ratio(advanced, entered);
    measures.push({
      anomaly: "intents-without-signings",
      stage: intent,
      figure: signRate,
      threshold: intents.signRateBelow,
      samples: entered,
      fires: signRate < intents.signRateBelow,
      says: `${advanced} of ${entered} leads entering ${intent.id} signed (${pct(signRate)}), alert below ${pct(intents.signRateBelow)}`,
    });
  }

  const transfer = config.lowTransfer;
  if (transfer !== undefined) {
    for (const stage of funnel.stages) {
      if (stage.terminal !== undefined || stage.transferRate === undefined) continue;
      const { advanced, abandoned } = at(stage.id);
      const decided = advanced + abandoned;
      const rate = ratio(advanced, decided);
      const threshold = stage.transferRate * transfer.tolerance;
      measures.push({
        anomaly: "low-transfer",
        stage,
        figure: rate,
        threshold,
        samples: decided,
        fires: rate < threshold,
        says: `${advanced} of ${decided} leads leaving ${stage.id} moved on (${pct(rate)}), alert below ${pct(threshold)} (target ${pct(stage.transferRate)} × ${transfer.tolerance})`,
      });
    }
  }

  const abandonment = config.highAbandonment;
  if (abandonment !== undefined) {
    const abandoned = funnelSum(stages, "abandoned");
    const closed = abandoned + funnelSum(stages, "sales");
    const rate = ratio(abandoned, closed);
    measures.push({
      anomaly: "high-abandonment",
      figure: rate,
      threshold: abandonment.rateAbove,
      samples: closed,
      fires: rate > abandonment.rateAbove,
      says: `${abandoned} of ${closed} closed leads were abandoned (${pct(rate)}), alert above ${pct(abandonment.rateAbove)}`,
    });
  }

  const cycle = config.longCycle;
  if (cycle !== undefined) {
    const limited = new Set(
      funnel.stages.filter((s) => s.terminal === undefined && s.maxDwell).map((s) => s.id),
    );
    const inLimited = (stageId: string) => limited.has(stageId);
    const exits = funnelSum(stages, "exits", inLimited);
    const average = ratio(funnelSum(stages, "dwellRatioSum", inLimited), exits);
    const above = Number(cycle.above.slice(0, -1));
    measures.push({
      anomaly: "long-cycle",
      figure: average,
      threshold: above,
      samples: exits,
      fires: average > above,
      says: `leads stayed ${average.toFixed(2)}× the stage limits on average over ${exits} stage exits, alert above ${above}×`,
    });
  }
  return measures;
}

function ruleOf(
  rules: RuleSet,
  anomaly: AnomalyKind,
): { minSamples: number; notify?: Recipient[] } | undefined {
  const config = rules.alerts.anomalies;
  switch (anomaly) {
    case "out-of-funnel-sales":
      return config?.outOfFunnelSales;
    case "intents-without-signings":
      return config?.intentsWithoutSignings;
    case "low-transfer":
      return config?.lowTransfer;
    case "high-abandonment":
      return config?.highAbandonment;
    case "long-cycle":
      return config?.longCycle;
    default:
      return undefined;
  }
}

/**
 * The five anomalies of domain.md §5 for each rep and team, each per funnel (stage ids and targets
 * differ between funnels). A check with fewer samples than its rule's minSamples says nothing and is
 * counted as skipped. Formulas: docs/anomalies.md.
 */
export function detectAnomalies(
  rules: RuleSet,
  input: {
    subjects: readonly AnomalySubject[];
    reps: ReadonlyMap<string, Rep>;
    window: WeekWindow;
  },
): AnomalyFindings {
  const findings: AnomalyFindings = { anomalies: [], checked: 0, skipped: 0 };
  for (const subject of input.subjects) {
    for (const funnel of rules.funnels) {
      const stages = subject.totals.get(funnel.id);
      if (stages === undefined) continue; // no lead of this funnel passed through their hands
      for (const measure of measuresFor(rules, funnel, stages)) {
        const rule = ruleOf(rules, measure.anomaly);
        if (rule === undefined) continue;
        if (measure.samples < rule.minSamples) {
          findings.skipped += 1;
          continue;
        }
        findings.checked += 1;
        if (!measure.fires) continue;
        const who =
          subject.scope === "team" ? `team of ${subject.subjectId}` : `rep ${subject.subjectId}`;
        const decision: AnomalyDecision = {
          kind: "anomaly",
          anomaly: measure.anomaly,
          scope: subject.scope,
          subjectId: subject.subjectId,
          funnel: funnel.id,
          ...(measure.stage === undefined ? {} : { stage: measure.stage.id }),
          figure: measure.figure,
          threshold: measure.threshold,
          window: input.window.text,
          samples: measure.samples,
          recipients: anomalyRecipients(
            subject.subjectId,
            rule.notify ?? DEFAULT_ANOMALY_NOTIFY,
            input.reps,
          ),
          reason: `${who}, ${funnel.id}: ${measure.says}; window ${input.window.text}; ${measure.samples} samples (min ${rule.minSamples})`,
        };
        findings.anomalies.push(decision);
      }
    }
  }
  return findings;
}
