import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { fixedClock } from "../../functions/adapters/clock";
import { leadItem, repItem } from "../../functions/adapters/items";
import type { Decision } from "../../functions/core/decisions";
import { createLocalRuntime } from "../../functions/local/local-runtime";
import { readInbox } from "../../functions/local/ses-inbox";
import { aLead, aRep, aRuleSet } from "../support/factories";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();
const rules = aRuleSet();

async function setUp(suffix: string, now: number) {
  const tableName = await stack.freshTable("skeleton");
  const decisions: Decision[] = [];
  const local = createLocalRuntime({
    stack: { ...stack, tableName },
    rules,
    clock: fixedClock(now),
    report: (decision) => decisions.push(decision),
  });
  const email = (id: string) => `${id}-${suffix}@example.com`;
  const reps = [
    aRep({ id: "rep-1", email: email("rep-1"), manager: "mgr-1" }),
    aRep({ id: "mgr-1", email: email("mgr-1"), manager: undefined }),
  ];
  await putItems(stack.documents, tableName, reps.map(repItem));
  return { tableName, local, decisions, email };
}

const getItem = (tableName: string, pk: string, sk: string) =>
  stack.documents
    .send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))
    .then((r) => r.Item);

describe("the walking skeleton on the local stack", () => {
  it("a stage change flows through the stream to a due time, and the sweep emails the owner", async () => {
    const now = Date.parse("2026-11-23T01:00:00Z"); // Monday 09:00 in Shanghai
    const { tableName, local, decisions, email } = await setUp("e2e", now);
    // Entered contacted (5d limit) eight days ago: overdue since 2026-11-20.
    await stack.documents.send(
      new PutCommand({
        TableName: tableName,
        Item: leadItem(
          aLead({ id: "L1", stage: "contacted", stageEnteredAt: "2026-11-15T01:00:00.000Z" }),
        ),
      }),
    );
    await local.poller.drain();

    const lead = await getItem(tableName, "LEAD#L1", "LEAD");
    expect(lead).toMatchObject({
      dueAt: "2026-11-20T01:00:00.000Z",
      dwellLevel: 0,
      grade: "C",
      duePk: expect.stringMatching(/^DWELL#/),
    });

    // The CRM moves it on today, then back: two transitions in the history, due time follows.
    await stack.documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...lead, stage: "lead", stageEnteredAt: undefined },
      }),
    );
    await local.poller.drain();
    const moved = await getItem(tableName, "LEAD#L1", "LEAD");
    expect(moved?.stageEnteredAt).not.toBe("2026-11-15T01:00:00.000Z");
    const history = await stack.documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :h)",
        ExpressionAttributeValues: { ":pk": "LEAD#L1", ":h": "HIST#" },
      }),
    );
    expect(history.Items?.map((h) => [h.from, h.to])).toEqual([
      [null, "contacted"],
      ["contacted", "lead"],
    ]);

    // A second, still overdue lead for the sweep.
    await stack.documents.send(
      new PutCommand({
        TableName: tableName,
        Item: leadItem(
          aLead({
            id: "L2",
            name: "Overdue Co",
            stage: "contacted",
            stageEnteredAt: "2026-11-15T01:00:00.000Z",
          }),
        ),
      }),
    );
    await local.poller.drain();
    const results = await local.runOnce(now);
    expect(results.find((r) => r.job === "sweep")).toBeUndefined(); // the factory rules schedule nothing

    const { runScheduledJob } = await import("../../functions/handlers/scheduled");
    const sweep = await runScheduledJob(local.runtime, {
      scheduleId: "sweep",
      job: "sweep",
      scheduledTime: new Date(now).toISOString(),
    });
    expect(sweep).toMatchObject({ status: "done", emailsSent: 1 });

    const inbox = (await readInbox(stack.sesEndpoint)).filter((m) => m.to.includes(email("rep-1")));
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.text).toContain("Overdue Co");
    expect(
      decisions
        .filter((d) => d.kind === "dwell-alert")
        .map((d) => (d as { leadId: string }).leadId),
    ).toEqual(["L2"]);
    expect(await getItem(tableName, "LEAD#L2", "LEAD")).toMatchObject({ dwellLevel: 1 });

    // The same run delivered again (a Scheduler retry) sends nothing more.
    const again = await runScheduledJob(local.runtime, {
      scheduleId: "sweep",
      job: "sweep",
      scheduledTime: new Date(now).toISOString(),
    });
    expect(again.emailsSent).toBe(0);
    expect(
      (await readInbox(stack.sesEndpoint)).filter((m) => m.to.includes(email("rep-1"))),
    ).toHaveLength(1);
  });

  it("a redelivered stream batch appends no second transition and counts the aggregate once", async () => {
    const now = Date.parse("2026-11-23T01:00:00Z");
    const { tableName, local } = await setUp("replay", now);
    const events: Parameters<
      typeof import("../../functions/handlers/stream").handleStreamEvent
    >[1][] = [];
    const { handleStreamEvent } = await import("../../functions/handlers/stream");
    const { createStreamPoller } = await import("../../functions/local/stream-poller");
    const recorder = createStreamPoller({
      clientConfig: stack.clientConfig,
      tableName,
      handler: async (event) => {
        events.push(event);
      },
    });
    await stack.documents.send(
      new PutCommand({
        TableName: tableName,
        Item: leadItem(aLead({ id: "L9", stage: "graded", amount: 500 })),
      }),
    );
    await recorder.drain();
    const leadEvents = events.filter((e) =>
      e.Records.some((r) => r.dynamodb?.Keys?.sk?.S === "LEAD"),
    );
    expect(leadEvents.length).toBeGreaterThan(0);
    for (const event of leadEvents) {
      await handleStreamEvent(local.runtime, event);
      await handleStreamEvent(local.runtime, event);
    }
    const history = await stack.documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :h)",
        ExpressionAttributeValues: { ":pk": "LEAD#L9", ":h": "HIST#" },
      }),
    );
    expect(history.Items).toHaveLength(1);
    // One aggregate item per rep and funnel, a count and an amount per stage.
    expect(await getItem(tableName, "AGG", "rep-1#standard")).toMatchObject({
      "count#graded": 1,
      "amount#graded": 500,
    });
  });
});
