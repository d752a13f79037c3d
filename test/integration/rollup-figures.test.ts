import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import type { Clock } from "../../functions/adapters/clock";
import { counterUpdates, type TransactItem } from "../../functions/adapters/counter-items";
import { repItem } from "../../functions/adapters/items";
import type { Decision } from "../../functions/core/decisions";
import type { RollupReportDecision } from "../../functions/core/rollup/rollup-decision";
import { runScheduledJob } from "../../functions/handlers/scheduled";
import { createLocalRuntime } from "../../functions/local/local-runtime";
import { anAnomalyRuleSet } from "../support/anomaly-factories";
import { aRep, at } from "../support/factories";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

describe("the weekly roll-up's figures on the local stack", () => {
  it("reports forecast, quarter sales, quota and weekly progress as computed by hand over two weeks", async () => {
    const tableName = await stack.freshTable("rollup-figures");
    const decisions: Decision[] = [];
    let now = at("2026-11-16T01:00:00Z"); // Monday 09:00 in Shanghai
    const clock: Clock = { now: () => now };
    // Win rates: contacted 10 %, lead 20 %, intent 50 %; first-line managers on Monday.
    const rules = anAnomalyRuleSet({
      alerts: {},
      file: {
        reports: {
          weeklyProgressTarget: 0.078,
          rollup: { cadence: [{ level: 1, day: "mon" }], topOpportunities: 0 },
        },
      },
    });
    const local = createLocalRuntime({
      stack: { ...stack, tableName },
      rules,
      clock,
      report: (d) => decisions.push(d),
    });
    const suffix = tableName.slice(-8);
    await putItems(stack.documents, tableName, [
      repItem(aRep({ id: "mgr-1", manager: undefined, email: `mgr-1-${suffix}@example.com` })),
      repItem(aRep({ id: "rep-a", manager: "mgr-1", quota: 100_000, email: undefined })),
      repItem(aRep({ id: "rep-b", manager: "mgr-1", quota: 100_000, email: undefined })),
    ]);
    const writeAll = async (items: TransactItem[]) => {
      for (const item of items) await stack.documents.send(new UpdateCommand(item.Update as never));
    };
    const hold = (repId: string, stage: string, count: number, amount: number) =>
      writeAll(
        counterUpdates(tableName, [{ repId, funnel: "standard", stage, count, amount }], []),
      );
    const sold = (repId: string, week: string, amount: number) =>
      writeAll(
        counterUpdates(
          tableName,
          [],
          [
            {
              repId,
              week,
              funnel: "standard",
              stage: "signed",
              counts: { sales: 1, salesAmount: amount },
            },
          ],
        ),
      );
    const run = async () => {
      const result = await runScheduledJob(local.runtime, {
        scheduleId: "weekly-rollup",
        job: "rollup",
        scheduledTime: new Date(now).toISOString(),
      });
      expect(result.status).toBe("done");
      return decisions
        .filter((d): d is RollupReportDecision => d.kind === "rollup" && d.managerId === "mgr-1")
        .at(-1);
    };

    // Week of 2026-11-09: F = 2×100k intent × 50 % + 100k lead × 20 % = 120k; S = 30k; Q = 200k.
    await hold("rep-a", "intent", 2, 200_000);
    await hold("rep-b", "lead", 5, 100_000);
    await sold("rep-a", "2026-11-09", 30_000);
    const first = await run();
    expect(first).toMatchObject({ week: "2026-11-09", outcome: "queued" });
    expect(first?.figures).toEqual({
      forecast: 120_000,
      salesQuarter: 30_000,
      quota: 200_000,
      progress: null,
    });

    // Week of 2026-11-16: one more 100k opportunity, a 20k sale.
    // F = 300k × 50 % + 100k × 20 % = 170k; S = 50k; progress = (170k + 50k − 120k − 30k) ÷ 200k = 35 %.
    await hold("rep-a", "intent", 1, 100_000);
    await sold("rep-b", "2026-11-16", 20_000);
    now = at("2026-11-23T01:00:00Z");
    const second = await run();
    expect(second).toMatchObject({ week: "2026-11-16", outcome: "queued" });
    expect(second?.figures?.forecast).toBeCloseTo(170_000);
    expect(second?.figures?.salesQuarter).toBe(50_000);
    expect(second?.figures?.progress).toBeCloseTo(0.35);
  });
});
