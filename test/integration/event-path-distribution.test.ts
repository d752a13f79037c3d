import { describe, expect, it } from "vitest";
import { fixedClock } from "../../functions/adapters/clock";
import { ownerKeys } from "../../functions/adapters/item-keys";
import { createLocalRuntime } from "../../functions/local/local-runtime";
import { readInbox } from "../../functions/local/ses-inbox";
import { expectAggregatesMatchRecount } from "../support/aggregate-recount";
import { anEventPath, expectAssigned, keyed } from "../support/event-path";
import {
  aFreshLead,
  anAwaySeller,
  anEventPathRuleSet,
  anOwnedLead,
  aSeller,
  aTeam,
  daysFromNow,
  numberedLeads,
} from "../support/event-path-factories";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

const pools = (unassignedManager?: string) => [
  { id: "unassigned", label: "Unassigned", manager: unassignedManager },
  { id: "cold", label: "Cooling off" },
];

describe("distribution of new leads through the stream", () => {
  it("round robin rotates new leads across the reps in id order, and a new runtime continues from the persisted cursor", async () => {
    const rules = anEventPathRuleSet({ steps: [{ use: "round-robin" }] });
    const path = await anEventPath(stack, {
      prefix: "ep-rr",
      rules,
      reps: (s) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s), aSeller("rep-c", s)]),
    });
    await path.putLeadsInOrder(["N1", "N2", "N3", "N4"].map((id) => aFreshLead(id)));
    await path.drain();

    const expected = { N1: "rep-a", N2: "rep-b", N3: "rep-c", N4: "rep-a" };
    for (const [id, owner] of Object.entries(expected))
      await expectAssigned(path, id, { owner, via: "round-robin", reason: "round robin" });
    expect(await path.get("CURSOR#rr#standard", "CURSOR")).toMatchObject({ repId: "rep-a" });
    expect(await path.aggregate("rep-a", "graded")).toMatchObject({ count: 2, amount: 20_000 });
    expect(await path.aggregate("rep-b", "graded")).toMatchObject({ count: 1, amount: 10_000 });

    // A cold start: another runtime, reading the whole stream again, goes on after rep-a.
    const restarted = createLocalRuntime({
      stack: { ...stack, tableName: path.tableName },
      rules,
      clock: fixedClock(Date.now()),
      report: () => {},
    });
    try {
      await path.putLeadsInOrder([aFreshLead("N5")]);
      await restarted.poller.drain({ timeoutMs: 30_000 });
    } finally {
      await restarted.stop();
    }
    await expectAssigned(path, "N5", { owner: "rep-b", via: "round-robin", reason: "round robin" });
    for (const [id, owner] of Object.entries(expected))
      expect((await path.lead(id)).owner, `${id} is not handed out again`).toBe(owner);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("least loaded fills the rep furthest below the stage's ideal, counting the leads they already own", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-ll",
      rules: anEventPathRuleSet({ steps: [{ use: "least-loaded" }] }),
      reps: (s) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s), aSeller("rep-c", s)]),
    });
    const holders = ["rep-a", "rep-a", "rep-a", "rep-b", "rep-c", "rep-c"];
    await path.putLeads(numberedLeads(6, (id, i) => anOwnedLead(id, holders[i] ?? "rep-a"), "E"));
    await path.drain();

    await path.putLeadsInOrder(["N1", "N2", "N3"].map((id) => aFreshLead(id)));
    await path.drain();

    await expectAssigned(path, "N1", {
      owner: "rep-b",
      via: "least-loaded",
      reason: "least loaded: 1 of 10 graded",
    });
    await expectAssigned(path, "N2", {
      owner: "rep-b",
      via: "least-loaded",
      reason: "least loaded: 2 of 10 graded",
    });
    await expectAssigned(path, "N3", {
      owner: "rep-c",
      via: "least-loaded",
      reason: "least loaded: 2 of 10 graded",
    });
    for (const rep of ["rep-a", "rep-b", "rep-c"])
      expect(await path.aggregate(rep, "graded"), rep).toMatchObject({ count: 3, amount: 30_000 });
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("territory gives a lead to a rep of its region, a single match decides alone, and no match pools it", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-territory",
      rules: anEventPathRuleSet({
        steps: [
          { use: "territory", leadField: "region", repField: "region" },
          { use: "least-loaded" },
        ],
      }),
      reps: (s) =>
        aTeam(s, [
          aSeller("rep-a", s, { region: "华东" }),
          aSeller("rep-b", s, { region: "华北" }),
          aSeller("rep-c", s, { region: "华东" }),
        ]),
    });
    await path.putLeadsInOrder([
      aFreshLead("E1", { region: "华东" }),
      aFreshLead("E2", { region: "华东" }),
      aFreshLead("N1", { region: "华北" }),
      aFreshLead("W1", { region: "西南" }),
    ]);
    await path.drain();

    await expectAssigned(path, "E1", {
      owner: "rep-a",
      via: "least-loaded",
      reason: "territory 华东 → least loaded: 0 of 10 graded",
    });
    await expectAssigned(path, "E2", {
      owner: "rep-c",
      via: "least-loaded",
      reason: "territory 华东 → least loaded: 0 of 10 graded",
    });
    await expectAssigned(path, "N1", {
      owner: "rep-b",
      via: "territory",
      reason: "territory 华北 → the only candidate left: Seller rep-b",
    });
    const west = await path.lead("W1");
    expect(west).toMatchObject({
      pool: "unassigned",
      assignedVia: "no-eligible-rep",
      assignReason: "no eligible rep: territory 西南 has no available seller",
    });
    expect(west).not.toHaveProperty("owner");
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("grade routing sends an A-grade lead to the named team although others hold less, and leaves other grades to the pick", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-grade",
      rules: anEventPathRuleSet({
        steps: [
          { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
          { use: "least-loaded" },
        ],
      }),
      reps: (s) =>
        aTeam(s, [
          aSeller("rep-a", s),
          aSeller("rep-b", s),
          aSeller("rep-k", s, { team: "key-accounts" }),
        ]),
    });
    await path.putLeads([anOwnedLead("K1", "rep-k"), anOwnedLead("K2", "rep-k")]);
    await path.drain();

    await path.putLeadsInOrder([
      aFreshLead("A1", { source: "inbound" }),
      aFreshLead("C1", { source: "directory" }),
    ]);
    await path.drain();

    const routed = await expectAssigned(path, "A1", {
      owner: "rep-k",
      via: "grade-routing",
      reason: "grade A → team key-accounts → the only candidate left: Seller rep-k",
    });
    expect(routed.grade).toBe("A");
    const other = await expectAssigned(path, "C1", {
      owner: "rep-a",
      via: "least-loaded",
      reason: "least loaded: 0 of 10 graded",
    });
    expect(other.grade).toBe("C");
    expect(await path.aggregate("rep-k", "graded")).toMatchObject({ count: 3, amount: 30_000 });
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("the discoverer gets their own find first, beyond the cap thanks to the bonus, while the next lead goes to someone else", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-discoverer",
      rules: anEventPathRuleSet({
        steps: [{ use: "discoverer", bonus: 2 }, { use: "least-loaded" }],
        capacity: { maxOpen: 2 },
      }),
      reps: (s) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s)]),
    });
    await path.putLeads([anOwnedLead("K1", "rep-a"), anOwnedLead("K2", "rep-a")]);
    await path.drain();

    await path.putLeadsInOrder([aFreshLead("D1", { discoveredBy: "rep-a" }), aFreshLead("P1")]);
    await path.drain();

    await expectAssigned(path, "D1", {
      owner: "rep-a",
      via: "discoverer",
      reason:
        "discoverer: found by Seller rep-a, beyond the cap thanks to the bonus: holds 2 open leads (cap 2 + 2)",
    });
    await expectAssigned(path, "P1", {
      owner: "rep-b",
      via: "least-loaded",
      reason: "least loaded: 0 of 10 graded",
    });
    expect(await path.aggregate("rep-a", "graded")).toMatchObject({ count: 3, amount: 30_000 });
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("applies the steps in rule order: an away discoverer is passed over, then the grade route, the territory and the pick", async () => {
    const back = daysFromNow(7);
    const path = await anEventPath(stack, {
      prefix: "ep-steps",
      rules: anEventPathRuleSet({
        steps: [
          { use: "discoverer", bonus: 2 },
          { use: "grade-routing", routes: { A: { team: "key-accounts" } } },
          { use: "territory", leadField: "region", repField: "region", fallback: "anyone" },
          { use: "least-loaded" },
        ],
      }),
      reps: (s) =>
        aTeam(s, [
          anAwaySeller("rep-d", s, back, { team: "key-accounts", region: "华东" }),
          aSeller("rep-k1", s, { team: "key-accounts", region: "华东" }),
          aSeller("rep-k2", s, { team: "key-accounts", region: "华北" }),
          aSeller("rep-g", s, { region: "华东" }),
        ]),
    });
    await path.putLeadsInOrder([
      aFreshLead("X1", { source: "inbound", region: "华东", discoveredBy: "rep-d" }),
      aFreshLead("X2", { employees: 200, region: "西南" }),
    ]);
    await path.drain();

    await expectAssigned(path, "X1", {
      owner: "rep-k1",
      via: "territory",
      reason: `discoverer Seller rep-d is away until ${back} → grade A → team key-accounts → territory 华东 → the only candidate left: Seller rep-k1`,
    });
    await expectAssigned(path, "X2", {
      owner: "rep-g",
      via: "least-loaded",
      reason:
        "territory 西南 has no available seller, so any territory → least loaded: 0 of 10 graded",
    });
    expect((await path.lead("X2")).grade).toBe("B");
    expect(await path.ownedBy("rep-d")).toEqual([]);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("lists a lead written without a funnel on the byOwner index under the first funnel's stage", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-no-funnel",
      rules: anEventPathRuleSet(),
      reps: (s) => aTeam(s, [aSeller("rep-a", s)]),
    });
    await path.putLeads([aFreshLead("F1", { funnel: undefined })]);
    await path.drain();

    const lead = await path.lead("F1");
    expect(lead).toMatchObject({ owner: "rep-a", ownerPk: "OWNER#rep-a" });
    expect(lead.ownerSk).toBe(
      ownerKeys("rep-a", "standard", "graded", "F1", lead.amount as number | undefined).ownerSk,
    );
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});

