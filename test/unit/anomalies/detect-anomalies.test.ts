import { describe, expect, it } from "vitest";
import type { AnomalyDecision } from "../../../functions/core/anomalies/anomaly-decision";
import { decideAnomalyRun } from "../../../functions/core/anomalies/anomaly-run";
import type { FlowRowInput } from "../../../functions/core/anomalies/window-totals";
import type { Rep } from "../../../functions/core/records/rep";
import type { RuleSet } from "../../../functions/core/rules/rule-set";
import {
  aFlowRow,
  aTeamOrg,
  onlyAnomalies,
  RUN_AT,
  WINDOW_TEXT,
} from "../../support/anomaly-factories";
import { anOrg, aRep } from "../../support/factories";

const run = (rules: RuleSet, flows: FlowRowInput[], reps: Map<string, Rep> = anOrg()) =>
  decideAnomalyRun(rules, { reps, flows, holdings: [], now: RUN_AT, runId: "run-1" });
const anomalies = (result: ReturnType<typeof run>, scope: "rep" | "team" = "rep") =>
  result.decisions.filter((d): d is AnomalyDecision => d.kind === "anomaly" && d.scope === scope);

const oofRule = { shareAbove: 0.3, minSamples: 10, notify: ["manager" as const] };

describe("out-of-funnel sales", () => {
  const rules = onlyAnomalies({ outOfFunnelSales: oofRule });

  it("fires when the share of out-of-funnel sales in the window is above the threshold", () => {
    const result = run(rules, [
      aFlowRow("signed", { sales: 12, oofSales: 5 }, { week: "2026-11-16" }),
      aFlowRow("signed", { sales: 8, oofSales: 3 }, { week: "2026-09-07" }),
      // Before the window's first Monday (2026-08-31): not counted.
      aFlowRow("signed", { sales: 100 }, { week: "2026-08-24" }),
    ]);
    expect(anomalies(result)).toEqual([
      expect.objectContaining({
        anomaly: "out-of-funnel-sales",
        subjectId: "rep-1",
        funnel: "standard",
        figure: 0.4, // 8 of 20
        threshold: 0.3,
        samples: 20,
        window: WINDOW_TEXT,
        recipients: ["mgr-1"],
      }),
    ]);
    expect(anomalies(result)[0]?.reason).toContain("40.0% of 20 sales were out of the funnel");
  });

  it("stays silent at the threshold itself", () => {
    const result = run(rules, [aFlowRow("signed", { sales: 20, oofSales: 6 })]);
    expect(anomalies(result)).toEqual([]);
    expect(result.checked).toBeGreaterThan(0);
  });

  it("stays silent below minSamples however high the share, and counts the skipped check", () => {
    const result = run(rules, [aFlowRow("signed", { sales: 9, oofSales: 9 })]);
    expect(anomalies(result)).toEqual([]);
    // rep-1 and the teams of mgr-1, dir-1 and head: each 9 sales, each skipped.
    expect(result).toMatchObject({ checked: 0, skipped: 4 });
  });
});

describe("intents without signings", () => {
  const rules = onlyAnomalies({
    intentsWithoutSignings: { signRateBelow: 0.05, minSamples: 10, notify: ["manager"] },
  });

  it("fires when few of the leads that entered intent moved on to a signing", () => {
    const result = run(rules, [aFlowRow("intent", { entered: 40, advanced: 1 })]);
    expect(anomalies(result)).toEqual([
      expect.objectContaining({
        anomaly: "intents-without-signings",
        stage: "intent",
        figure: 0.025,
        threshold: 0.05,
        samples: 40,
      }),
    ]);
  });

  it("does not count signings created directly in the sale stage, which skipped intent", () => {
    const result = run(rules, [
      aFlowRow("intent", { entered: 40, advanced: 1 }),
      aFlowRow("signed", { entered: 30, sales: 30, oofSales: 29 }),
    ]);
    expect(anomalies(result).map((a) => a.figure)).toEqual([0.025]);
  });

  it("stays silent at the threshold and below minSamples", () => {
    expect(anomalies(run(rules, [aFlowRow("intent", { entered: 40, advanced: 2 })]))).toEqual([]);
    const few = run(rules, [aFlowRow("intent", { entered: 9 })]);
    expect(anomalies(few)).toEqual([]);
    expect(few.skipped).toBe(4);
  });
});

describe("low transfer", () => {
  const rules = onlyAnomalies({
    lowTransfer: { tolerance: 0.7, minSamples: 20, notify: ["manager"] },
  });

  it("fires once per stage whose share moving on is below target × tolerance", () => {
    const result = run(rules, [
      // contacted: target 50 % × 0.7 = 35 %; 6 of 20 decided leads moved on = 30 %.
      aFlowRow("contacted", { entered: 25, advanced: 6, abandoned: 14 }),
      // lead: target 30 % × 0.7 = 21 %; 2 of 20 = 10 %.
      aFlowRow("lead", { entered: 20, advanced: 2, abandoned: 18 }),
      // intent: target 10 % × 0.7 = 7 %; 3 of 20 = 15 %: fine.
      aFlowRow("intent", { advanced: 3, abandoned: 17 }),
    ]);
    const found = anomalies(result);
    expect(found.map((a) => [a.stage, a.figure, a.samples])).toEqual([
      ["contacted", 0.3, 20],
      ["lead", 0.1, 20],
    ]);
    expect(found[0]?.threshold).toBeCloseTo(0.35);
    expect(found[1]?.threshold).toBeCloseTo(0.21);
  });

  it("judges only the leads whose fate in the stage was decided, not those still in it", () => {
    // 100 entered but only 10 left the stage: too few samples, however low 1 of 10 is.
    const result = run(rules, [aFlowRow("contacted", { entered: 100, advanced: 1, abandoned: 9 })]);
    expect(anomalies(result)).toEqual([]);
  });

  it("stays silent above target × tolerance", () => {
    expect(anomalies(run(rules, [aFlowRow("contacted", { advanced: 8, abandoned: 12 })]))).toEqual(
      [],
    );
  });
});

