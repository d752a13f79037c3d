import { describe, expect, it } from "vitest";
import type { AnomalyDecision } from "../../../functions/core/anomalies/anomaly-decision";
import { decideAnomalyRun } from "../../../functions/core/anomalies/anomaly-run";
import type { HoldingRow } from "../../../functions/core/anomalies/funnel-shape";
import type { FlowRowInput } from "../../../functions/core/anomalies/window-totals";
import type { Rep } from "../../../functions/core/records/rep";
import {
  aFlowRow,
  aHolding,
  anAnomalyRuleSet,
  QUARTER_TEXT,
  RUN_AT,
} from "../../support/anomaly-factories";
import { anOrg, aRep } from "../../support/factories";

const rules = anAnomalyRuleSet({ alerts: { funnelShape: { below: 0.5, above: 2 } } });
/** rep-1 holding the ideal in every stage (graded 10, contacted 13, lead 7, intent 2). */
const ideal = (): HoldingRow[] => [
  aHolding("graded", 10, 0),
  aHolding("contacted", 13, 0),
  aHolding("lead", 7, 0),
  aHolding("intent", 2, 0),
];
const run = (
  holdings: HoldingRow[],
  options: { flows?: FlowRowInput[]; reps?: Map<string, Rep> } = {},
) =>
  decideAnomalyRun(rules, {
    reps: options.reps ?? anOrg(),
    flows: options.flows ?? [],
    holdings,
    now: RUN_AT,
    runId: "run-1",
  }).decisions.filter((d): d is AnomalyDecision => d.kind === "anomaly");
const replace = (rows: HoldingRow[], row: HoldingRow) =>
  rows.map((r) => (r.stage === row.stage ? row : r));

describe("funnel shape", () => {
  it("says nothing about a rep holding the ideal count in every stage", () => {
    expect(run(ideal())).toEqual([]);
  });

  it("tells the rep and their manager to prospect when a stage holds fewer than ideal × below", () => {
    const found = run(replace(ideal(), aHolding("graded", 4, 0)));
    expect(found).toEqual([
      expect.objectContaining({
        anomaly: "needs-prospecting",
        scope: "rep",
        subjectId: "rep-1",
        stage: "graded",
        figure: 4,
        threshold: 5, // ideal 10 × 0.5
        window: "2026-11-23",
        recipients: ["rep-1", "mgr-1"],
      }),
    ]);
  });

  it("counts a stage the rep holds nothing in as zero", () => {
    const found = run(ideal().filter((r) => r.stage !== "intent"));
    expect(found.map((a) => [a.anomaly, a.stage, a.figure, a.threshold])).toEqual([
      ["needs-prospecting", "intent", 0, 1],
    ]);
  });

  it("says the rep cannot work them all when a stage holds more than ideal × above", () => {
    const found = run(replace(ideal(), aHolding("contacted", 27, 0)));
    expect(found.map((a) => [a.anomaly, a.stage, a.figure, a.threshold])).toEqual([
      ["overloaded", "contacted", 27, 26],
    ]);
  });

  it("stays silent exactly at ideal × below and ideal × above", () => {
    const atEdges = replace(
      replace(ideal(), aHolding("graded", 5, 0)),
      aHolding("contacted", 26, 0),
    );
    expect(run(atEdges)).toEqual([]);
  });

  it("judges only active sellers, not managers or away reps", () => {
    const reps = anOrg([aRep({ id: "rep-2", manager: "mgr-1", status: "away" })]);
    expect(run(ideal(), { reps })).toEqual([]);
  });
});

describe("forecast below remaining quota", () => {
  const withQuota = (quota: number) => anOrg([aRep({ quota })]);
  // Forecast: contacted 100 000 × 10 % + lead 50 000 × 20 % + intent 40 000 × 50 % = 40 000, from
  // 32 open leads (graded's win rate is 0); signed is a booked sale, no longer in the forecast.
  const holdings = () => [
    aHolding("graded", 10, 0),
    aHolding("contacted", 13, 100_000),
    aHolding("lead", 7, 50_000),
    aHolding("intent", 2, 40_000),
    aHolding("signed", 3, 500_000),
  ];
  const sold = (amounts: Record<string, number>) =>
    Object.entries(amounts).map(([week, salesAmount]) =>
      aFlowRow("signed", { sales: 1, salesAmount }, { week }),
    );

  it("fires when the forecast is below the quota minus the quarter's sales so far", () => {
    const flows = sold({ "2026-10-12": 30_000, "2026-11-16": 20_000, "2026-09-28": 90_000 });
    const found = run(holdings(), { reps: withQuota(100_000), flows });
    expect(found).toEqual([
      expect.objectContaining({
        anomaly: "forecast-below-quota",
        subjectId: "rep-1",
        samples: 32,
        threshold: 50_000, // 100 000 − 50 000; the week of 2026-09-28 is last quarter's
        window: QUARTER_TEXT,
        recipients: ["rep-1", "mgr-1"],
      }),
    ]);
    expect(found[0]?.figure).toBeCloseTo(40_000);
  });

  it("stays silent when the forecast covers the remaining quota", () => {
    const flows = sold({ "2026-10-12": 60_001 });
    expect(run(holdings(), { reps: withQuota(100_000), flows })).toEqual([]);
  });

  it("stays silent once the quota is met, and for reps without a quota", () => {
    expect(run([], { reps: withQuota(100_000), flows: sold({ "2026-10-12": 120_000 }) })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ anomaly: "forecast-below-quota" })]),
    );
    expect(run(holdings())).toEqual([]);
  });
});