describe("when no rep is eligible", () => {
  it("pools three leads that find no rep and emails the pool's manager once that day; a later lead adds no email", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-no-rep",
      rules: anEventPathRuleSet({}, { pools: pools("mgr-1") }),
      reps: (s) => aTeam(s, [anAwaySeller("rep-a", s, daysFromNow(7))]),
    });
    await path.putLeads(["P1", "P2", "P3"].map((id) => aFreshLead(id)));
    await path.drain();

    for (const id of ["P1", "P2", "P3"]) {
      const lead = await path.lead(id);
      expect(lead, id).toMatchObject({
        pool: "unassigned",
        assignedVia: "no-eligible-rep",
        assignReason: "no eligible rep: the only seller is away",
      });
      expect(lead, id).not.toHaveProperty("owner");
      expect(lead, id).not.toHaveProperty("ownerPk");
    }
    const first = keyed(await path.outbox(), "no-rep#");
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      key: expect.stringMatching(/^no-rep#unassigned#\d{4}-\d{2}-\d{2}#[^#]+$/),
      status: "pending",
      recipientId: "mgr-1",
      to: [path.email("mgr-1")],
    });

    await path.putLeads([aFreshLead("P4")]);
    await path.drain();
    expect((await path.lead("P4")).pool).toBe("unassigned");
    expect(await path.outbox()).toHaveLength(1);

    // Sent once by the outbox; nothing else reaches the manager.
    const sent = await path.runtime.outbox.drain(Date.now());
    expect(sent.sent).toHaveLength(1);
    const inbox = (await readInbox(stack.sesEndpoint)).filter((m) =>
      m.to.includes(path.email("mgr-1")),
    );
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.subject).toContain("New leads are waiting in Unassigned: no rep is eligible");
    expect(await path.ownedBy("rep-a")).toEqual([]);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("tells the head of the organisation when the pool has no manager", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-no-rep-head",
      rules: anEventPathRuleSet({}, { pools: pools() }),
      reps: (s) => aTeam(s, [anAwaySeller("rep-a", s, daysFromNow(7))]),
    });
    await path.putLeads([aFreshLead("P1")]);
    await path.drain();

    expect(await path.outbox()).toEqual([
      expect.objectContaining({ recipientId: "head", to: [path.email("head")] }),
    ]);
  });

  it("tells the head, not the pool's manager, when whenNoRep.notify is [head]", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-no-rep-notify",
      rules: anEventPathRuleSet(
        { whenNoRep: { pool: "unassigned", notify: ["head"] } },
        { pools: pools("mgr-1") },
      ),
      reps: (s) => aTeam(s, [anAwaySeller("rep-a", s, daysFromNow(7))]),
    });
    await path.putLeads([aFreshLead("P1")]);
    await path.drain();

    expect((await path.outbox()).map((email) => email.recipientId)).toEqual(["head"]);
  });
});

