import { describe, expect, it } from "vitest";
import { runScheduledJob } from "../../functions/handlers/scheduled";
import { readInbox } from "../../functions/local/ses-inbox";
import { aSeller, aTeam, emailOf } from "../support/event-path-factories";
import { useLocalStack } from "../support/local-stack";
import {
  aLeadInStageSince,
  aScheduledPath,
  aScheduledPathRuleSet,
  aSlowMailer,
  aTwoLevelOrg,
  failingAtRandom,
  failingFirst,
  leadLines,
  plusDays,
  plusMs,
  shanghai,
  sweepAt,
  until,
} from "../support/scheduled-path-factories";

const stack = useLocalStack();

/** The sweeps of this file run on Monday 2026-11-09 09:00 in Shanghai. */
const SWEEP = shanghai("2026-11-09T09:00");
/** Entered `days` before the sweep: in a 5d stage that is days / 5 × the limit. */
const daysBefore = (days: number) => plusDays(SWEEP, -days);
const MINUTE = 60_000;

/** head → mgr-1 → rep-a, rep-b, rep-c. */
const threeSellers = (s: string) =>
  aTeam(s, [aSeller("rep-a", s), aSeller("rep-b", s), aSeller("rep-c", s)]);

describe("dwell digests on DynamoDB Local and the SES stand-in", () => {
  it("sends one digest per recipient per run, most overdue first, each lead with stage, days vs limit, amount, owner and the stage's playbook", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-digest",
      rules: aScheduledPathRuleSet(),
      reps: aTwoLevelOrg,
    });
    await path.putLeads([
      aLeadInStageSince("A1", "rep-a", daysBefore(7), { amount: 120_000 }),
      aLeadInStageSince("A2", "rep-a", daysBefore(6), { amount: 50_000 }),
      aLeadInStageSince("A3", "rep-a", daysBefore(9), { stage: "lead", amount: 30_000 }),
      aLeadInStageSince("B1", "rep-b", daysBefore(11), { amount: 80_000 }),
      aLeadInStageSince("B2", "rep-b", daysBefore(13), { amount: 20_000 }),
      aLeadInStageSince("C1", "rep-c", daysBefore(17), { amount: 90_000 }),
    ]);
    await path.drain();

    const { result } = await sweepAt(path, SWEEP);
    expect(result).toMatchObject({ status: "done", emailsSent: 5 });
    const digests = await Promise.all(
      ["rep-a", "rep-b", "rep-c", "mgr-1", "mgr-2", "head"].map(
        async (id) => [id, await path.inbox(id)] as const,
      ),
    );
    expect(Object.fromEntries(digests.map(([id, emails]) => [id, emails.length]))).toEqual({
      "rep-a": 1,
      "rep-b": 1,
      "rep-c": 1,
      "mgr-1": 1,
      "mgr-2": 1,
      head: 0,
    });

    const [owner] = await path.inbox("rep-a");
    expect(owner?.subject).toBe("[funnel] 3 overdue leads need attention");
    expect(owner?.text?.split("\n")).toEqual([
      "Hello Seller rep-a, 3 leads have stayed in a stage longer than the rules allow.",
      "",
      "== Your leads ==",
      "- Customer A3 [Lead] 9.0 of 5 days in stage; Amount: CN¥30,000; Owner: Seller rep-a",
      "- Customer A1 [Contacted] 7.0 of 5 days in stage; Amount: CN¥120,000; Owner: Seller rep-a",
      "  Next step: Follow up",
      "- Customer A2 [Contacted] 6.0 of 5 days in stage; Amount: CN¥50,000; Owner: Seller rep-a",
      "  Next step: Follow up",
      "",
      "Sent by funnel-rules. The limits come from the rules in your rules repository.",
    ]);
    expect(owner?.html).toContain("Next step: Follow up");
    const html = String(owner?.html);
    expect(html.indexOf("Customer A3")).toBeLessThan(html.indexOf("Customer A1"));
    expect(html.indexOf("Customer A1")).toBeLessThan(html.indexOf("Customer A2"));

    // mgr-1: rep-b's leads at 2× (manager) and rep-c's at 3× (manager's manager), in one email.
    const [manager] = await path.inbox("mgr-1");
    const text = String(manager?.text);
    expect(manager?.subject).toBe("[funnel] 3 overdue leads need attention");
    expect(text.indexOf("== Escalated from your managers' teams ==")).toBeLessThan(
      text.indexOf("== Your team's leads (escalated) =="),
    );
    expect(text.indexOf("== Escalated from your managers' teams ==")).toBeGreaterThan(-1);
    expect(leadLines(text)).toEqual([
      "- Customer C1 [Contacted] 17.0 of 5 days in stage; Amount: CN¥90,000; Owner: Seller rep-c",
      "- Customer B2 [Contacted] 13.0 of 5 days in stage; Amount: CN¥20,000; Owner: Seller rep-b",
      "- Customer B1 [Contacted] 11.0 of 5 days in stage; Amount: CN¥80,000; Owner: Seller rep-b",
    ]);
    expect(leadLines((await path.inbox("rep-b"))[0]?.text)).toEqual([
      "- Customer B2 [Contacted] 13.0 of 5 days in stage; Amount: CN¥20,000; Owner: Seller rep-b",
      "- Customer B1 [Contacted] 11.0 of 5 days in stage; Amount: CN¥80,000; Owner: Seller rep-b",
    ]);
    expect(leadLines((await path.inbox("mgr-2"))[0]?.text)).toEqual([
      "- Customer C1 [Contacted] 17.0 of 5 days in stage; Amount: CN¥90,000; Owner: Seller rep-c",
    ]);
  });

  it("shows a lead's and a rep's markup as text, keeps the text part's line on one line and the headers free of CR/LF", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-escape",
      rules: aScheduledPathRuleSet(),
      reps: (s) => aTeam(s, [aSeller("rep-x", s, { name: "<b>x</b>" })]),
    });
    const evil = `evil-${path.suffix}@example.com`;
    await path.putLeads([
      aLeadInStageSince("X1", "rep-x", daysBefore(7), {
        name: `<script>alert(1)</script>\r\nBcc: ${evil}`,
      }),
    ]);
    await path.drain();

    const { result } = await sweepAt(path, SWEEP);
    expect(result.emailsSent).toBe(1);
    const inbox = await path.inbox("rep-x");
    expect(inbox).toHaveLength(1);
    const [email] = inbox;
    expect(email?.to).toEqual([path.email("rep-x")]);
    expect(email?.cc).toEqual([]);
    expect(email?.bcc).toEqual([]);
    expect(email?.subject).not.toMatch(/[\r\n]/);
    expect((await readInbox(stack.sesEndpoint)).filter((e) => e.to.includes(evil))).toEqual([]);

    const html = String(email?.html);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<b>x</b>");

    const lines = String(email?.text).split("\n");
    expect(lines.filter((line) => /^\s*Bcc:/i.test(line))).toEqual([]);
    expect(leadLines(email?.text)).toEqual([
      `- <script>alert(1)</script> Bcc: ${evil} [Contacted] 7.0 of 5 days in stage; Amount: CN¥10,000; Owner: <b>x</b>`,
    ]);
  });
});

