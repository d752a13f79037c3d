import { describe, expect, it } from "vitest";
import { renderRollup } from "../../../functions/core/rollup/render-rollup";
import { rollupData } from "../../../functions/core/rollup/rollup-data";
import { buildRollupReport } from "../../../functions/core/rollup/rollup-report";
import { aLead, aRep, at } from "../../support/factories";
import {
  aRollupRuleFile,
  aRollupRuleSet,
  aSmallOrg,
  twoWeeksOfTeamData,
} from "../../support/rollup-factories";

const NOW = at("2026-11-23T00:00:00Z");

function reportFor(
  managerId: string,
  options: { locale?: "en" | "zh-CN"; reps?: typeof org } = {},
) {
  const rules = aRollupRuleSet({
    ...aRollupRuleFile(),
    settings: { locale: options.locale ?? "en", currency: "CNY", sender: "funnel@example.com" },
  });
  const input = twoWeeksOfTeamData(rules);
  const data = rollupData({ ...input, reps: options.reps ?? input.reps });
  const manager = data.reps.get(managerId) ?? aRep({ id: managerId });
  const leads = [
    aLead({ id: "L1", owner: "rep-a1", stage: "intent", amount: 150_000, name: "Big <b>Deal</b>" }),
    aLead({ id: "L2", owner: "rep-a1", stage: "intent", amount: 50_000, name: "Small deal" }),
    aLead({
      id: "L3",
      owner: "mgr-a",
      stage: "intent",
      amount: 100_000,
      name: "Overdue deal",
      dueAt: "2026-11-20T00:00:00.000Z",
    }),
    aLead({ id: "L4", owner: "rep-b1", stage: "intent", amount: 900_000, name: "Other team" }),
  ];
  return {
    rules,
    report: buildRollupReport(data, manager, data.tree.level(managerId), {
      leads,
      anomalies: ['rep-a2: 8 intents, no signing <img src="x">'],
      now: NOW,
    }),
  };
}

const org = aSmallOrg();

describe("the roll-up email", () => {
  it("lists the team's largest opportunities only, largest first, flagging overdue ones", () => {
    const { report } = reportFor("mgr-a");
    expect(report.top.map((o) => [o.leadId, o.overdue])).toEqual([
      ["L1", false],
      ["L3", true],
    ]);
    expect(report.top[0]?.weighted).toBeCloseTo(15_000);
  });

  it("gives each direct report a line with their team's figures and the manager's own leads one more", () => {
    const { report } = reportFor("mgr-a");
    expect(report.lines.map((l) => [l.rep.id, l.kind])).toEqual([
      ["rep-a1", "rep"],
      ["rep-a2", "rep"],
      ["mgr-a", "own"],
    ]);
    const sum = report.lines.reduce((total, line) => total + line.figures.forecast, 0);
    expect(sum).toBeCloseTo(report.team.forecast);
    const director = reportFor("dir-1").report;
    expect(director.lines.map((l) => [l.rep.id, l.kind])).toEqual([
      ["mgr-a", "team"],
      ["mgr-b", "team"],
    ]);
  });

  it("escapes every record value: a rep named <script> stays text", () => {
    const reps = aSmallOrg([]);
    reps.set("rep-a1", {
      ...aRep({ id: "rep-a1", manager: "mgr-a" }),
      name: "<script>alert(1)</script>",
    });
    const { rules, report } = reportFor("mgr-a", { reps });
    const email = renderRollup(rules, report);
    expect(email.html).not.toContain("<script");
    expect(email.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(email.html).not.toContain("<b>Deal</b>");
    expect(email.html).toContain("Big &lt;b&gt;Deal&lt;/b&gt;");
    expect(email.html).not.toContain('<img src="x">');
    expect(email.text).toContain("<script>alert(1)</script>"); // plain text needs no escaping
  });

  it("keeps the subject on one line whatever the manager's name holds", () => {
    const reps = aSmallOrg();
    reps.set("mgr-a", { ...(reps.get("mgr-a") ?? aRep()), name: "Zhang\r\nBcc: x@evil.example" });
    const { rules, report } = reportFor("mgr-a", { reps });
    const { subject } = renderRollup(rules, report);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toContain("2026-11-16 – 2026-11-22");
  });

  it("has no script, no remote image and no style sheet: inline styles only", () => {
    const { rules, report } = reportFor("dir-1");
    const { html } = renderRollup(rules, report);
    expect(html).not.toMatch(/<script|<img|<link|<style|https?:\/\//i);
    expect(html).toContain("max-width:600px");
  });

  it("writes the figures in English with the progress against the 7.8 % target", () => {
    const { rules, report } = reportFor("mgr-a");
    const { subject, text, html } = renderRollup(rules, report);
    expect(subject).toBe(
      "[funnel] Weekly funnel roll-up: Zhang Min's team, 2026-11-16 – 2026-11-22",
    );
    expect(text).toContain("Forecast: CN¥44,900");
    expect(text).toContain("Remaining quota: CN¥1,867,000");
    expect(text).toContain("Sales this quarter: CN¥133,000 (of which out of the funnel: CN¥3,000)");
    expect(text).toContain("Weekly progress: 4.6% (target 7.8% a week)");
    expect(text).toContain("- Opportunity: 4 (ideal 4), CN¥350,000");
    expect(text).toContain("CN¥83,000 this week, CN¥50,000 the week before; +66.0% change");
    expect(text).toContain(
      "4 opportunities × 40.0% conversion × CN¥65,000 average deal ÷ 17.0 days cycle",
    );
    expect(text).toContain("The forecast is CN¥1,822,100 below the remaining quota");
    expect(html).toContain("Weekly funnel roll-up");
    expect(html).toContain("Needs attention");
  });

  it("writes the figures in Chinese when the rules' locale is zh-CN", () => {
    const { rules, report } = reportFor("mgr-a", { locale: "zh-CN" });
    const { subject, text, html } = renderRollup(rules, report);
    expect(subject).toBe("[funnel] 销售漏斗周报：Zhang Min 团队（2026-11-16 – 2026-11-22）");
    expect(text).toContain("销售预计：¥44,900");
    expect(text).toContain("意向客户（商机）");
    expect(html).toContain("本周销售进展");
    expect(html).toContain("重点商机");
  });

  it("says when progress is not known yet instead of showing a number", () => {
    const { rules, report } = reportFor("mgr-b");
    expect(renderRollup(rules, report).text).toContain(
      "Weekly progress: not yet known: there is no snapshot of the week before",
    );
  });
});
