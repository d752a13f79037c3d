import { describe, expect, it } from "vitest";
import type { AnomalyDecision } from "../../../functions/core/anomalies/anomaly-decision";
import { anomalyEmails } from "../../../functions/core/anomalies/anomaly-emails";
import { decideAnomalyRun } from "../../../functions/core/anomalies/anomaly-run";
import type { EmailDecision } from "../../../functions/core/decisions";
import { renderAnomalyDigest } from "../../../functions/core/email/anomaly-digest";
import type { Rep } from "../../../functions/core/records/rep";
import type { RuleSet } from "../../../functions/core/rules/rule-set";
import {
  aFlowRow,
  anAnomalyRuleSet,
  onlyAnomalies,
  RUN_AT,
  WINDOW_TEXT,
} from "../../support/anomaly-factories";
import { anOrg, aRep } from "../../support/factories";

const rules = onlyAnomalies({
  outOfFunnelSales: { shareAbove: 0.3, minSamples: 10, notify: ["manager"] },
  longCycle: { above: "2x", minSamples: 10, notify: ["manager", "managers-manager"] },
});
// rep-1: 8 of 20 sales out of the funnel, and 2.5× the limits over 10 exits.
const flows = [
  aFlowRow("signed", { sales: 20, oofSales: 8 }),
  aFlowRow("contacted", { exits: 10, dwellRatioSum: 25 }),
];
const emailsOf = (ruleSet: RuleSet, reps: Map<string, Rep> = anOrg()) => {
  const run = decideAnomalyRun(ruleSet, { reps, flows, holdings: [], now: RUN_AT, runId: "run-1" });
  return run.decisions.filter((d): d is EmailDecision => d.kind === "email");
};
const anAnomaly = (overrides: Partial<AnomalyDecision> = {}): AnomalyDecision => ({
  kind: "anomaly",
  anomaly: "out-of-funnel-sales",
  scope: "rep",
  subjectId: "rep-1",
  funnel: "standard",
  figure: 0.4,
  threshold: 0.3,
  window: WINDOW_TEXT,
  samples: 20,
  recipients: ["mgr-1"],
  reason: "test",
  ...overrides,
});

describe("the anomaly digest", () => {
  it("sends one email per recipient per run, keyed by run and recipient", () => {
    const emails = emailsOf(rules);
    expect(emails.map((e) => [e.key, e.to])).toEqual([
      ["anomalies#run-1#dir-1", ["dir-1@example.com"]],
      ["anomalies#run-1#head", ["head@example.com"]],
      ["anomalies#run-1#mgr-1", ["mgr-1@example.com"]],
    ]);
  });

  it("groups the anomalies by kind, a section each, in a fixed order", () => {
    const manager = emailsOf(rules).find((e) => e.recipientId === "mgr-1");
    const text = manager?.text ?? "";
    // mgr-1 hears of rep-1 (their own team's anomalies go to their manager, dir-1).
    expect(text.match(/^== .* ==$/gm)).toEqual([
      "== Sales outside the funnel ==",
      "== Cycle too long ==",
    ]);
    expect(text).toContain(
      `- Li Wei: 40% of 20 sales never went through the funnel (alert above 30%); window ${WINDOW_TEXT}`,
    );
    expect(text).toContain(
      `- Li Wei: leads stayed 2.5× the stage limits on average over 10 stage exits (alert above 2×); window ${WINDOW_TEXT}`,
    );
    expect(manager?.subject).toBe("[funnel] 2 funnel anomalies to look at");
    expect(manager?.html).toContain("<h2");
  });

  it("lists the recipient's own team first, then the teams and reps below", () => {
    const head = emailsOf(rules).find((e) => e.recipientId === "head");
    const section = (head?.text ?? "").split("== Cycle too long ==")[1] ?? "";
    expect(section.match(/^- [^:]*/gm)).toEqual([
      "- Your team",
      "- Team of Wang Fang",
      "- Team of Zhang Min",
    ]);
  });

  it("renders a rep's name as text, never as markup", () => {
    const reps = anOrg([aRep({ name: "<script>alert(1)</script>" })]);
    const manager = emailsOf(rules, reps).find((e) => e.recipientId === "mgr-1");
    expect(manager?.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(manager?.html).not.toContain("<script>");
    expect(manager?.text).toContain("- <script>alert(1)</script>: 40%");
  });

  it("keeps CR and LF out of the subject and the text lines", () => {
    const recipient = aRep({ id: "mgr-1", name: "Zhang\r\nBcc: evil@example.com" });
    const email = renderAnomalyDigest(rules, recipient, [anAnomaly()], anOrg());
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.text.split("\n")[0]).toContain("Zhang Bcc: evil@example.com");
  });

  it("speaks Chinese when the rules' locale is zh-CN", () => {
    const zh = anAnomalyRuleSet({ locale: "zh-CN", alerts: { anomalies: { window: "90d" } } });
    const email = renderAnomalyDigest(
      zh,
      aRep({ id: "mgr-1", name: "张敏" }),
      [anAnomaly()],
      anOrg(),
    );
    expect(email.subject).toBe("[funnel] 销售漏斗异常提醒：1 项");
    expect(email.text).toContain("== 漏斗外成交过多 ==");
    expect(email.text).toContain(
      `20 笔成交中有 40% 未经过漏斗（超过 30% 即提醒）；统计期：${WINDOW_TEXT}`,
    );
  });

  it("states the stage, the money and the counts in the units of each anomaly", () => {
    const email = renderAnomalyDigest(
      rules,
      aRep(),
      [
        anAnomaly({ anomaly: "low-transfer", stage: "contacted", figure: 0.3, threshold: 0.35 }),
        anAnomaly({
          anomaly: "needs-prospecting",
          stage: "graded",
          figure: 4,
          threshold: 5,
          samples: 4,
          window: "2026-11-23",
        }),
        anAnomaly({
          anomaly: "forecast-below-quota",
          funnel: undefined,
          figure: 40_000,
          threshold: 50_000,
          samples: 32,
          window: "2026-10-01..2026-11-23",
        }),
      ],
      anOrg(),
    );
    expect(email.text).toContain(
      "- You: Contacted: 30% of 20 leads that left the stage moved on (alert below 35%)",
    );
    expect(email.text).toContain("- You: Graded: holds 4 leads, fewer than 5; as of 2026-11-23");
    expect(email.text).toContain(
      "- You: forecast CN¥40,000 from 32 open leads is below the remaining quota CN¥50,000; quarter 2026-10-01..2026-11-23",
    );
  });

  it("reports a recipient without an email address as undeliverable", () => {
    const reps = anOrg([
      aRep({ id: "mgr-1", name: "Zhang Min", manager: "dir-1", email: undefined }),
    ]);
    const decisions = anomalyEmails(rules, [anAnomaly()], reps, "run-1");
    expect(decisions).toEqual([
      expect.objectContaining({ kind: "undeliverable", recipientId: "mgr-1" }),
    ]);
  });
});