describe("the outbox when SES fails", () => {
  it("keeps failed digests pending with attempts and a retry time, then the outbox job sends each exactly once", async () => {
    const mailer = failingFirst(stack, 2);
    const path = await aScheduledPath(stack, {
      prefix: "sp-outbox",
      rules: aScheduledPathRuleSet(),
      reps: threeSellers,
      mailer,
    });
    await path.putLeads(
      ["rep-a", "rep-b", "rep-c"].map((rep, i) =>
        aLeadInStageSince(`F${i + 1}`, rep, daysBefore(7)),
      ),
    );
    await path.drain();
    const counts = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        await Promise.all(
          ["rep-a", "rep-b", "rep-c"].map(async (id) => [id, (await path.inbox(id)).length]),
        ),
      );

    const { result } = await sweepAt(path, SWEEP);
    expect(result).toMatchObject({ status: "done", emailsSent: 1 });
    const retryAt = plusMs(SWEEP, MINUTE);
    const pending = (await path.outbox()).filter((item) => item.status === "pending");
    expect(pending).toHaveLength(2);
    for (const item of pending) {
      expect(item).toMatchObject({
        attempts: 1,
        duePk: expect.stringMatching(/^OUTBOX#\d$/),
        dueSk: `${retryAt}#${String(item.key)}`,
      });
    }
    expect(pending.map((item) => item.lastError).sort()).toEqual([
      "Maximum sending rate exceeded.",
      "connect ECONNRESET",
    ]);
    expect(Object.values(await counts()).reduce((a, b) => a + b, 0)).toBe(1);

    // Before the retry time nothing is due.
    const tooEarly = await path.run("outbox", plusMs(SWEEP, 30_000));
    expect(tooEarly).toMatchObject({ status: "done", emailsSent: 0 });

    const retry = await path.run("outbox", plusMs(SWEEP, 2 * MINUTE));
    expect(retry).toMatchObject({ status: "done", emailsSent: 2 });
    expect(retry.sent.flatMap((sent) => sent.to).sort()).toEqual(
      pending.flatMap((item) => item.to as string[]).sort(),
    );
    const again = await path.run("outbox", plusMs(SWEEP, 120 * MINUTE));
    expect(again.emailsSent).toBe(0);

    const outbox = await path.outbox();
    expect(outbox).toHaveLength(3);
    for (const item of outbox) {
      expect(item.status).toBe("sent");
      expect(item).not.toHaveProperty("duePk");
    }
    expect(await counts()).toEqual({ "rep-a": 1, "rep-b": 1, "rep-c": 1 });
    expect(mailer.calls.map((call) => call.failed)).toEqual([true, true, false, false, false]);
  });

  it("reports the digests a sweep could not send in the run's result", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-outbox-report",
      rules: aScheduledPathRuleSet(),
      reps: threeSellers,
      mailer: failingFirst(stack, 2),
    });
    await path.putLeads(
      ["rep-a", "rep-b", "rep-c"].map((rep, i) =>
        aLeadInStageSince(`G${i + 1}`, rep, daysBefore(7)),
      ),
    );
    await path.drain();

    const { result } = await sweepAt(path, SWEEP);
    expect(result.emailsSent).toBe(1);
    const pending = (await path.outbox()).filter((item) => item.status === "pending");
    expect(pending).toHaveLength(2);
    // The run sent 1 of 3 digests; its result must say which 2 failed and when they are retried.
    expect(result).toHaveProperty(
      "failed",
      expect.arrayContaining(
        pending.map((item) =>
          expect.objectContaining({
            key: item.key,
            nextAttemptAt: plusMs(SWEEP, MINUTE),
          }),
        ),
      ),
    );
  });

  it("takes the outbox job's scheduled time as its now, like every other job", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-outbox-now",
      rules: aScheduledPathRuleSet(),
      reps: threeSellers,
      mailer: failingFirst(stack, 1),
    });
    await path.putLeads([aLeadInStageSince("T1", "rep-a", daysBefore(7))]);
    await path.drain();
    await sweepAt(path, SWEEP);
    expect((await path.outbox()).map((item) => item.status)).toEqual(["pending"]);

    // The clock stays at the sweep's instant; the retry is fired for 10 minutes later.
    const result = await runScheduledJob(path.jobs, {
      scheduleId: "outbox-retry",
      job: "outbox",
      scheduledTime: plusMs(SWEEP, 10 * MINUTE),
    });
    expect(result.emailsSent).toBe(1);
    expect(await path.inbox("rep-a")).toHaveLength(1);
  });

  it("sends a digest once when the sweep and the outbox job, both due at 09:00, drain at the same time", async () => {
    const path = await aScheduledPath(stack, {
      prefix: "sp-outbox-race",
      rules: aScheduledPathRuleSet(),
      reps: threeSellers,
      mailer: aSlowMailer(stack, 400),
    });
    await path.putLeads([aLeadInStageSince("P1", "rep-a", daysBefore(7))]);
    await path.drain();
    path.clock.set(SWEEP);

    // The shipped rules fire dwell-sweep (0 9 * * *) and outbox-retry (*/15) at the same instant.
    const sweep = runScheduledJob(path.jobs, {
      scheduleId: "dwell-sweep",
      job: "sweep",
      scheduledTime: SWEEP,
    });
    await until(async () => (await path.outbox()).length > 0);
    const outboxJob = runScheduledJob(path.jobs, {
      scheduleId: "outbox-retry",
      job: "outbox",
      scheduledTime: SWEEP,
    });
    const [swept, retried] = await Promise.allSettled([sweep, outboxJob]);

    expect(await path.inbox("rep-a"), "one digest in the inbox").toHaveLength(1);
    expect(swept.status).toBe("fulfilled");
    expect(retried.status, "the outbox job does not crash").toBe("fulfilled");
    expect((await path.outbox()).map((item) => item.status)).toEqual(["sent"]);
  });

  it("delivers every digest exactly once when 30 % of sends fail at random over a run with ten recipients", async () => {
    const sellers = Array.from({ length: 10 }, (_, i) => `rep-${String(i + 1).padStart(2, "0")}`);
    const mailer = failingAtRandom(stack, 0.3, 20261109);
    const path = await aScheduledPath(stack, {
      prefix: "sp-outbox-random",
      rules: aScheduledPathRuleSet(),
      reps: (s) =>
        aTeam(
          s,
          sellers.map((id) => aSeller(id, s)),
        ),
      mailer,
    });
    await path.putLeads(sellers.map((id, i) => aLeadInStageSince(`R${i + 1}`, id, daysBefore(7))));
    await path.drain();

    const { result } = await sweepAt(path, SWEEP);
    let sent = result.emailsSent;
    const failedFirst = mailer.calls.filter((call) => call.failed).length;
    expect(failedFirst, "the seed makes some of the first sends fail").toBeGreaterThan(0);
    expect(sent).toBe(10 - failedFirst);

    for (let run = 1; run <= 8; run += 1) {
      if ((await path.outbox()).every((item) => item.status === "sent")) break;
      sent += (await path.run("outbox", plusMs(SWEEP, run * 120 * MINUTE))).emailsSent;
    }
    const outbox = await path.outbox();
    expect(outbox).toHaveLength(10);
    expect(outbox.filter((item) => item.status !== "sent")).toEqual([]);
    expect(sent).toBe(10);
    expect(mailer.calls.filter((call) => !call.failed)).toHaveLength(10);
    const inbox = await readInbox(stack.sesEndpoint);
    expect(
      Object.fromEntries(
        sellers.map((id) => [
          id,
          inbox.filter((email) => email.to.includes(emailOf(id, path.suffix))).length,
        ]),
      ),
    ).toEqual(Object.fromEntries(sellers.map((id) => [id, 1])));
  });
});
