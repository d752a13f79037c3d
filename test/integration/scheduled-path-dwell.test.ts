import { describe, expect, it } from "vitest";
import { aSeller, aTeam } from "../support/event-path-factories";
import { withStores } from "../support/faulty-stores";
import { useLocalStack } from "../support/local-stack";
import {
  aLeadInStageSince,
  aLeadStoreFailingTimers,
  aScheduledPath,
  aScheduledPathRuleSet,
  dwellTimerAt,
  shanghai,
  sweepAt,
} from "../support/scheduled-path-factories";

const stack = useLocalStack();

/** head → mgr-1 → rep-a, rep-b. */
const team = (s: string) => aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s)]);

/** Entered contacted (5d) on Monday 2026-11-02 08:00 in Shanghai: 1×, 2×, 3× fall due below. */
const ENTERED = shanghai("2026-11-02T08:00");
const ONE_X = shanghai("2026-11-07T08:00");
const TWO_X = shanghai("2026-11-12T08:00");
const THREE_X = shanghai("2026-11-17T08:00");

describe("the dwell sweep on DynamoDB Local", () => {
  it("counts a business-day limit over the October holidays and the worked Saturday: due 2026-10-10 10:00, silent on the 9th, the owner told on the 10th", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-bd",
      rules: aScheduledPathRuleSet(),
      reps: team,
    });
    // intent has a 3bd limit; 10-01..10-07 are holidays, Saturday 10-10 is a working day.
    await path.putLeads([
      aLeadInStageSince("H1", "rep-a", shanghai("2026-09-30T10:00"), { stage: "intent" }),
    ]);
    await path.drain();
    const due = shanghai("2026-10-10T10:00");
    expect(due).toBe("2026-10-10T02:00:00.000Z");
    expect(await path.lead("H1")).toMatchObject({
      dueAt: due,
      dwellLevel: 0,
      ...dwellTimerAt("H1", due),
    });

    // A holiday: the working-days-only sweep does not run at all.
    const holiday = await sweepAt(path, shanghai("2026-10-05T09:00"));
    expect(holiday.result).toMatchObject({ status: "skipped", emailsSent: 0 });

    const friday = await sweepAt(path, shanghai("2026-10-09T09:00"));
    expect(friday.result).toMatchObject({ status: "done", emailsSent: 0 });
    expect(friday.alerts).toEqual([]);
    expect(await path.lead("H1")).toMatchObject({ dwellLevel: 0, ...dwellTimerAt("H1", due) });
    expect(await path.inbox("rep-a")).toEqual([]);

    const saturday = await sweepAt(path, shanghai("2026-10-10T11:00"));
    expect(saturday.result).toMatchObject({ status: "done", emailsSent: 1 });
    expect(saturday.alerts).toEqual([["H1", 0, "rep-a"]]);
    const inbox = await path.inbox("rep-a");
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.text).toContain("- Customer H1 [Intent] 3.0 of 3 business days in stage");
    // 2 × 3bd from 09-30 10:00: 10-08, 10-09, 10-10, 10-12, 10-13, 10-14.
    expect(await path.lead("H1")).toMatchObject({
      dwellLevel: 1,
      ...dwellTimerAt("H1", shanghai("2026-10-14T10:00")),
    });
  });

  it("escalates to the owner at 1×, the manager at 2× and the manager's manager at 3×, each getting only the email of their level", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-esc",
      rules: aScheduledPathRuleSet(),
      reps: team,
    });
    await path.putLeads([aLeadInStageSince("E1", "rep-a", ENTERED)]);
    await path.drain();
    expect(await path.lead("E1")).toMatchObject({ dueAt: ONE_X, ...dwellTimerAt("E1", ONE_X) });
    const counts = async () => ({
      owner: (await path.inbox("rep-a")).length,
      manager: (await path.inbox("mgr-1")).length,
      head: (await path.inbox("head")).length,
    });

    const first = await sweepAt(path, shanghai("2026-11-09T09:00"));
    expect(first.alerts).toEqual([["E1", 0, "rep-a"]]);
    expect(await counts()).toEqual({ owner: 1, manager: 0, head: 0 });
    expect(await path.lead("E1")).toMatchObject({ dwellLevel: 1, ...dwellTimerAt("E1", TWO_X) });

    // Just before 2×: nothing is due.
    const before = await sweepAt(path, shanghai("2026-11-12T07:00"));
    expect(before.alerts).toEqual([]);

    const second = await sweepAt(path, shanghai("2026-11-12T09:00"));
    expect(second.alerts).toEqual([["E1", 1, "mgr-1"]]);
    expect(await counts()).toEqual({ owner: 1, manager: 1, head: 0 });
    expect(await path.lead("E1")).toMatchObject({
      dwellLevel: 2,
      ...dwellTimerAt("E1", THREE_X),
    });

    const third = await sweepAt(path, shanghai("2026-11-17T09:00"));
    expect(third.alerts).toEqual([["E1", 2, "head"]]);
    expect(await counts()).toEqual({ owner: 1, manager: 1, head: 1 });
    const done = await path.lead("E1");
    expect(done.dwellLevel).toBe(3);
    expect(done, "the chain is complete: no timer").not.toHaveProperty("duePk");
    expect(done).not.toHaveProperty("dueSk");

    const [owner] = await path.inbox("rep-a");
    const [manager] = await path.inbox("mgr-1");
    const [head] = await path.inbox("head");
    expect(owner?.text).toContain("== Your leads ==");
    expect(manager?.text).toContain("== Your team's leads (escalated) ==");
    expect(head?.text).toContain("== Escalated from your managers' teams ==");
    for (const email of [owner, manager, head]) {
      expect(email?.text).toContain("- Customer E1 [Contacted]");
      expect(email?.text).toContain("Owner: Seller rep-a");
    }

    // Later sweeps have nothing left to say about E1.
    const later = await sweepAt(path, shanghai("2026-11-20T09:00"));
    expect(later.alerts).toEqual([]);
    expect(await counts()).toEqual({ owner: 1, manager: 1, head: 1 });
  });

  it("sends no repeat alert: the same run retried and a sweep the next day add no email, and the timer stays on the next level", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-norepeat",
      rules: aScheduledPathRuleSet(),
      reps: team,
    });
    await path.putLeads([aLeadInStageSince("R1", "rep-a", ENTERED)]);
    await path.drain();
    const at = shanghai("2026-11-09T09:00");

    const run = await sweepAt(path, at);
    expect(run.result).toMatchObject({ status: "done", emailsSent: 1 });
    expect(await path.digest("rep-a", at)).toMatchObject({ status: "sent", attempts: 0 });
    const afterRun = await path.lead("R1");
    expect(afterRun).toMatchObject({ dwellLevel: 1, ...dwellTimerAt("R1", TWO_X) });

    const retry = await sweepAt(path, at);
    expect(retry.result).toMatchObject({ status: "done", emailsSent: 0 });
    expect(retry.alerts).toEqual([]);

    const nextDay = await sweepAt(path, shanghai("2026-11-10T09:00"));
    expect(nextDay.result).toMatchObject({ status: "done", emailsSent: 0 });
    expect(nextDay.alerts).toEqual([]);

    expect(await path.inbox("rep-a")).toHaveLength(1);
    expect(await path.lead("R1")).toEqual(afterRun);
  });

  it("sends a digest exactly once when a sweep died after queuing it and the same run is retried", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-crash",
      rules: aScheduledPathRuleSet(),
      reps: team,
    });
    await path.putLeads([aLeadInStageSince("R2", "rep-b", ENTERED)]);
    await path.drain();
    const at = shanghai("2026-11-09T09:00");

    const crashing = withStores(path.jobs, { leads: aLeadStoreFailingTimers(path.jobs.leads) });
    await expect(sweepAt(path, at, crashing)).rejects.toThrow(/simulated crash/);
    expect(await path.digest("rep-b", at)).toMatchObject({ status: "pending", attempts: 0 });
    expect(await path.lead("R2")).toMatchObject({ dwellLevel: 0, ...dwellTimerAt("R2", ONE_X) });
    expect(await path.inbox("rep-b")).toEqual([]);

    const retry = await sweepAt(path, at);
    expect(retry.result).toMatchObject({ status: "done", emailsSent: 1 });
    expect(await path.digest("rep-b", at)).toMatchObject({ status: "sent" });
    expect(await path.lead("R2")).toMatchObject({ dwellLevel: 1, ...dwellTimerAt("R2", TWO_X) });

    const again = await sweepAt(path, at);
    expect(again.result.emailsSent).toBe(0);
    expect(await path.inbox("rep-b")).toHaveLength(1);
    expect((await path.outbox()).map((item) => item.key)).toEqual([
      `dwell#dwell-sweep@${at}#rep-b`,
    ]);
  });

  it("does not report a lead whose next action is planned in the future, reports it once that time has passed, and reports it at once when the rules ignore planned actions", async () => {
    const planned = shanghai("2026-11-11T10:00");
    const lead = () => aLeadInStageSince("N1", "rep-a", ENTERED, { nextActionAt: planned });

    const path = await aScheduledPath(stack, {
      prefix: "sp-next",
      rules: aScheduledPathRuleSet(),
      reps: team,
    });
    await path.putLeads([lead()]);
    await path.drain();

    const early = await sweepAt(path, shanghai("2026-11-09T09:00"));
    expect(early.alerts).toEqual([]);
    expect(await path.lead("N1"), "the timer waits for the planned action").toMatchObject({
      dwellLevel: 0,
      ...dwellTimerAt("N1", planned),
    });
    const stillPlanned = await sweepAt(path, shanghai("2026-11-10T09:00"));
    expect(stillPlanned.alerts).toEqual([]);
    expect(await path.inbox("rep-a")).toEqual([]);

    const passed = await sweepAt(path, shanghai("2026-11-11T11:00"));
    expect(passed.alerts).toEqual([["N1", 0, "rep-a"]]);
    expect(await path.inbox("rep-a")).toHaveLength(1);
    expect(await path.lead("N1")).toMatchObject({ dwellLevel: 1, ...dwellTimerAt("N1", TWO_X) });

    const ignoring = await aScheduledPath(stack, {
      prefix: "sp-next-off",
      rules: aScheduledPathRuleSet({ respectNextAction: false }),
      reps: team,
    });
    await ignoring.putLeads([lead()]);
    await ignoring.drain();
    const atOnce = await sweepAt(ignoring, shanghai("2026-11-09T09:00"));
    expect(atOnce.alerts).toEqual([["N1", 0, "rep-a"]]);
    expect(await ignoring.inbox("rep-a")).toHaveLength(1);
  });
});
