import { describe, expect, it } from "vitest";
import type {
  DwellAlertDecision,
  EmailDecision,
  TimerDecision,
} from "../../../functions/core/decisions";
import { decideSweep } from "../../../functions/core/sweep";
import { aLead, anOrg, aRep, aRuleSet, at } from "../../support/factories";

const rules = aRuleSet();
const entered = "2026-11-02T01:00:00.000Z"; // contacted, 5d limit → due 2026-11-07T01:00Z
const sweep = (leads: Parameters<typeof decideSweep>[1]["leads"], now: string, reps = anOrg()) =>
  decideSweep(rules, { leads, reps, now: at(now), runId: "run-1" });
const ofKind = <K extends string>(decisions: { kind: string }[], kind: K) =>
  decisions.filter((d) => d.kind === kind);

describe("decideSweep", () => {
  it("tells the owner once the limit has passed and schedules the manager's level at 2× the limit", () => {
    const decisions = sweep([aLead({ stageEnteredAt: entered })], "2026-11-08T00:00:00Z");
    const alerts = ofKind(decisions, "dwell-alert") as DwellAlertDecision[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      level: 0,
      notify: "owner",
      recipientId: "rep-1",
      limit: 5,
      unit: "day",
    });
    expect(ofKind(decisions, "timer")[0]).toMatchObject({
      dwellLevel: 1,
      nextCheckAt: "2026-11-12T01:00:00.000Z",
    });
  });

  it("escalates to the manager's manager after 3× the limit", () => {
    const decisions = sweep(
      [aLead({ stageEnteredAt: entered, dwellLevel: 2 })],
      "2026-11-17T02:00:00Z",
    );
    const alerts = ofKind(decisions, "dwell-alert") as DwellAlertDecision[];
    expect(alerts.map((a) => [a.notify, a.recipientId])).toEqual([["managers-manager", "dir-1"]]);
    expect((ofKind(decisions, "timer")[0] as TimerDecision).nextCheckAt).toBeNull();
  });

  it("reports every level a lead reached since the last sweep, each once", () => {
    const decisions = sweep([aLead({ stageEnteredAt: entered })], "2026-11-30T00:00:00Z");
    expect((ofKind(decisions, "dwell-alert") as DwellAlertDecision[]).map((a) => a.level)).toEqual([
      0, 1, 2,
    ]);
  });

  it("does not report a level already notified for this stage entry", () => {
    const decisions = sweep(
      [aLead({ stageEnteredAt: entered, dwellLevel: 1 })],
      "2026-11-10T00:00:00Z",
    );
    expect(ofKind(decisions, "dwell-alert")).toEqual([]);
    expect(ofKind(decisions, "timer")[0]).toMatchObject({
      dwellLevel: 1,
      nextCheckAt: "2026-11-12T01:00:00.000Z",
    });
  });

  it("holds back a lead whose planned next action is still ahead", () => {
    const decisions = sweep(
      [aLead({ stageEnteredAt: entered, nextActionAt: "2026-11-20T00:00:00.000Z" })],
      "2026-11-10T00:00:00Z",
    );
    expect(ofKind(decisions, "dwell-alert")).toEqual([]);
    expect(ofKind(decisions, "timer")[0]).toMatchObject({
      nextCheckAt: "2026-11-20T00:00:00.000Z",
    });
  });

  it("reports a lead with a planned next action when the rules switch that off", () => {
    const strict = aRuleSet({
      alerts: {
        dwell: { escalation: [{ after: "1x", notify: "owner" }], respectNextAction: false },
      },
    });
    const decisions = decideSweep(strict, {
      leads: [aLead({ stageEnteredAt: entered, nextActionAt: "2026-11-20T00:00:00.000Z" })],
      reps: anOrg(),
      now: at("2026-11-10T00:00:00Z"),
      runId: "run-1",
    });
    expect(ofKind(decisions, "dwell-alert")).toHaveLength(1);
  });

  it("sends one digest per recipient, never one email per lead", () => {
    const leads = [
      aLead({ id: "L1", stageEnteredAt: entered }),
      aLead({ id: "L2", stageEnteredAt: entered }),
      aLead({ id: "L3", stageEnteredAt: entered }),
    ];
    const emails = ofKind(sweep(leads, "2026-11-08T00:00:00Z"), "email") as EmailDecision[];
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ to: ["rep-1@example.com"], key: "dwell#run-1#rep-1" });
    expect(emails[0]?.text).toContain("3 leads have stayed");
  });

  it("says who could not be told instead of dropping the alert", () => {
    const reps = anOrg([aRep({ id: "rep-2", email: undefined })]);
    const decisions = sweep(
      [aLead({ owner: "rep-2", stageEnteredAt: entered })],
      "2026-11-08T00:00:00Z",
      reps,
    );
    expect(ofKind(decisions, "undeliverable")[0]).toMatchObject({
      recipientId: "rep-2",
      leadIds: ["L1"],
      reason: "rep-2 has no email address",
    });
  });

  it("reports a lead in a stage the rules do not know as a record problem and goes on", () => {
    const decisions = sweep(
      [
        aLead({ id: "BAD", stage: "nowhere", stageEnteredAt: entered }),
        aLead({ stageEnteredAt: entered }),
      ],
      "2026-11-08T00:00:00Z",
    );
    expect(ofKind(decisions, "record-problem")[0]).toMatchObject({ recordId: "BAD" });
    expect(ofKind(decisions, "dwell-alert")).toHaveLength(1);
  });

  it("renders a lead's name as text in the HTML and keeps the subject on one line", () => {
    const lead = aLead({
      name: '<script>alert("x")</script>\r\nBcc: evil@example.com',
      stageEnteredAt: entered,
    });
    const [email] = ofKind(sweep([lead], "2026-11-08T00:00:00Z"), "email") as EmailDecision[];
    expect(email?.html).not.toContain("<script>");
    expect(email?.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(email?.subject).not.toMatch(/[\r\n]/);
    expect(email?.text).not.toContain("\r\nBcc:");
  });

  it("lists the most overdue lead first in a digest", () => {
    const leads = [
      aLead({ id: "L1", name: "Slightly late", stageEnteredAt: "2026-11-02T01:00:00.000Z" }),
      aLead({
        id: "L2",
        name: "Very late",
        stage: "graded",
        stageEnteredAt: "2026-11-06T01:00:00.000Z",
      }),
    ];
    const [email] = ofKind(sweep(leads, "2026-11-08T00:00:00Z"), "email") as EmailDecision[];
    expect(email?.text.indexOf("Very late")).toBeLessThan(
      email?.text.indexOf("Slightly late") ?? -1,
    );
  });

  it("shows the stage's playbook hint in the rules' locale", () => {
    const zh = aRuleSet({ settings: { locale: "zh-CN", currency: "CNY" } });
    const file = zh.funnels[0]?.stages.find((s) => s.id === "contacted");
    if (file) file.playbook = { "zh-CN": "发送资料并跟进", en: "Send material" };
    const [email] = ofKind(
      decideSweep(zh, {
        leads: [aLead({ stageEnteredAt: entered })],
        reps: anOrg(),
        now: at("2026-11-08T00:00:00Z"),
        runId: "r",
      }),
      "email",
    ) as EmailDecision[];
    expect(email?.text).toContain("建议动作: 发送资料并跟进");
    expect(email?.text).not.toContain("Send material");
  });
});
