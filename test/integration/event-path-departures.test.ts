import { describe, expect, it } from "vitest";
import { ownerStagePrefixes } from "../../functions/adapters/item-keys";
import { LISTED_LEADS } from "../../functions/core/email/listed-leads";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { expectAggregatesMatchRecount } from "../support/aggregate-recount";
import { anEventPath, type EventPath, handoffTo, keyed, listedIn } from "../support/event-path";
import {
  anAwaySeller,
  anEventPathRuleSet,
  anOwnedLead,
  aSeller,
  aTeam,
  daysFromNow,
  numberedLeads,
} from "../support/event-path-factories";
import {
  aCrashingDepartureStore,
  aDepartureStoreRefusing,
  withStores,
} from "../support/faulty-stores";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

const STAGES = ["graded", "contacted", "lead"];

/** Team north (leaver rep-x, rep-a, rep-b, rep-w away for a week) and rep-s of team south. */
const northAndSouth = (s: string) =>
  aTeam(s, [
    aSeller("rep-x", s, { team: "north" }),
    aSeller("rep-a", s, { team: "north" }),
    aSeller("rep-b", s, { team: "north" }),
    anAwaySeller("rep-w", s, daysFromNow(7), { team: "north" }),
    aSeller("rep-s", s, { team: "south" }),
  ]);

const leaversLeads = (count: number) =>
  numberedLeads(count, (id, i) =>
    anOwnedLead(id, "rep-x", { stage: STAGES[i % STAGES.length], amount: 1_000 + i }),
  );

/**
 * The handoff is complete: the leaver's manager has one email counting every lead by receiver and
 * listing them (the most valuable first, up to the listing limit), each receiving rep one listing
 * exactly what they received, and there is no other handoff email.
 */
async function expectHandoffComplete(path: EventPath, leaver: string, leadIds: string[]) {
  const handoffs = keyed(await path.outbox(), `handoff#${leaver}#`);
  const manager = handoffTo(handoffs, leaver, "mgr-1")[0];
  expect(manager, "the manager's handoff email").toMatchObject({ to: [path.email("mgr-1")] });

  const received = new Map<string, string[]>();
  const amounts = new Map<string, number>();
  for (const id of leadIds) {
    const lead = await path.lead(id);
    amounts.set(id, Number(lead.amount ?? 0));
    const owner = lead.owner ?? lead.pool;
    if (typeof owner === "string") received.set(owner, [...(received.get(owner) ?? []), id]);
  }
  const mostValuable = new Set(
    [...leadIds]
      .sort((a, b) => (amounts.get(b) ?? 0) - (amounts.get(a) ?? 0) || a.localeCompare(b))
      .slice(0, LISTED_LEADS),
  );
  expect(listedIn(manager, leadIds), "leads the manager's email lists").toEqual(
    leadIds.filter((id) => mostValuable.has(id)),
  );
  const counted = [...String(manager?.text).matchAll(/^\* New owner .+: (\d+) leads?,/gm)].map(
    (match) => Number(match[1]),
  );
  expect(
    counted.reduce((sum, n) => sum + n, 0),
    "leads the manager's email counts by receiver",
  ).toBe(leadIds.length);
  for (const [, ids] of [...received].filter(
    ([id]) => id.startsWith("rep-") || id.startsWith("mgr-"),
  ))
    expect(String(manager?.text)).toContain(`: ${ids.length} lead${ids.length === 1 ? "" : "s"},`);
  for (const [pool] of [...received].filter(
    ([id]) => !id.startsWith("rep-") && !id.startsWith("mgr-"),
  ))
    received.delete(pool);
  for (const [rep, ids] of received) {
    const email = handoffTo(handoffs, leaver, rep)[0];
    expect(email, `${rep}'s handoff email`).toMatchObject({ to: [path.email(rep)] });
    expect(listedIn(email, leadIds), `leads ${rep}'s email lists`).toEqual(ids);
  }
  expect(handoffs).toHaveLength(1 + received.size);
}