describe("high abandonment", () => {
  const rules = onlyAnomalies({
    highAbandonment: { rateAbove: 0.6, minSamples: 20, notify: ["manager"] },
  });

  it("fires when abandoned leads, over abandoned plus sold, are above the rate", () => {
    const result = run(rules, [
      aFlowRow("contacted", { abandoned: 10 }),
      aFlowRow("lead", { abandoned: 5 }),
      aFlowRow("signed", { sales: 5 }),
    ]);
    expect(anomalies(result)).toEqual([
      expect.objectContaining({
        anomaly: "high-abandonment",
        figure: 0.75,
        threshold: 0.6,
        samples: 20,
      }),
    ]);
  });

  it("stays silent at the rate and below minSamples", () => {
    expect(
      anomalies(
        run(rules, [aFlowRow("contacted", { abandoned: 12 }), aFlowRow("signed", { sales: 8 })]),
      ),
    ).toEqual([]);
    expect(anomalies(run(rules, [aFlowRow("contacted", { abandoned: 19 })]))).toEqual([]);
  });
});

describe("long cycle", () => {
  const rules = onlyAnomalies({
    longCycle: { above: "2x", minSamples: 10, notify: ["manager", "managers-manager"] },
  });

  it("fires when leads left their stages at more than the multiple of the limits on average", () => {
    const result = run(rules, [
      aFlowRow("contacted", { exits: 6, dwellRatioSum: 15 }),
      aFlowRow("lead", { exits: 4, dwellRatioSum: 10 }),
    ]);
    expect(anomalies(result)).toEqual([
      expect.objectContaining({
        anomaly: "long-cycle",
        figure: 2.5, // 25 / 10
        threshold: 2,
        samples: 10,
        recipients: ["mgr-1", "dir-1"],
      }),
    ]);
  });

  it("stays silent at the multiple and below minSamples", () => {
    expect(
      anomalies(run(rules, [aFlowRow("contacted", { exits: 10, dwellRatioSum: 20 })])),
    ).toEqual([]);
    expect(anomalies(run(rules, [aFlowRow("contacted", { exits: 9, dwellRatioSum: 90 })]))).toEqual(
      [],
    );
  });
});

describe("teams", () => {
  const rules = onlyAnomalies({ outOfFunnelSales: oofRule });

  it("sums the team's reps, so a team fires where no rep alone has enough samples", () => {
    const result = run(
      rules,
      [
        aFlowRow("signed", { sales: 6, oofSales: 3 }, { repId: "rep-1" }),
        aFlowRow("signed", { sales: 6, oofSales: 3 }, { repId: "rep-2" }),
      ],
      aTeamOrg(),
    );
    expect(anomalies(result, "rep")).toEqual([]);
    // mgr-1's team; dir-1's and head's subtrees hold the same reps. The head has no manager,
    // so the head is told about the whole organisation.
    expect(
      anomalies(result, "team").map((a) => [a.subjectId, a.figure, a.samples, a.recipients]),
    ).toEqual([
      ["dir-1", 0.5, 12, ["head"]],
      ["head", 0.5, 12, ["head"]],
      ["mgr-1", 0.5, 12, ["dir-1"]],
    ]);
    expect(result).toMatchObject({ checked: 3, skipped: 2 });
  });

  it("keeps the work of a rep who left in the team but does not judge them alone", () => {
    const reps = aTeamOrg([aRep({ id: "rep-9", name: "Gone", manager: "mgr-1", status: "left" })]);
    const result = run(
      rules,
      [aFlowRow("signed", { sales: 12, oofSales: 6 }, { repId: "rep-9" })],
      reps,
    );
    expect(anomalies(result, "rep")).toEqual([]);
    expect(anomalies(result, "team").find((a) => a.subjectId === "mgr-1")).toMatchObject({
      samples: 12,
      figure: 0.5,
    });
  });

  it("tells the rep themself when the rules say owner", () => {
    const rules = onlyAnomalies({ outOfFunnelSales: { ...oofRule, notify: ["owner", "manager"] } });
    const result = run(rules, [aFlowRow("signed", { sales: 10, oofSales: 5 })]);
    expect(anomalies(result)[0]?.recipients).toEqual(["rep-1", "mgr-1"]);
    expect(anomalies(result, "team").find((a) => a.subjectId === "mgr-1")?.recipients).toEqual([
      "mgr-1",
      "dir-1",
    ]);
  });
});

describe("a run without anomaly rules", () => {
  it("measures nothing and sends nothing", () => {
    const rules = onlyAnomalies({});
    const result = run(rules, [aFlowRow("signed", { sales: 50, oofSales: 50 })]);
    expect(result).toMatchObject({ decisions: [], checked: 0, skipped: 0 });
  });
});
