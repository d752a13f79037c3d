import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { fixedClock } from "../../functions/adapters/clock";
import { counterUpdates } from "../../functions/adapters/counter-items";
import { repItem } from "../../functions/adapters/items";
import type { AnomalyDecision } from "../../functions/core/anomalies/anomaly-decision";
import type { Decision } from "../../functions/core/decisions";
import type { FlowCounter } from "../../functions/core/flow";
import { runScheduledJob } from "../../functions/handlers/scheduled";
import { createLocalRuntime } from "../../functions/local/local-runtime";
import { anAnomalyRuleSet, anomalyAlerts, RUN_AT } from "../support/anomaly-factories";
import { aRep } from "../support/factories";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

type Counts = Partial<Record<FlowCounter, number>>;

/**
 * One rep per anomaly, each under a manager of their own so a team's sums are that rep's: the
 * first of each pair is over the threshold with exactly the minimum sample, the second is as far
 * over the threshold but one sample short. Thresholds are rules/alerts.yaml's.
 */
const cases: {
  anomaly: AnomalyDecision["anomaly"];
  firing: Record<string, Counts>;
  short: Record<string, Counts>;
}[] = [
  {
    anomaly: "out-of-funnel-sales", // share > 30 % of ≥ 10 sales
    firing: { signed: { sales: 10, oofSales: 5 } },
    short: { signed: { sales: 9, oofSales: 9 } },
  },
  {
    anomaly: "intents-without-signings", // < 5 % of ≥ 10 intents signed
    firing: { intent: { entered: 10 } },
    short: { intent: { entered: 9 } },
  },
  {
    anomaly: "low-transfer", // contacted → lead below 50 % × 0.7 over ≥ 20 leads that left
    firing: { contacted: { advanced: 5, abandoned: 15 } },
    short: { contacted: { advanced: 4, abandoned: 15 } },
  },
  {
    anomaly: "high-abandonment", // > 60 % of ≥ 20 closed leads abandoned
    firing: { lead: { abandoned: 15 }, signed: { sales: 5 } },
    short: { lead: { abandoned: 14 }, signed: { sales: 5 } },
  },
  {
    anomaly: "long-cycle", // > 2× the limits on average over ≥ 10 exits
    firing: { contacted: { exits: 10, dwellRatioSum: 25 } },
    short: { contacted: { exits: 9, dwellRatioSum: 27 } },
  },
];

describe("each anomaly on the local stack", () => {
  it("fires each of the five anomalies with enough samples and none of them one sample short", async () => {
    const tableName = await stack.freshTable("anomalies-each");
    const decisions: Decision[] = [];
    const rules = anAnomalyRuleSet({ alerts: { anomalies: anomalyAlerts().anomalies } });
    const local = createLocalRuntime({
      stack: { ...stack, tableName },
      rules,
      clock: fixedClock(RUN_AT),
      report: (decision) => decisions.push(decision),
    });
    const reps = [aRep({ id: "head", manager: undefined, email: undefined })];
    const writes: Promise<unknown>[] = [];
    cases.forEach((c, i) => {
      for (const [variant, flows] of [
        ["fires", c.firing],
        ["short", c.short],
      ] as const) {
        const repId = `${c.anomaly}-${variant}`;
        reps.push(aRep({ id: `mgr-${i}-${variant}`, manager: "head", email: undefined }));
        reps.push(aRep({ id: repId, manager: `mgr-${i}-${variant}`, email: undefined }));
        for (const [stage, counts] of Object.entries(flows)) {
          const [item] = counterUpdates(
            tableName,
            [],
            [{ repId, week: "2026-11-16", funnel: "standard", stage, counts }],
          );
          if (item?.Update) writes.push(stack.documents.send(new UpdateCommand(item.Update)));
        }
      }
    });
    await Promise.all(writes);
    await putItems(stack.documents, tableName, reps.map(repItem));

    const result = await runScheduledJob(local.runtime, {
      scheduleId: "anomaly-check",
      job: "anomalies",
      scheduledTime: new Date(RUN_AT).toISOString(),
    });
    expect(result.status).toBe("done");

    const found = decisions.filter(
      (d): d is AnomalyDecision => d.kind === "anomaly" && d.scope === "rep",
    );
    expect(found.map((d) => `${d.anomaly} ${d.subjectId}`).sort()).toEqual(
      cases.map((c) => `${c.anomaly} ${c.anomaly}-fires`).sort(),
    );
    for (const decision of found) {
      // Each alert states the figure, the threshold, the window and the sample size.
      expect(decision.reason).toContain("window 90d");
      expect(decision.samples).toBeGreaterThanOrEqual(10);
      expect(decision.reason).toMatch(/\d+ samples \(min \d+\)/);
    }
    expect(result.reason).toMatch(/checks skipped for too few samples/);
  });
});
