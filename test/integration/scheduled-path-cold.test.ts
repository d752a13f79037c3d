import { describe, expect, it } from "vitest";
import { expectAggregatesMatchRecount } from "../support/aggregate-recount";
import { aSeller, aTeam } from "../support/event-path-factories";
import { useLocalStack } from "../support/local-stack";
import {
  aLeadInStageSince,
  aScheduledPath,
  aScheduledPathRuleSet,
  dwellTimerAt,
  plusDays,
  shanghai,
  sweepAt,
} from "../support/scheduled-path-factories";

const stack = useLocalStack();

/** head → mgr-1 → rep-a, rep-b. */
const team = (s: string) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s)]);

const transitions = (history: Record<string, unknown>[]) =>
  history.filter((entry) => entry.type === "transition").map((entry) => [entry.from, entry.to]);

describe("cold handling and dwell actions on DynamoDB Local", () => {
  it("keeps an abandoned lead cold until the cooldown ends, then returns it at the rules' stage and grade and distributes it, with no COLD timer left", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-cold",
      rules: aScheduledPathRuleSet(),
      reps: team,
    });
    const since = shanghai("2026-10-05T10:00");
    await path.putLeads([
      aLeadInStageSince("K1", "rep-a", since, { source: "inbound" }),
      aLeadInStageSince("K2", "rep-a", since),
    ]);
    await path.drain();
    expect((await path.lead("K1")).grade).toBe("A");

    const abandonedAt = shanghai("2026-10-12T10:00");
    await path.updateLead("K1", {
      stage: "abandoned",
      stageEnteredAt: abandonedAt,
      updatedBy: "rep-a",
    });
    await path.drain();
    const coldUntil = plusDays(abandonedAt, 30);
    expect(await path.lead("K1")).toMatchObject({
      stage: "abandoned",
      pool: "cold",
      previousOwner: "rep-a",
      coldUntil,
      duePk: expect.stringMatching(/^COLD#\d$/),
      dueSk: `${coldUntil}#K1`,
    });

    const early = await path.run("release-cold", plusDays(coldUntil, -0.5));
    expect(early).toMatchObject({ status: "done", decisions: 0 });
    expect(await path.lead("K1")).toMatchObject({ stage: "abandoned", pool: "cold", coldUntil });
    expect(await path.jobs.leads.dueColdItems(plusDays(coldUntil, -0.5))).toEqual([]);

    const releasedAt = plusDays(coldUntil, 1);
    const release = await path.run("release-cold", releasedAt);
    expect(release).toMatchObject({ status: "done", decisions: 1 });
    const lead = await path.lead("K1");
    // rep-a still holds K2; rep-b holds nothing, so least-loaded gives it to rep-b.
    expect(lead).toMatchObject({
      stage: "resource",
      grade: "C",
      gradeRule: "cold-return",
      stageEnteredAt: releasedAt,
      owner: "rep-b",
      assignedVia: "least-loaded",
      ownerPk: "OWNER#rep-b",
      ...dwellTimerAt("K1", plusDays(releasedAt, 1)),
    });
    for (const gone of ["pool", "coldUntil"]) expect(lead).not.toHaveProperty(gone);
    expect(lead.assignReason).toMatch(/least loaded/);
    expect(await path.jobs.leads.dueColdItems(plusDays(releasedAt, 365))).toEqual([]);
    expect(transitions(await path.history("K1"))).toEqual([
      [null, "contacted"],
      ["contacted", "abandoned"],
      ["abandoned", "resource"],
    ]);

    const again = await path.run("release-cold", plusDays(releasedAt, 1));
    expect(again.decisions).toBe(0);
    expect((await path.lead("K1")).owner).toBe("rep-b");
    await expectAggregatesMatchRecount(stack, path.tableName);
  });

  it("reassigns a lead stuck for 3× its limit to another rep (never back to its owner) and moves it to the lost stage and the cold pool at 4×", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-actions",
      rules: aScheduledPathRuleSet({
        actions: [
          { after: "3x", do: "reassign" },
          { after: "4x", do: "abandon" },
        ],
      }),
      reps: team,
    });
    // Contacted (5d) since Monday 10-26 08:00: 3× on 11-10 08:00, 4× on 11-15 08:00.
    const entered = shanghai("2026-10-26T08:00");
    const busy = { nextActionAt: shanghai("2026-12-01T09:00") };
    await path.putLeads([
      aLeadInStageSince("D1", "rep-a", entered, { amount: 70_000 }),
      // rep-b holds two more contacted leads, so least-loaded alone would pick rep-a again.
      aLeadInStageSince("B1", "rep-b", shanghai("2026-11-09T09:00"), busy),
      aLeadInStageSince("B2", "rep-b", shanghai("2026-11-09T09:00"), busy),
    ]);
    await path.drain();

    const third = await sweepAt(path, shanghai("2026-11-10T09:00"));
    expect(third.alerts).toEqual([
      ["D1", 0, "rep-a"],
      ["D1", 1, "mgr-1"],
      ["D1", 2, "head"],
    ]);
    const reassigned = await path.lead("D1");
    expect(reassigned).toMatchObject({
      stage: "contacted",
      owner: "rep-b",
      previousOwner: "rep-a",
      assignedVia: "dwell-action",
      ownerPk: "OWNER#rep-b",
      dwellLevel: 3,
      dwellActions: 1,
      ...dwellTimerAt("D1", shanghai("2026-11-15T08:00")),
    });
    expect(reassigned.assignReason).toMatch(/^dwell action: /);
    expect(await path.aggregate("rep-a", "contacted")).toMatchObject({ count: 0, amount: 0 });
    expect(await path.aggregate("rep-b", "contacted")).toMatchObject({ count: 3 });

    const fourth = await sweepAt(path, shanghai("2026-11-16T09:00"));
    expect(fourth.alerts.filter(([leadId]) => leadId === "D1")).toEqual([]);
    const abandoned = await path.lead("D1");
    expect(abandoned).toMatchObject({
      stage: "abandoned",
      pool: "cold",
      previousOwner: "rep-b",
      duePk: expect.stringMatching(/^COLD#\d$/),
    });
    expect(abandoned).not.toHaveProperty("owner");
    expect(transitions(await path.history("D1"))).toEqual([
      [null, "contacted"],
      ["contacted", "abandoned"],
    ]);
    expect((await path.ownedBy("rep-b")).map((item) => item.id).sort()).toEqual(["B1", "B2"]);
    await expectAggregatesMatchRecount(stack, path.tableName);
  });
});
