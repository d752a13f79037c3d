import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { Rep } from "../../functions/core/records/rep";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { expectAggregatesMatchRecount } from "../support/aggregate-recount";
import { anEventPath, keyed } from "../support/event-path";
import {
  aFreshLead,
  aMalformedLead,
  anEventPathRuleSet,
  anOwnedLead,
  aSeller,
  aTeam,
} from "../support/event-path-factories";
import { aLeadStoreFailingOnce, withStores } from "../support/faulty-stores";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

const keyOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.Keys?.pk?.S;
const sequenceOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.SequenceNumber;
const transitions = (history: Record<string, unknown>[]) =>
  history.filter((entry) => entry.type === "transition").map((entry) => [entry.from, entry.to]);

describe("at-least-once delivery", () => {
  it("applies every batch once although each is delivered twice and all are replayed again: no second transition, outbox item or reassignment", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-replay",
      rules: anEventPathRuleSet({ steps: [{ use: "least-loaded" }] }),
      reps: (s) =>
        aTeam(s, [
          aSeller("rep-x", s, { team: "north" }),
          aSeller("rep-a", s, { team: "north" }),
          aSeller("rep-b", s, { team: "north" }),
        ]),
      record: { times: 2 },
    });
    // New leads (distributed), and leads rep-x already works.
    await path.putLeadsInOrder([
      aFreshLead("N1"),
      aFreshLead("N2"),
      aFreshLead("N3"),
      anOwnedLead("X1", "rep-x", { stage: "contacted" }),
      anOwnedLead("X2", "rep-x", { stage: "contacted", amount: 40_000 }),
      anOwnedLead("X3", "rep-x", { stage: "contacted" }),
      anOwnedLead("X4", "rep-x", { stage: "lead" }),
    ]);
    await path.drain();
    // Stage changes, a manual owner change, an abandoned lead.
    await path.updateLead("N1", { stage: "contacted" });
    await path.updateLead("X1", { stage: "lead" });
    await path.updateLead("X2", { owner: "rep-a", updatedBy: "crm-sync" });
    await path.updateLead("X3", { stage: "abandoned" });
    await path.drain();
    const heldByX = (await path.ownedBy("rep-x")).map((lead) => String(lead.id)).sort();
    expect(heldByX.length).toBeGreaterThan(0);
    // And rep-x leaves.
    await path.updateRep("rep-x", { status: "left" });
    await path.drain();

    const deliveries = path.recorder?.deliveries ?? [];
    expect(deliveries.every((d) => d.response.batchItemFailures.length === 0)).toBe(true);
    const state = await path.scan();

    // Every batch delivered once more, long after (a redelivery after a lost checkpoint).
    for (const { event } of [...deliveries]) {
      const response = await handleStreamEvent(path.runtime, structuredClone(event));
      expect(response).toEqual({ batchItemFailures: [] });
    }
    await path.drain();
    expect(await path.scan(), "replays changed the table").toEqual(state);

    expect(transitions(await path.history("N1"))).toEqual([
      [null, "graded"],
      ["graded", "contacted"],
    ]);
    expect(transitions(await path.history("X1"))).toEqual([
      [null, "contacted"],
      ["contacted", "lead"],
    ]);
    expect(transitions(await path.history("X3"))).toEqual([
      [null, "contacted"],
      ["contacted", "abandoned"],
    ]);
    const ownerChanges = (await path.history("X2")).filter((e) => e.type === "owner-change");
    expect(ownerChanges).toEqual([
      expect.objectContaining({ fromOwner: "rep-x", toOwner: "rep-a", by: "crm-sync" }),
    ]);

    // Each of rep-x's leads moved exactly once; the rest were never moved.
    const journal = (await path.journal("rep-x")).map((entry) => String(entry.leadId)).sort();
    expect(journal).toEqual(heldByX);
    for (const lead of await path.leads()) {
      const id = String(lead.id);
      const assigned = id.startsWith("N") ? 1 : 0;
      const moved = journal.includes(id) ? 1 : 0;
      const cooled = lead.stage === "abandoned" ? 1 : 0;
      expect(lead.version ?? 0, `${id}'s owner changed by the engine`).toBe(
        assigned + moved + cooled,
      );
    }
    expect(await path.ownedBy("rep-x")).toEqual([]);

    const receivers = new Set(
      (await path.journal("rep-x")).map((entry) => entry.to).filter((to) => to !== null),
    );
    expect(keyed(await path.outbox(), "handoff#rep-x#")).toHaveLength(1 + receivers.size);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});

