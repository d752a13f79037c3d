import { describe, expect, it } from "vitest";
import type { EmailDecision } from "../../../functions/core/decisions";
import { LISTED_LEADS } from "../../../functions/core/email/listed-leads";
import { entryCheckEmails, handoffEmails } from "../../../functions/core/notices";
import { aLead, anOrg, aRep, aRuleSet } from "../../support/factories";

const rules = aRuleSet();
const evil = "<img src=x onerror=alert(1)>\r\nBcc: x@evil.example";

describe("notice emails", () => {
  it("tells the owner and the owner's manager which required fields are missing", () => {
    const emails = entryCheckEmails(
      rules,
      {
        kind: "entry-check",
        leadId: "L1",
        funnel: "standard",
        stage: "intent",
        enteredAt: "2026-11-02T00:00:00.000Z",
        missing: ["budget", "timeline"],
        owner: "rep-1",
        reason: "",
      },
      aLead(),
      anOrg(),
    ) as EmailDecision[];
    expect(emails.map((e) => e.to[0])).toEqual(["rep-1@example.com", "mgr-1@example.com"]);
    expect(emails[0]?.text).toContain("Missing: budget, timeline");
    expect(new Set(emails.map((e) => e.key)).size).toBe(2);
  });

  it("renders a hostile lead name as text and keeps the subject on one line", () => {
    const [email] = entryCheckEmails(
      rules,
      {
        kind: "entry-check",
        leadId: "L1",
        funnel: "standard",
        stage: "intent",
        enteredAt: "t",
        missing: ["budget"],
        owner: "rep-1",
        reason: "",
      },
      aLead({ name: evil }),
      anOrg(),
    ) as EmailDecision[];
    expect(email?.html).not.toContain("<img");
    expect(email?.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(email?.subject).not.toMatch(/[\r\n]/);
  });

  it("sends the manager the whole handoff and each receiver only what they received", () => {
    const reps = anOrg([
      aRep({ id: "rep-2", email: "rep-2@example.com" }),
      aRep({ id: "rep-3", email: "rep-3@example.com" }),
    ]);
    const moves = [
      { leadId: "L1", title: "A", stage: "lead", amount: 100, to: "rep-2" },
      { leadId: "L2", title: "B", stage: "lead", amount: 200, to: "rep-3" },
      { leadId: "L3", title: "C", stage: "lead", amount: 300, to: "rep-2" },
    ];
    const emails = handoffEmails(
      rules,
      aRep(),
      moves,
      reps,
      "dep-1",
      Date.parse("2026-11-10T00:00:00Z"),
    ) as EmailDecision[];
    const listed = (to: string) => emails.find((e) => e.to[0] === to)?.text.match(/^- /gm)?.length;
    expect(listed("mgr-1@example.com")).toBe(3);
    expect(listed("rep-2@example.com")).toBe(2);
    expect(listed("rep-3@example.com")).toBe(1);
  });

  it("also sends the whole handoff to the people alerts.repLeft names, each once", () => {
    const withRepLeft = aRuleSet({
      alerts: { repLeft: { notify: ["manager", "managers-manager"] } },
    });
    const reps = anOrg([aRep({ id: "rep-2", email: "rep-2@example.com" })]);
    const moves = [{ leadId: "L1", title: "A", stage: "lead", amount: 100, to: "rep-2" }];
    const emails = handoffEmails(
      withRepLeft,
      aRep(),
      moves,
      reps,
      "dep-1",
      Date.parse("2026-11-10T00:00:00Z"),
    ) as EmailDecision[];
    expect(emails.map((e) => e.to[0]).sort()).toEqual([
      "dir-1@example.com",
      "mgr-1@example.com",
      "rep-2@example.com",
    ]);
  });
});

describe("long lists", () => {
  const reps = anOrg([aRep({ id: "rep-2", email: "rep-2@example.com" })]);
  const moves = Array.from({ length: 250 }, (_, i) => ({
    leadId: `L${i}`,
    title: `Lead ${i}`,
    stage: "lead",
    amount: i,
    to: "rep-2",
  }));
  const manager = () =>
    (
      handoffEmails(
        rules,
        aRep(),
        moves,
        reps,
        "dep-1",
        Date.parse("2026-11-10T00:00:00Z"),
      ) as EmailDecision[]
    ).find((e) => e.to[0] === "mgr-1@example.com");

  it("lists the 100 most valuable leads of a 250-lead handoff and says 150 more are not listed", () => {
    const email = manager();
    const titles = email?.text.match(/^- Lead \d+$/gm) ?? [];
    expect(titles).toHaveLength(LISTED_LEADS);
    expect(titles[0]).toBe("- Lead 249");
    expect(titles.at(-1)).toBe("- Lead 150");
    expect(email?.subject).toContain("250 leads");
    expect(email?.text).toContain("…and 150 more leads, not listed here");
    expect(email?.html).toContain("…and 150 more leads, not listed here");
  });

  it("keeps a 10,000-lead handoff email far below DynamoDB's 400 KB item limit", () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ ...moves[0], leadId: `L${i}` }));
    const emails = handoffEmails(rules, aRep(), many as typeof moves, reps, "d", 0);
    for (const email of emails as EmailDecision[])
      expect(Buffer.byteLength(email.html) + Buffer.byteLength(email.text)).toBeLessThan(100_000);
  });
});
