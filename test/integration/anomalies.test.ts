import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { fixedClock } from "../../functions/adapters/clock";
import { counterUpdates, type TransactItem } from "../../functions/adapters/counter-items";
import { repItem } from "../../functions/adapters/items";
import type { AnomalyDecision } from "../../functions/core/anomalies/anomaly-decision";
import type { Decision } from "../../functions/core/decisions";
import { runScheduledJob } from "../../functions/handlers/scheduled";
import { createLocalRuntime } from "../../functions/local/local-runtime";
import { readInbox } from "../../functions/local/ses-inbox";
import { anAnomalyRuleSet, RUN_AT, WINDOW_TEXT } from "../support/anomaly-factories";
import { aRep } from "../support/factories";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

/** The same item writes the stream handler makes, outside a transaction. */
async function write(items: TransactItem[]): Promise<void> {
  for (const item of items) {
    if (item.Update === undefined) throw new Error("expected an update");
    await stack.documents.send(new UpdateCommand(item.Update));
  }
}

describe("the anomalies job on the local stack", () => {
  it("reads flow counters and aggregates from the table and emails one digest per recipient", async () => {
    const tableName = await stack.freshTable("anomalies");
    const decisions: Decision[] = [];
    const local = createLocalRuntime({
      stack: { ...stack, tableName },
      rules: anAnomalyRuleSet(),
      clock: fixedClock(RUN_AT),
      report: (decision) => decisions.push(decision),
    });
    const suffix = `anomalies-${tableName.slice(-8)}`;
    const email = (id: string) => `${id}-${suffix}@example.com`;
    await putItems(stack.documents, tableName, [
      repItem(aRep({ id: "rep-1", name: "<b>Li</b>", email: email("rep-1"), quota: 100_000 })),
      repItem(aRep({ id: "mgr-1", name: "Zhang Min", email: email("mgr-1"), manager: "dir-1" })),
      repItem(aRep({ id: "dir-1", name: "Wang Fang", email: email("dir-1"), manager: undefined })),
    ]);
    // In the window: 8 of 20 sales out of the funnel; 2.5× the limits over 10 contacted exits.
    const flow = (week: string, stage: string, counts: Record<string, number>) =>
      write(
        counterUpdates(
          tableName,
          [],
          [{ repId: "rep-1", week, funnel: "standard", stage, counts }],
        ),
      );
    await flow("2026-11-16", "signed", { sales: 12, oofSales: 5, salesAmount: 30_000 });
    await flow("2026-09-07", "signed", { sales: 8, oofSales: 3, salesAmount: 10_000 });
    await flow("2026-11-09", "contacted", { exits: 10, dwellRatioSum: 25, advanced: 5 });
    // Held now: 4 graded (ideal 10 × 0.5 = 5) and a forecast of 13 000 × 10 % + 20 000 × 50 %.
    const hold = (stage: string, count: number, amount: number) =>
      write(
        counterUpdates(
          tableName,
          [{ repId: "rep-1", funnel: "standard", stage, count, amount }],
          [],
        ),
      );
    await hold("graded", 4, 0);
    await hold("contacted", 13, 13_000);
    await hold("lead", 7, 0);
    await hold("intent", 2, 20_000);

    const event = {
      scheduleId: "anomaly-check",
      job: "anomalies" as const,
      scheduledTime: new Date(RUN_AT).toISOString(),
    };
    const result = await runScheduledJob(local.runtime, event);
    expect(result).toMatchObject({ status: "done", emailsSent: 3 });
    expect(result.reason).toMatch(
      /^anomalies: 8 found in \d+ checks; \d+ checks skipped for too few samples$/,
    );

    const anomalies = decisions.filter((d): d is AnomalyDecision => d.kind === "anomaly");
    expect(anomalies.map((a) => [a.anomaly, a.scope, a.subjectId]).sort()).toEqual(
      [
        ["forecast-below-quota", "rep", "rep-1"], // 11 300 < 100 000 − 30 000 (09-07 is Q3)
        ["long-cycle", "rep", "rep-1"],
        ["long-cycle", "team", "dir-1"],
        ["long-cycle", "team", "mgr-1"],
        ["needs-prospecting", "rep", "rep-1"],
        ["out-of-funnel-sales", "rep", "rep-1"],
        ["out-of-funnel-sales", "team", "dir-1"],
        ["out-of-funnel-sales", "team", "mgr-1"],
      ].sort(),
    );
    // dir-1 heads the org: nobody is above them, so they hear of their own team.
    expect(
      anomalies.find((a) => a.scope === "team" && a.subjectId === "dir-1")?.recipients,
    ).toEqual(["dir-1"]);
    const forecast = anomalies.find((a) => a.anomaly === "forecast-below-quota");
    expect(forecast).toMatchObject({ threshold: 70_000, samples: 26 });
    expect(forecast?.figure).toBeCloseTo(11_300);

    const inbox = await readInbox(stack.sesEndpoint);
    const to = (id: string) => inbox.filter((m) => m.to.includes(email(id)));
    expect(to("rep-1").map((m) => m.subject)).toEqual(["[funnel] 2 funnel anomalies to look at"]);
    const manager = to("mgr-1");
    expect(manager).toHaveLength(1);
    expect(manager[0]?.text).toContain(
      `40% of 20 sales never went through the funnel (alert above 30%); window ${WINDOW_TEXT}`,
    );
    expect(manager[0]?.html).toContain("&lt;b&gt;Li&lt;/b&gt;");
    expect(to("dir-1")).toHaveLength(1);

    // The same run delivered again (a Scheduler retry) sends nothing more.
    const again = await runScheduledJob(local.runtime, event);
    expect(again.emailsSent).toBe(0);
    const after = await readInbox(stack.sesEndpoint);
    expect(after.filter((m) => m.to.includes(email("mgr-1")))).toHaveLength(1);
  });
});