describe("bad records and failures in a batch", () => {
  it("quarantines a lead a writer linked as a duplicate of no lead in the table, and keeps a link to a lead that is there", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-dup-link",
      rules: anEventPathRuleSet(),
      reps: (s) => aTeam(s, [aSeller("rep-a", s)]),
    });
    await path.putLeadsInOrder([
      aFreshLead("D1"),
      aFreshLead("D2", { duplicateOf: "D1" }),
      aFreshLead("D3", { duplicateOf: "NO-SUCH-LEAD" }),
    ]);
    await path.drain();

    expect((await path.problems()).map((p) => [p.pk, p.reason])).toEqual([
      [
        "PROBLEM#LEAD#D3|LEAD",
        'D3: duplicateOf names "NO-SUCH-LEAD", which is not another lead in the table; only the engine links duplicates',
      ],
    ]);
    expect(await path.lead("D2")).toMatchObject({ duplicateOf: "D1", owner: "rep-a" });
    expect(await path.lead("D3")).not.toHaveProperty("owner");
  });

  it("quarantines a lead with an unknown stage and one with a wrong type, naming each, and applies the rest of the batch without a batch failure", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-poison",
      rules: anEventPathRuleSet(),
      reps: (s) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s)]),
      record: {},
    });
    const before = path.recorder?.deliveries.length ?? 0;
    await path.putLeadsInOrder([
      aFreshLead("G1"),
      aFreshLead("P1", { stage: "negotiation" }),
      aMalformedLead("P2", { amount: "lots" }),
      aFreshLead("G2"),
    ]);
    await path.drain();

    const deliveries = path.recorder?.deliveries.slice(before) ?? [];
    const records = deliveries[0]?.event.Records ?? [];
    expect(records.map(keyOf)).toEqual(["LEAD#G1", "LEAD#P1", "LEAD#P2", "LEAD#G2"]);
    for (const delivery of deliveries) expect(delivery.response).toEqual({ batchItemFailures: [] });

    const problems = await path.problems();
    expect(problems.map((p) => [p.pk, p.sk, p.reason]).sort()).toEqual([
      [
        "PROBLEM#LEAD#P1|LEAD",
        sequenceOf(records[1]),
        'P1: stage "negotiation" is not a stage of funnel standard (stages: resource, graded, contacted, lead, intent, signed, implemented, abandoned)',
      ],
      [
        "PROBLEM#LEAD#P2|LEAD",
        sequenceOf(records[2]),
        'P2: "amount" must be a non-negative number, got "lots"',
      ],
    ]);
    expect(await path.lead("G1")).toMatchObject({ owner: "rep-a", grade: "C" });
    expect(await path.lead("G2")).toMatchObject({ owner: "rep-b", grade: "C" });
    for (const id of ["G1", "G2"])
      expect(transitions(await path.history(id)), id).toEqual([[null, "graded"]]);
    for (const id of ["P1", "P2"]) {
      const lead = await path.lead(id);
      expect(lead, id).not.toHaveProperty("grade");
      expect(lead, id).not.toHaveProperty("owner");
      expect(await path.history(id), id).toEqual([]);
    }
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("quarantines a rep record with an unknown status under the rep, and still distributes the new leads of the same batch", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-poison-rep",
      rules: anEventPathRuleSet(),
      reps: (s) => aTeam(s, [aSeller("rep-a", s)]),
    });
    await path.putReps([{ ...aSeller("rep-z", path.suffix), status: "retired" } as unknown as Rep]);
    await path.putLeadsInOrder([aFreshLead("G1")]);
    await path.drain();

    expect((await path.problems()).map((p) => [p.pk, p.reason])).toEqual([
      ["PROBLEM#REP#rep-z|REP", 'rep-z: "status" must be one of active, away, left, got "retired"'],
    ]);
    expect(await path.lead("G1")).toMatchObject({ owner: "rep-a", assignedVia: "least-loaded" });
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("applies a quarantined lead once a person corrects it: the corrected record is treated as the lead's first", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-poison-fixed",
      rules: anEventPathRuleSet(),
      reps: (s) => aTeam(s, [aSeller("rep-a", s)]),
    });
    await path.putLeadsInOrder([
      aFreshLead("P1", { stage: "negotiation" }),
      aMalformedLead("P2", { amount: "lots" }),
    ]);
    await path.drain();
    expect(await path.problems()).toHaveLength(2);

    await path.updateLead("P1", { stage: "graded", updatedBy: "ops" });
    await path.updateLead("P2", { amount: 5_000, updatedBy: "ops" });
    await path.drain();

    for (const id of ["P1", "P2"]) {
      const lead = await path.lead(id);
      expect(lead, id).toMatchObject({ owner: "rep-a", grade: "C", stage: "graded" });
      expect(lead.dueAt, `${id} has a due time`).toEqual(expect.any(String));
      expect(
        transitions(await path.history(id)).map(([, to]) => to),
        `${id}'s history`,
      ).toContain("graded");
    }
    expect(await path.problems(), "the corrections are not quarantined").toHaveLength(2);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("stops the batch at a record that fails for a passing reason, reports its sequence number, and applies nothing after it until the redelivery", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-transient",
      rules: anEventPathRuleSet(),
      reps: (s) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s)]),
      record: {},
    });
    const recorder = path.recorder;
    if (recorder === undefined) throw new Error("the path records");
    path.active = withStores(path.runtime, {
      leads: aLeadStoreFailingOnce(path.runtime.leads, "T2"),
    });
    await path.putLeadsInOrder([aFreshLead("T1"), aFreshLead("T2"), aFreshLead("T3")]);

    await recorder.poller.pollOnce();
    const failedAt = recorder.deliveries.length - 1;
    const failed = recorder.deliveries[failedAt];
    const records = failed?.event.Records ?? [];
    expect(records.map(keyOf)).toEqual(["LEAD#T1", "LEAD#T2", "LEAD#T3"]);
    expect(failed?.response).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceOf(records[1]) }],
    });
    expect(await path.lead("T1")).toMatchObject({ grade: "C", owner: "rep-a" });
    for (const id of ["T2", "T3"]) {
      const lead = await path.lead(id);
      expect(lead, `${id} waits for the redelivery`).not.toHaveProperty("grade");
      expect(lead, id).not.toHaveProperty("owner");
      expect(await path.history(id), id).toEqual([]);
    }

    await path.drain();
    const retry = recorder.deliveries[failedAt + 1];
    expect(keyOf(retry?.event.Records[0]), "the redelivery starts at the failed record").toBe(
      "LEAD#T2",
    );
    expect((await path.lead("T2")).owner).toBe("rep-b");
    expect((await path.lead("T3")).owner).toBe("rep-a");
    for (const id of ["T1", "T2", "T3"])
      expect(transitions(await path.history(id)), id).toEqual([[null, "graded"]]);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});
