import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { fixedClock } from "../../functions/adapters/clock";
import { aggregateKey, counterAttribute } from "../../functions/adapters/counter-items";
import { leadItem, repItem } from "../../functions/adapters/items";
import type { Decision } from "../../functions/core/decisions";
import { addDays, weekOf } from "../../functions/core/time/week";
import { runReconcile } from "../../functions/handlers/jobs/run-reconcile";
import { runScheduledJob } from "../../functions/handlers/scheduled";
import { createLocalRuntime } from "../../functions/local/local-runtime";
import { readInbox } from "../../functions/local/ses-inbox";
import { aLead } from "../support/factories";
import { useLocalStack } from "../support/local-stack";
import { aRollupRuleSet, aSmallOrg } from "../support/rollup-factories";

const stack = useLocalStack();
const rules = aRollupRuleSet();
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** `funnel reconcile` against the test table, as an operator would run it. */
function funnelReconcile(tableName: string, ...extra: string[]) {
  const result = spawnSync(
    process.execPath,
    [
      "bin/funnel.mjs",
      "reconcile",
      "--table",
      tableName,
      "--endpoint",
      stack.dynamoEndpoint,
      "--region",
      stack.region,
      ...extra,
    ],
    { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
  );
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe("the weekly roll-up on the local stack", () => {
  it("sends each first-line manager their team's roll-up on Monday, once, and the aggregates reconcile", async () => {
    const tableName = await stack.freshTable("rollup");
    // The stream stamps flow counters with the real time, so the run is next Monday 08:00 in
    // Shanghai: the week reported on is the one the leads move in now.
    const thisWeek = weekOf(rules.calendar, Date.now());
    const monday = addDays(thisWeek, 7);
    const now = Date.parse(`${monday}T00:00:00.000Z`);
    const decisions: Decision[] = [];
    const local = createLocalRuntime({
      stack: { ...stack, tableName },
      rules,
      clock: fixedClock(now),
      report: (decision) => decisions.push(decision),
    });
    // The SES stand-in is shared by every test file: this run's people have their own domain.
    const domain = `rollup-${randomUUID().slice(0, 8)}.example.com`;
    const reps = aSmallOrg([], domain);
    await putItems(stack.documents, tableName, [...reps.values()].map(repItem));
    const put = (lead: ReturnType<typeof aLead>) =>
      stack.documents.send(new PutCommand({ TableName: tableName, Item: leadItem(lead) }));
    await put(
      aLead({ id: "A1", owner: "rep-a1", stage: "intent", amount: 200_000, name: "Alpha" }),
    );
    await put(aLead({ id: "A2", owner: "rep-a1", stage: "lead", amount: 100_000, name: "Beta" }));
    await put(aLead({ id: "A3", owner: "rep-a2", stage: "contacted", amount: 50_000 }));
    await put(aLead({ id: "A4", owner: "rep-a2", stage: "lead", amount: 80_000, name: "Delta" }));
    await put(
      aLead({ id: "B1", owner: "rep-b1", stage: "intent", amount: 300_000, name: "Gamma" }),
    );
    await local.poller.drain();
    // Delta goes through the funnel and is signed this week: a sale in the reported week.
    for (const stage of ["intent", "signed"]) {
      await stack.documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: "LEAD#A4", sk: "LEAD" },
          UpdateExpression: "SET #stage = :stage",
          ExpressionAttributeNames: { "#stage": "stage" },
          ExpressionAttributeValues: { ":stage": stage },
        }),
      );
      await local.poller.drain();
    }

    const event = {
      scheduleId: "weekly-rollup",
      job: "rollup" as const,
      scheduledTime: `${monday}T00:00:00.000Z`,
    };
    const first = await runScheduledJob(local.runtime, event);
    expect(first).toMatchObject({ status: "done", emailsSent: 2 });

    const ours = async () =>
      (await readInbox(stack.sesEndpoint)).filter((m) =>
        m.to.some((to) => to.endsWith(`@${domain}`)),
      );
    const inbox = await ours();
    expect(inbox.map((m) => m.to).sort()).toEqual([[`mgr-a@${domain}`], [`mgr-b@${domain}`]]);
    const teamA = inbox.find((m) => m.to.includes(`mgr-a@${domain}`));
    expect(teamA?.subject).toBe(
      `[funnel] Weekly funnel roll-up: Zhang Min's team, ${thisWeek} – ${addDays(thisWeek, 6)}`,
    );
    // rep-a1: 200k × 0.1 + 100k × 0.05; rep-a2: 50k × 0.02 (Delta is sold, out of the forecast)
    expect(teamA?.text).toContain("Forecast: CN¥26,000");
    expect(teamA?.text).toContain("Sales this quarter: CN¥80,000");
    expect(teamA?.text).toContain("- Alpha: CN¥200,000");
    expect(teamA?.text).not.toContain("Gamma"); // team B's opportunity
    expect(teamA?.html).toContain("Li Wei");
    expect(
      decisions.filter((d) => d.kind === "rollup").map((d) => [d.managerId, d.outcome]),
    ).toEqual([
      ["mgr-a", "queued"],
      ["mgr-b", "queued"],
    ]);

    const snapshots = await stack.documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: "byKind",
        KeyConditionExpression: "kindPk = :kind",
        ExpressionAttributeValues: { ":kind": `SNAP#${thisWeek}` },
      }),
    );
    expect(snapshots.Items?.map((s) => s.repId).sort()).toEqual([...reps.keys()].sort());

    // The same morning again (a Scheduler retry, or a second schedule): nothing new is sent.
    decisions.length = 0;
    const again = await runScheduledJob(local.runtime, event);
    expect(again).toMatchObject({ status: "done", emailsSent: 0 });
    expect(await ours()).toHaveLength(2);
    expect(decisions.map((d) => (d.kind === "rollup" ? d.outcome : d.kind))).toEqual([
      "already-sent",
      "already-sent",
    ]);

    // The aggregates the roll-up read are what the leads say.
    const reconciled = await runReconcile(local.runtime);
    expect(reconciled.decisions).toEqual([]);
    expect(reconciled.result.leads).toBe(5);

    // A hand edit of an aggregate is drift; the command reports it, and --fix sets it back.
    await stack.documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: aggregateKey("rep-a1", "standard"),
        UpdateExpression: "ADD #count :one",
        ExpressionAttributeNames: { "#count": counterAttribute("count", "intent") },
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    const found = funnelReconcile(tableName);
    expect(found.code, found.out).toBe(1);
    expect(found.out).toContain("reported: rep-a1 standard#intent: aggregate 2 leads / 200000");
    const fixed = funnelReconcile(tableName, "--fix");
    expect(fixed.code, fixed.out).toBe(0);
    expect(fixed.out).toContain("1 fixed, 0 left");
    const clean = funnelReconcile(tableName);
    expect(clean, clean.out).toMatchObject({ code: 0 });
    expect(clean.out).toContain("no drift: the aggregates match 5 leads");
  });
  it("lists a team's largest opportunities from at most topOpportunities leads per member, and a raised amount moves its lead into the list", async () => {
    const tableName = await stack.freshTable("rollup-top");
    const thisWeek = weekOf(rules.calendar, Date.now());
    const monday = addDays(thisWeek, 7);
    const local = createLocalRuntime({
      stack: { ...stack, tableName },
      rules,
      clock: fixedClock(Date.parse(`${monday}T00:00:00.000Z`)),
      report: () => {},
    });
    const domain = `rollup-${randomUUID().slice(0, 8)}.example.com`;
    await putItems(stack.documents, tableName, [...aSmallOrg([], domain).values()].map(repItem));
    const opportunity = (id: string, owner: string, amount: number) =>
      leadItem(aLead({ id, owner, stage: "intent", amount, name: `Deal ${id}` }));
    await putItems(stack.documents, tableName, [
      opportunity("O1", "rep-a1", 10_000),
      opportunity("O2", "rep-a1", 20_000),
      opportunity("O3", "rep-a1", 30_000),
      opportunity("O4", "rep-a1", 40_000),
      opportunity("O5", "rep-a2", 35_000),
    ]);
    await local.poller.drain();
    const topOfA1 = async () =>
      (await local.runtime.owners.inStage("rep-a1", "standard", "intent", true, 2)).map(
        (l) => l.id,
      );
    expect(await topOfA1()).toEqual(["O4", "O3"]);

    await stack.documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: "LEAD#O1", sk: "LEAD" },
        UpdateExpression: "SET amount = :amount",
        ExpressionAttributeValues: { ":amount": 90_000 },
      }),
    );
    await local.poller.drain();
    expect(await topOfA1()).toEqual(["O1", "O4"]);

    await runScheduledJob(local.runtime, {
      scheduleId: "weekly-rollup",
      job: "rollup",
      scheduledTime: `${monday}T00:00:00.000Z`,
    });
    const teamA = (await readInbox(stack.sesEndpoint)).find((m) =>
      m.to.includes(`mgr-a@${domain}`),
    );
    expect(teamA?.text).toContain("- Deal O1: CN¥90,000");
    expect(teamA?.text).toContain("- Deal O4: CN¥40,000");
    for (const left of ["Deal O5", "Deal O3", "Deal O2"]) expect(teamA?.text).not.toContain(left);
  });
});
