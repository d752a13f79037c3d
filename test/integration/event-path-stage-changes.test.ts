import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { ownerKeys } from "../../functions/adapters/item-keys";
import { loadRulesSync } from "../../functions/adapters/rules-loader";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { expectAggregatesMatchRecount } from "../support/aggregate-recount";
import { anEventPath, keyed } from "../support/event-path";
import { anEventPathRuleSet, anOwnedLead, aSeller, aTeam } from "../support/event-path-factories";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

/** The shipped rules: intent requires need, authority, budget, timeline; cold pool for 30d. */
const shipped = loadRulesSync("rules").rules;
const team = (s: string) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s)]);
const qualified = { need: "ERP upgrade", authority: "CFO", budget: "800k", timeline: "Q1" };
const DAY = 86_400_000;

const transitions = (history: Record<string, unknown>[]) =>
  history.filter((entry) => entry.type === "transition").map((entry) => [entry.from, entry.to]);

describe("stage changes through the stream", () => {
  it("keeps a lead moved into a stage without its required fields there and emails the owner and the manager the missing fields, once even when the record is replayed", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-entry",
      rules: shipped,
      reps: team,
      record: {},
    });
    await path.putLeads([
      anOwnedLead("Q1", "rep-a", { stage: "lead", need: "ERP upgrade" }),
      anOwnedLead("Q2", "rep-a", { stage: "lead", ...qualified }),
    ]);
    await path.drain();

    await path.updateLead("Q1", { stage: "intent", updatedBy: "rep-a" });
    await path.updateLead("Q2", { stage: "intent", updatedBy: "rep-a" });
    await path.drain();

    const lead = await path.lead("Q1");
    expect(lead.stage).toBe("intent");
    expect(transitions(await path.history("Q1"))).toEqual([
      [null, "lead"],
      ["lead", "intent"],
    ]);
    const emails = keyed(await path.outbox(), "entry#Q1#");
    expect(emails.map((email) => email.key).sort()).toEqual([
      `entry#Q1#${String(lead.stageEnteredAt)}#mgr-1`,
      `entry#Q1#${String(lead.stageEnteredAt)}#rep-a`,
    ]);
    for (const email of emails) {
      expect(email.to).toEqual([path.email(String(email.recipientId))]);
      expect(email.text).toContain("缺少：authority, budget, timeline");
    }
    expect(keyed(await path.outbox(), "entry#Q2#"), "Q2 has every field").toEqual([]);

    // The stage change is delivered again.
    const move = path.recorder?.deliveries
      .flatMap((delivery) => delivery.event.Records)
      .find(
        (record: DynamoDBRecord) =>
          record.dynamodb?.Keys?.pk?.S === "LEAD#Q1" &&
          record.dynamodb?.OldImage?.stage?.S === "lead" &&
          record.dynamodb?.NewImage?.stage?.S === "intent",
      );
    expect(move).toBeDefined();
    const outboxBefore = await path.outbox();
    expect(
      await handleStreamEvent(path.runtime, { Records: [structuredClone(move ?? {})] }),
    ).toEqual({ batchItemFailures: [] });
    expect(await path.outbox()).toEqual(outboxBefore);
    expect(await path.history("Q1")).toHaveLength(2);
  });

  it("sends an abandoned lead to the cold pool: no owner, previousOwner kept, coldUntil after the cooldown, a COLD timer, no longer counted, not distributed", async () => {
    const path = await anEventPath(stack, { prefix: "ep-cold", rules: shipped, reps: team });
    await path.putLeads([
      anOwnedLead("C1", "rep-a", { stage: "contacted", amount: 80_000 }),
      anOwnedLead("C2", "rep-a", { stage: "contacted", amount: 20_000 }),
    ]);
    await path.drain();
    expect(await path.aggregate("rep-a", "contacted")).toMatchObject({
      count: 2,
      amount: 100_000,
    });

    await path.updateLead("C1", { stage: "abandoned", updatedBy: "rep-a" });
    await path.drain();

    const lead = await path.lead("C1");
    const coldUntil = new Date(Date.parse(String(lead.stageEnteredAt)) + 30 * DAY).toISOString();
    expect(lead).toMatchObject({
      stage: "abandoned",
      previousOwner: "rep-a",
      pool: "cold",
      coldUntil,
      duePk: expect.stringMatching(/^COLD#\d$/),
      dueSk: `${coldUntil}#C1`,
    });
    for (const gone of ["owner", "ownerPk", "ownerSk", "assignedVia"])
      expect(lead, `C1 has no ${gone}`).not.toHaveProperty(gone);
    expect(lead.counted, "C1 counts nowhere").toBe("-");
    expect(transitions(await path.history("C1"))).toEqual([
      [null, "contacted"],
      ["contacted", "abandoned"],
    ]);
    expect(await path.aggregate("rep-a", "contacted")).toMatchObject({
      count: 1,
      amount: 20_000,
    });
    expect((await path.aggregate("rep-a", "abandoned"))?.count ?? 0).toBe(0);
    expect((await path.ownedBy("rep-a")).map((item) => item.id)).toEqual(["C2"]);
    expect(await path.ownedBy("rep-b")).toEqual([]);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("books a sale created directly in signed as out of the funnel, one through every qualifying stage as in the funnel, and a small or skipping one as out of it", async () => {
    const path = await anEventPath(stack, { prefix: "ep-sale", rules: shipped, reps: team });
    await path.putLeads([
      anOwnedLead("S1", "rep-a", { stage: "signed", amount: 90_000 }),
      anOwnedLead("S2", "rep-a", { stage: "contacted", amount: 90_000, ...qualified }),
      anOwnedLead("S3", "rep-a", { stage: "contacted", amount: 3_000, ...qualified }),
      anOwnedLead("S4", "rep-b", { stage: "contacted", amount: 90_000, ...qualified }),
    ]);
    await path.drain();
    for (const stage of ["lead", "intent", "signed"]) {
      await path.updateLead("S2", { stage });
      await path.updateLead("S3", { stage });
      await path.drain();
    }
    await path.updateLead("S4", { stage: "signed" });
    await path.drain();

    const direct = await path.lead("S1");
    expect(direct).toMatchObject({
      outOfFunnel: true,
      soldAt: direct.stageEnteredAt,
      soldAmount: 90_000,
      outOfFunnelReason: expect.stringContaining("created directly in signed"),
    });
    const through = await path.lead("S2");
    expect(through).toMatchObject({
      outOfFunnel: false,
      soldAt: through.stageEnteredAt,
      soldAmount: 90_000,
    });
    expect(through).not.toHaveProperty("outOfFunnelReason");
    expect([...(through.stagesSeen as string[])].sort()).toEqual(
      ["contacted", "intent", "lead", "signed"].sort(),
    );
    expect(await path.lead("S3")).toMatchObject({
      outOfFunnel: true,
      outOfFunnelReason: expect.stringContaining(
        "amount 3000 is below the out-of-funnel threshold 5000",
      ),
    });
    expect(await path.lead("S4")).toMatchObject({
      outOfFunnel: true,
      outOfFunnelReason: expect.stringContaining("never went through lead, intent"),
    });
    expect(await path.aggregate("rep-a", "signed")).toMatchObject({
      count: 3,
      amount: 183_000,
    });
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("keeps every earlier transition when a writer changes the owner, adds an owner-change entry, and moves the aggregates and the byOwner listing to the new owner", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-owner",
      rules: anEventPathRuleSet(),
      reps: team,
    });
    await path.putLeads([anOwnedLead("M1", "rep-a", { stage: "contacted", amount: 50_000 })]);
    await path.drain();
    await path.updateLead("M1", { stage: "lead", updatedBy: "rep-a" });
    await path.drain();

    await path.updateLead("M1", { owner: "rep-b", updatedBy: "crm-sync" });
    await path.drain();

    const history = await path.history("M1");
    expect(transitions(history)).toEqual([
      [null, "contacted"],
      ["contacted", "lead"],
    ]);
    expect(history.filter((entry) => entry.type === "owner-change")).toEqual([
      expect.objectContaining({ fromOwner: "rep-a", toOwner: "rep-b", by: "crm-sync" }),
    ]);
    expect(history).toHaveLength(3);
    expect(await path.aggregate("rep-a", "lead")).toMatchObject({ count: 0, amount: 0 });
    expect(await path.aggregate("rep-b", "lead")).toMatchObject({ count: 1, amount: 50_000 });
    expect(await path.ownedBy("rep-a")).toEqual([]);
    expect(await path.ownedBy("rep-b")).toEqual([
      expect.objectContaining({
        id: "M1",
        ownerSk: ownerKeys("rep-b", "standard", "lead", "M1", 50_000).ownerSk,
      }),
    ]);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("keeps the aggregates equal to a recount when a CRM sync rewrites whole leads without the engine's attributes, unchanged or with a new owner", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-full-put",
      rules: anEventPathRuleSet(),
      reps: team,
    });
    const leads = [
      anOwnedLead("R1", "rep-a", { stage: "contacted", amount: 50_000 }),
      anOwnedLead("R2", "rep-a", { stage: "contacted", amount: 30_000 }),
    ];
    await path.putLeads(leads);
    await path.drain();
    expect(await path.aggregate("rep-a", "contacted")).toMatchObject({
      count: 2,
      amount: 80_000,
    });

    // The CRM puts its own view of each lead (PutItem): R1 as it was, R2 with a new owner.
    const [r1, r2] = leads;
    await path.putLeadsInOrder([
      { ...(r1 ?? anOwnedLead("R1", "rep-a")), updatedBy: "crm-sync" },
      { ...(r2 ?? anOwnedLead("R2", "rep-a")), owner: "rep-b", updatedBy: "crm-sync" },
    ]);
    await path.drain();

    expect((await path.ownedBy("rep-b")).map((lead) => lead.id)).toEqual(["R2"]);
    expect(await path.aggregate("rep-a", "contacted")).toMatchObject({
      count: 1,
      amount: 50_000,
    });
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});
