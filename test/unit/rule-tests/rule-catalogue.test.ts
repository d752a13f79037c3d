import { describe, expect, it } from "vitest";
import { loadRulesSync } from "../../../functions/adapters/rules-loader";
import { ruleCatalogue } from "../../../functions/core/rule-tests/rule-catalogue";
import type { RuleFile } from "../../../functions/core/rules/rule-schema";
import { aRuleFile } from "../../support/factories";

const idsOf = (value: Partial<RuleFile>) =>
  ruleCatalogue([{ path: "rules.yaml", value: value as Record<string, unknown> }]).map((r) => r.id);

describe("the rules a test case must cover", () => {
  it("are, for the shipped rules, every grading rule, step, escalation level, anomaly and stage limit", () => {
    const { source } = loadRulesSync("rules");
    expect(idsOf(source)).toEqual([
      "grading.rules.inbound-or-trial",
      "grading.rules.large-fit-reachable",
      "grading.rules.possible-buyer",
      "grading.default",
      "distribution.steps.discoverer",
      "distribution.steps.territory",
      "distribution.steps.least-loaded",
      "distribution.capacity",
      "distribution.duplicates",
      "distribution.whenNoRep",
      "distribution.whenRepLeaves",
      "cold.cooldown",
      "cold.returnTo",
      "alerts.dwell.escalation.1x",
      "alerts.dwell.escalation.2x",
      "alerts.dwell.escalation.3x",
      "alerts.dwell.respectNextAction",
      "alerts.anomalies.outOfFunnelSales",
      "alerts.anomalies.intentsWithoutSignings",
      "alerts.anomalies.lowTransfer",
      "alerts.anomalies.highAbandonment",
      "alerts.anomalies.longCycle",
      "alerts.funnelShape.below",
      "alerts.funnelShape.above",
      "funnels.standard.stages.resource.maxDwell",
      "funnels.standard.stages.graded.maxDwell",
      "funnels.standard.stages.contacted.maxDwell",
      "funnels.standard.stages.lead.maxDwell",
      "funnels.standard.stages.intent.maxDwell",
      "funnels.standard.stages.intent.requires",
      "funnels.standard.stages.signed.maxDwell",
      "funnels.standard.stages.signed.countsAsSale",
      "funnels.standard.outOfFunnel.amountBelow",
      "funnels.standard.outOfFunnel.qualifyingStages",
    ]);
  });

  it("names a grade-routing step, dwell actions and reminders, and numbers a repeated step", () => {
    const ids = idsOf(
      aRuleFile({
        distribution: {
          steps: [
            { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
            { use: "territory", leadField: "region" },
            { use: "territory", leadField: "province" },
            { use: "round-robin" },
          ],
        },
        alerts: {
          dwell: {
            escalation: [{ after: "1x", notify: "owner" }],
            remindEvery: "2d",
            actions: [
              { after: "3x", do: "reassign" },
              { after: "4x", do: "abandon" },
            ],
          },
        },
      }),
    );
    expect(ids.filter((id) => id.startsWith("distribution") || id.startsWith("alerts"))).toEqual([
      "distribution.steps.grade-routing",
      "distribution.steps.territory",
      "distribution.steps.territory#2",
      "distribution.steps.round-robin",
      "alerts.dwell.escalation.1x",
      "alerts.dwell.remindEvery",
      "alerts.dwell.actions.3x",
      "alerts.dwell.actions.4x",
    ]);
  });

  it("leaves out what only parameterises rules or times jobs: settings, pools, rates, schedules, the roll-up", () => {
    const ids = idsOf(
      aRuleFile({
        pools: [{ id: "unassigned", label: "Unassigned" }],
        reports: { weeklyProgressTarget: 0.078, rollup: { cadence: [{ level: 1, day: "mon" }] } },
        schedules: [{ id: "sweep", job: "sweep", cron: "0 9 * * *" }],
        alerts: { repLeft: { notify: ["manager"] } },
      }),
    );
    expect(ids.some((id) => /^(settings|calendar|pools|reports|schedules|alerts)/.test(id))).toBe(
      false,
    );
    // The factory's stages: limits everywhere but the end stages; signed books the sale.
    expect(ids).toContain("funnels.standard.stages.intent.maxDwell");
    expect(ids).toContain("funnels.standard.stages.signed.countsAsSale");
    expect(ids).not.toContain("funnels.standard.stages.implemented.maxDwell");
  });

  it("keeps each rule with the file that writes it", () => {
    const rules = ruleCatalogue([
      { path: "a.yaml", value: { grading: { default: "C", rules: [] } } },
      {
        path: "b.yaml",
        value: { cold: { cooldown: "30d", pool: "cold", returnTo: { stage: "resource" } } },
      },
    ]);
    expect(rules.map((r) => [r.id, r.file, r.path.join(".")])).toEqual([
      ["grading.default", "a.yaml", "grading.default"],
      ["cold.cooldown", "b.yaml", "cold.cooldown"],
      ["cold.returnTo", "b.yaml", "cold.returnTo"],
    ]);
  });
});