describe("a rep leaves", () => {
  it("reassigns all 220 open leads of a departing rep to active reps of the same team or the pool, with handoff emails and matching aggregates", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-departure",
      rules: anEventPathRuleSet({ steps: [{ use: "least-loaded" }], capacity: { maxOpen: 100 } }),
      reps: northAndSouth,
    });
    const leads = leaversLeads(220);
    const ids = leads.map((lead) => lead.id);
    await path.putLeads(leads);
    await path.drain();
    expect(await path.ownedBy("rep-x")).toHaveLength(220);

    await path.updateRep("rep-x", { status: "left", updatedBy: "hr-sync" });
    await path.drain();

    expect(await path.ownedBy("rep-x"), "byOwner still lists leads of the leaver").toEqual([]);
    const after = await path.leads();
    expect(after).toHaveLength(220);
    const owners = new Map<string, number>();
    for (const lead of after) {
      const where = typeof lead.owner === "string" ? lead.owner : `pool ${String(lead.pool)}`;
      owners.set(where, (owners.get(where) ?? 0) + 1);
      expect(lead.previousOwner, String(lead.id)).toBe("rep-x");
      if (lead.owner === undefined) expect(lead).not.toHaveProperty("ownerPk");
      else expect(lead.ownerPk).toBe(`OWNER#${String(lead.owner)}`);
    }
    // Same team, active, at most 100 open each; the rest waits in the pool.
    expect(Object.fromEntries(owners)).toEqual({
      "rep-a": 100,
      "rep-b": 100,
      "pool unassigned": 20,
    });
    const journal = await path.journal("rep-x");
    expect(journal.map((entry) => entry.leadId).sort()).toEqual(ids);
    await expectHandoffComplete(path, "rep-x", ids);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("leaves an away teammate's own leads alone and gives them none of the leaver's, while a teammate whose awayUntil has passed takes some", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-departure-away",
      rules: anEventPathRuleSet(),
      reps: (s) =>
        aTeam(s, [
          aSeller("rep-x", s, { team: "north" }),
          aSeller("rep-a", s, { team: "north" }),
          anAwaySeller("rep-w", s, daysFromNow(7), { team: "north" }),
          anAwaySeller("rep-p", s, daysFromNow(-1), { team: "north" }),
          aSeller("rep-s", s, { team: "south" }),
        ]),
    });
    await path.putLeads([
      ...leaversLeads(6),
      anOwnedLead("W1", "rep-w"),
      anOwnedLead("W2", "rep-w", { stage: "contacted" }),
    ]);
    await path.drain();

    await path.updateRep("rep-x", { status: "left" });
    await path.drain();

    expect((await path.ownedBy("rep-w")).map((lead) => lead.id).sort()).toEqual(["W1", "W2"]);
    expect(await path.ownedBy("rep-s")).toEqual([]);
    expect(await path.ownedBy("rep-x")).toEqual([]);
    const owners = await Promise.all(
      leaversLeads(6).map(async (lead) => (await path.lead(lead.id)).owner),
    );
    expect(owners.filter((owner) => owner === "rep-a")).toHaveLength(3);
    expect(owners.filter((owner) => owner === "rep-p")).toHaveLength(3);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("resumes a departure that crashed half-way: the rest is moved, nothing twice, the emails list every lead, and a third run changes nothing", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-departure-crash",
      rules: anEventPathRuleSet(),
      reps: northAndSouth,
      record: {},
    });
    const leads = leaversLeads(40);
    const ids = leads.map((lead) => lead.id);
    await path.putLeads(leads);
    await path.drain();
    const recorder = path.recorder;
    if (recorder === undefined) throw new Error("the path records");

    // The function dies after 15 moves; the poller gets the REP record back as a batch failure.
    const crashing = aCrashingDepartureStore(path.runtime.departures, 15);
    path.active = withStores(path.runtime, { departures: crashing.store });
    await path.updateRep("rep-x", { status: "left" });
    await recorder.poller.pollOnce();
    await crashing.settled();
    const crashed = recorder.deliveries.at(-1);
    const repRecord = crashed?.event.Records[0];
    expect(repRecord?.dynamodb?.Keys?.pk?.S).toBe("REP#rep-x");
    expect(crashed?.response).toEqual({
      batchItemFailures: [{ itemIdentifier: repRecord?.dynamodb?.SequenceNumber }],
    });
    expect(await path.journal("rep-x")).toHaveLength(15);
    expect(await path.ownedBy("rep-x")).toHaveLength(25);
    expect(keyed(await path.outbox(), "handoff#")).toEqual([]);

    // The stream delivers the record again, to a healthy function.
    path.active = path.runtime;
    await path.drain();

    expect(await path.ownedBy("rep-x")).toEqual([]);
    const journal = await path.journal("rep-x");
    expect(journal.map((entry) => entry.leadId).sort()).toEqual(ids);
    for (const id of ids) {
      const lead = await path.lead(id);
      expect(lead.version, `${id} moved once`).toBe(1);
      expect(["rep-a", "rep-b"], `${id} stays in team north`).toContain(lead.owner);
    }
    await expectHandoffComplete(path, "rep-x", ids);

    // A third delivery of the same REP record finds nothing left to do.
    const before = await path.scan();
    const again = await handleStreamEvent(path.runtime, {
      Records: [structuredClone(repRecord ?? {})],
    });
    expect(again).toEqual({ batchItemFailures: [] });
    await path.drain();
    expect(await path.scan()).toEqual(before);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("moves every lead of a rep who left, came back and leaves again, and sends a handoff for the second departure", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-departure-again",
      rules: anEventPathRuleSet(),
      reps: northAndSouth,
    });
    await path.putLeads(leaversLeads(4));
    await path.drain();
    await path.updateRep("rep-x", { status: "left", updatedBy: "hr-sync" });
    await path.drain();
    const first = handoffTo(await path.outbox(), "rep-x", "mgr-1");
    expect(listedIn(first[0], ["L001", "L002", "L003", "L004"])).toHaveLength(4);

    // Marked as left by mistake: back to active, L001 handed back, and a new lead for rep-x.
    await path.updateRep("rep-x", { status: "active", updatedBy: "hr-sync" });
    await path.updateLead("L001", { owner: "rep-x", updatedBy: "mgr-1" });
    await path.putLeads([anOwnedLead("L005", "rep-x")]);
    await path.drain();
    expect((await path.ownedBy("rep-x")).map((lead) => lead.id).sort()).toEqual(["L001", "L005"]);

    // Months later rep-x really leaves.
    await path.updateRep("rep-x", { status: "left", updatedBy: "hr-sync" });
    await path.drain();

    expect(await path.ownedBy("rep-x"), "leads left with the departed rep").toEqual([]);
    const handoffs = handoffTo(await path.outbox(), "rep-x", "mgr-1");
    expect(
      handoffs.some((email) => listedIn(email, ["L001", "L005"]).length === 2),
      "a handoff email to the manager lists the second departure's leads",
    ).toBe(true);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("moves a lead handed by hand to a rep who has already left on to a teammate, and reads no rep for a stage change that keeps a lead with its owner", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-departure-late",
      rules: anEventPathRuleSet(),
      reps: northAndSouth,
    });
    await path.putLeads([anOwnedLead("L001", "rep-a"), anOwnedLead("L002", "rep-a")]);
    await path.drain();
    await path.updateRep("rep-x", { status: "left", updatedBy: "hr-sync" });
    await path.drain();

    const store = path.runtime.reps;
    const get = store.get.bind(store);
    const repsRead: string[] = [];
    store.get = async (repId) => {
      repsRead.push(repId);
      return get(repId);
    };
    await path.updateLead("L002", { stage: "contacted", updatedBy: "crm" });
    await path.drain();
    expect(repsRead, "reps read for a stage change by the same owner").toEqual([]);

    await path.updateLead("L001", { owner: "rep-x", updatedBy: "mgr-1" });
    await path.drain();
    expect(repsRead).toContain("rep-x");
    const moved = await path.lead("L001");
    expect(["rep-a", "rep-b"], "L001's owner after the hand change to rep-x").toContain(
      moved.owner,
    );
    expect(moved.previousOwner).toBe("rep-x");
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("reads each lead of a rep's byOwner partition once, in ranges split at the stages, whatever stage or funnel its key names", async () => {
    const rules = anEventPathRuleSet();
    const path = await anEventPath(stack, {
      prefix: "ep-departure-ranges",
      rules,
      reps: northAndSouth,
    });
    const leads = leaversLeads(12);
    await path.putLeads(leads);
    await path.drain();
    const funnel = rules.funnels[0]?.id ?? "";
    const splitAt = ownerStagePrefixes(rules);
    // Keys the stages' ranges meet at or fall outside of: written without a funnel, a funnel that
    // sorts first, a stage the rules no longer have, and one exactly at a split point.
    const odd = ["#graded#0#L001", "0000#x#L002", `${funnel}#zzz-retired#L003`, `${funnel}#lead#`];
    for (const [i, ownerSk] of odd.entries()) await path.updateLead(`L00${i + 1}`, { ownerSk });

    const read = await path.runtime.departures.ownedBy("rep-x", splitAt);
    expect(read.map((lead) => lead.id).sort()).toEqual(leads.map((lead) => lead.id).sort());
    expect(splitAt).toContain(`${funnel}#lead#`);
  });

  it("lists every lead in the handoff emails when a lead that kept changing was only moved on the retry", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-departure-retry",
      rules: anEventPathRuleSet(),
      reps: northAndSouth,
      record: {},
    });
    const leads = leaversLeads(12);
    const ids = leads.map((lead) => lead.id);
    await path.putLeads(leads);
    await path.drain();
    const recorder = path.recorder;
    if (recorder === undefined) throw new Error("the path records");

    // L005 cannot be moved in any of the three passes of the first run (its move keeps being
    // refused, as when the lead changes underneath or its transaction keeps conflicting).
    const refusing = aDepartureStoreRefusing(path.runtime.departures, "L005", 3);
    path.active = withStores(path.runtime, { departures: refusing.store });
    await path.updateRep("rep-x", { status: "left" });
    await recorder.poller.pollOnce();
    expect(refusing.refused()).toBe(3);
    expect(recorder.deliveries.at(-1)?.response.batchItemFailures).toHaveLength(1);
    expect((await path.ownedBy("rep-x")).map((lead) => lead.id)).toEqual(["L005"]);

    path.active = path.runtime;
    await path.drain();

    expect(await path.ownedBy("rep-x")).toEqual([]);
    expect((await path.journal("rep-x")).map((entry) => entry.leadId).sort()).toEqual(ids);
    await expectHandoffComplete(path, "rep-x", ids);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});
