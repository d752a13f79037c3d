import { describe, expect, it } from "vitest";
import { decideRelease } from "../../../functions/core/cold-release";
import type {
  DwellActionDecision,
  DwellAlertDecision,
  TimerDecision,
} from "../../../functions/core/decisions";
import { decideDwell } from "../../../functions/core/sweep";
import { aLead, anOrg, aRuleSet, at } from "../../support/factories";

const entered = "2026-11-02T01:00:00.000Z"; // contacted, 5d limit
const withDwell = (dwell: object) =>
  aRuleSet({
    alerts: {
      dwell: {
        escalation: [
          { after: "1x", notify: "owner" },
          { after: "2x", notify: "manager" },
        ],
        ...dwell,
      },
    },
  });

describe("dwell reminders", () => {
  const rules = withDwell({ remindEvery: "2d" });

  it("reminds the last level every remindEvery once the chain is complete", () => {
    const lead = aLead({
      stageEnteredAt: entered,
      dwellLevel: 2,
      dwellRemindedAt: "2026-11-12T01:00:00.000Z",
    });
    const { alerts, timer } = decideDwell(rules, lead, anOrg(), at("2026-11-14T02:00:00Z"));
    expect(alerts.map((a) => [a.level, a.notify])).toEqual([[1, "manager"]]);
    expect(alerts[0]?.reason).toMatch(/^reminder: still in contacted/);
    expect(timer).toMatchObject({
      remindedAt: "2026-11-14T02:00:00.000Z",
      nextCheckAt: "2026-11-16T02:00:00.000Z",
    });
  });

  it("does not remind before the interval has passed", () => {
    const lead = aLead({
      stageEnteredAt: entered,
      dwellLevel: 2,
      dwellRemindedAt: "2026-11-13T01:00:00.000Z",
    });
    const { alerts, timer } = decideDwell(rules, lead, anOrg(), at("2026-11-14T02:00:00Z"));
    expect(alerts).toEqual([]);
    expect(timer.nextCheckAt).toBe("2026-11-15T01:00:00.000Z");
  });

  it("repeats nothing when the rules ask for no reminders", () => {
    const { alerts, timer } = decideDwell(
      withDwell({}),
      aLead({ stageEnteredAt: entered, dwellLevel: 2 }),
      anOrg(),
      at("2026-11-30T00:00:00Z"),
    );
    expect(alerts).toEqual([]);
    expect(timer.nextCheckAt).toBeNull();
  });
});

describe("dwell actions", () => {
  const rules = withDwell({
    actions: [
      { after: "3x", do: "reassign" },
      { after: "4x", do: "abandon" },
    ],
  });

  it("reassigns a lead left over 3× its limit, once, and plans the next action", () => {
    const { actions, timer } = decideDwell(
      rules,
      aLead({ stageEnteredAt: entered, dwellLevel: 2 }),
      anOrg(),
      at("2026-11-17T02:00:00Z"),
    );
    expect(actions).toEqual([
      expect.objectContaining<Partial<DwellActionDecision>>({ action: "reassign", actionsDone: 1 }),
    ]);
    expect(timer).toMatchObject<Partial<TimerDecision>>({
      actionsDone: 1,
      nextCheckAt: "2026-11-22T01:00:00.000Z",
    });
  });

  it("takes an action already taken for this stage entry only once", () => {
    const lead = aLead({ stageEnteredAt: entered, dwellLevel: 2, dwellActions: 1 });
    expect(decideDwell(rules, lead, anOrg(), at("2026-11-18T00:00:00Z")).actions).toEqual([]);
  });

  it("moves a lead to the lost stage after 4× its limit and plans nothing after that", () => {
    const lead = aLead({ stageEnteredAt: entered, dwellLevel: 2, dwellActions: 1 });
    const { actions, timer } = decideDwell(rules, lead, anOrg(), at("2026-11-23T00:00:00Z"));
    expect(actions.map((a) => a.action)).toEqual(["abandon"]);
    expect(timer.nextCheckAt).toBeNull();
  });

  it("still alerts the escalation levels the lead reached on the way", () => {
    const { alerts } = decideDwell(
      rules,
      aLead({ stageEnteredAt: entered }),
      anOrg(),
      at("2026-11-17T02:00:00Z"),
    );
    expect((alerts as DwellAlertDecision[]).map((a) => a.level)).toEqual([0, 1]);
  });
});

describe("cold release", () => {
  const rules = aRuleSet({
    pools: [{ id: "cold", label: "Cold" }],
    cold: { cooldown: "30d", pool: "cold", returnTo: { stage: "resource", grade: "C" } },
  });
  const cold = aLead({
    owner: undefined,
    stage: "abandoned",
    pool: "cold",
    grade: "A",
    coldUntil: "2026-12-01T00:00:00.000Z",
    previousOwner: "rep-1",
  });

  it("brings a lead back at the rules' stage and grade once its cooldown has ended", () => {
    expect(decideRelease(rules, cold, at("2026-12-01T00:00:00Z"))).toMatchObject({
      stage: "resource",
      grade: "C",
      funnel: "standard",
    });
  });

  it("keeps a lead in the cold pool until the cooldown ends", () => {
    expect(decideRelease(rules, cold, at("2026-11-30T23:59:59Z"))).toBeUndefined();
  });

  it("keeps the lead's grade when the rules say keep", () => {
    const keep = aRuleSet({
      pools: [{ id: "cold", label: "Cold" }],
      cold: { cooldown: "30d", pool: "cold", returnTo: { stage: "graded", grade: "keep" } },
    });
    expect(decideRelease(keep, cold, at("2026-12-02T00:00:00Z"))).toMatchObject({
      stage: "graded",
      grade: "A",
    });
  });

  it("leaves alone a lead someone has taken out of the cold pool", () => {
    expect(
      decideRelease(
        rules,
        { ...cold, pool: undefined, owner: "rep-2" },
        at("2026-12-02T00:00:00Z"),
      ),
    ).toBeUndefined();
  });
});
