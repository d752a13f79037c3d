import { describe, expect, it } from "vitest";
import type { Rep } from "../../../functions/core/records/rep";
import { buildFunnelReport } from "../../../functions/rule-tests/funnel-report";
import {
  bar,
  displayWidth,
  renderTerminalReport,
} from "../../../functions/rule-tests/terminal-report";
import { aLead } from "../../support/factories";
import {
  aRollupRuleSet,
  REPORTED_WEEK,
  twoWeeksOfTeamData,
  WEEK_BEFORE,
} from "../../support/rollup-factories";

const NOW = Date.parse("2026-11-23T01:00:00Z"); // Monday 09:00 in Shanghai

function reportOf(rules = aRollupRuleSet(), managerId = "mgr-a") {
  const input = twoWeeksOfTeamData(rules);
  const records = {
    leads: [
      aLead({
        id: "L1",
        owner: "rep-a1",
        stage: "intent",
        name: "Star Harbour",
        amount: 200_000,
        dueAt: "2026-11-20T01:00:00Z",
      }),
      aLead({ id: "L2", owner: "rep-a2", stage: "contacted", dueAt: "2026-11-30T01:00:00Z" }),
      aLead({ id: "L3", owner: "rep-b1", stage: "contacted", dueAt: "2026-11-01T01:00:00Z" }),
    ],
    reps: input.reps,
    holdings: input.holdings,
    flows: input.flows,
    snapshots: new Map([[WEEK_BEFORE, input.snapshots?.previous ?? new Map()]]),
  };
  const manager = input.reps.get(managerId) as Rep;
  return { rules, ...buildFunnelReport(rules, records, manager, REPORTED_WEEK, NOW) };
}

describe("the terminal report", () => {
  it("counts CJK characters as two cells", () => {
    expect(displayWidth("Lead")).toBe(4);
    expect(displayWidth("线索客户")).toBe(8);
    expect(displayWidth("意向客户（商机）")).toBe(16);
  });

  it("draws bars in eighths of a cell and marks where the bar should reach", () => {
    expect(bar(1, 4)).toBe("████");
    expect(bar(0.5, 4)).toBe("██");
    expect(bar(0.53, 4)).toBe("██▏");
    expect(bar(0, 4)).toBe("");
    expect(bar(0.25, 8, 0.75)).toBe("██   ┆");
    expect(bar(1, 4, 0.5)).toBe("████");
  });

  it("counts the team's open leads past their due time as overdue, and only the team's", () => {
    const { report } = reportOf();
    expect(report.overdue).toBe(1);
    expect(report.top.map((o) => o.leadId)).toEqual(["L1"]);
  });

  it("prints the stage table, the figures and the direct reports in the rules' words", () => {
    const { rules, report } = reportOf();
    const text = renderTerminalReport(rules, report);
    const lines = text.split("\n");
    expect(lines[0]).toBe("Weekly funnel roll-up: Zhang Min (mgr-a)");
    expect(lines).toContain("  Stage        Leads  ideal      Amount  ┆ = ideal");
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}Opportunity {6}4 {6}4 {2}CN¥350,000 {2}█+[▏▎▍▌▋▊▉]?$/),
    );
    expect(text).toContain("Overdue leads: 1");
    expect(text).toMatch(
      /- Star Harbour {2}CN¥200,000 {2}Li Wei · Opportunity · weighted CN¥20,000 \[overdue\]/,
    );
    expect(text).toMatch(
      /Direct reports\n {2}Name +Forecast +Sales \(quarter\) +Of quota +Progress\n {2}Li Wei /,
    );
  });

  it("aligns columns of Chinese labels by their width on screen", () => {
    const rules = aRollupRuleSet({ settings: { locale: "zh-CN", currency: "CNY" } });
    const { report } = reportOf(rules);
    const rows = renderTerminalReport(rules, report)
      .split("\n")
      .filter((line) => /^ {2}(阶段|Resource|Graded|Contacted|Lead|意向客户)/.test(line));
    const amountEnds = rows.map((line) => displayWidth(line.split(/ {2}[█┆]/)[0]?.trimEnd() ?? ""));
    expect(new Set(amountEnds).size).toBe(1);
  });
});