describe("away reps and new leads", () => {
  it("gives an away rep no new leads until awayUntil has passed; a rep whose awayUntil has passed takes leads again", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-away",
      rules: anEventPathRuleSet(),
      reps: (s) =>
        aTeam(s, [
          anAwaySeller("rep-a", s, daysFromNow(7)),
          anAwaySeller("rep-b", s, daysFromNow(-1)),
          aSeller("rep-c", s),
        ]),
    });
    await path.putLeadsInOrder(["N1", "N2", "N3", "N4"].map((id) => aFreshLead(id)));
    await path.drain();

    const owners = await Promise.all(
      ["N1", "N2", "N3", "N4"].map(async (id) => (await path.lead(id)).owner),
    );
    expect(owners).toEqual(["rep-b", "rep-c", "rep-b", "rep-c"]);
    expect(await path.ownedBy("rep-a")).toEqual([]);
    expect(await path.aggregate("rep-a", "graded")).toBeUndefined();
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});

describe("duplicates", () => {
  it("gives a lead duplicating an open lead (same company, or same phone) to that lead's owner, linked, instead of distributing it", async () => {
    const path = await anEventPath(stack, {
      prefix: "ep-duplicate",
      rules: anEventPathRuleSet({
        duplicates: { matchOn: [["company"], ["contact.phone"]] },
      }),
      reps: (s) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s)]),
    });
    await path.putLeadsInOrder([
      anOwnedLead("O1", "rep-a", {
        company: "Acme Trading Co.",
        contact: { name: "Li Na", phone: "13812345678" },
      }),
      anOwnedLead("O2", "rep-a", { company: "Beta Foods" }),
      anOwnedLead("O3", "rep-a", { company: "Gamma Steel" }),
    ]);
    await path.drain();

    await path.putLeadsInOrder([
      aFreshLead("D1", { company: "ACME trading co" }),
      aFreshLead("D2", { company: "Delta Paper", contact: { phone: "138 1234 5678" } }),
      aFreshLead("N1", { company: "Epsilon Glass" }),
    ]);
    await path.drain();

    const byCompany = await expectAssigned(path, "D1", {
      owner: "rep-a",
      via: "duplicate",
      reason: "duplicate of O1 (same company): goes to its owner rep-a, linked",
    });
    expect(byCompany.duplicateOf).toBe("O1");
    const byPhone = await expectAssigned(path, "D2", {
      owner: "rep-a",
      via: "duplicate",
      reason: "duplicate of O1 (same contact.phone): goes to its owner rep-a, linked",
    });
    expect(byPhone.duplicateOf).toBe("O1");
    const fresh = await expectAssigned(path, "N1", {
      owner: "rep-b",
      via: "least-loaded",
      reason: "least loaded: 0 of 10 graded",
    });
    expect(fresh).not.toHaveProperty("duplicateOf");
    expect(await path.aggregate("rep-a", "graded")).toMatchObject({ count: 5, amount: 50_000 });
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});
