import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRulesSync } from "../../../functions/adapters/rules-loader";
import { gradeLead } from "../../../functions/core/grade-lead";
import { aLead } from "../../support/factories";

const { rules, files } = loadRulesSync("rules");
const standard = rules.funnels.find((f) => f.id === "standard");
const stage = (id: string) => standard?.stages.find((s) => s.id === id);
const ruleFiles = [
  ...readdirSync("rules")
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join("rules", f)),
  ...readdirSync("rules/templates").map((f) => join("rules/templates", f)),
];

describe("the shipped rules reproduce the ideal state of the funnel", () => {
  it("loads every file of rules/", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it("has the eight stages in order, implemented won and abandoned lost", () => {
    expect(standard?.stages.map((s) => s.id)).toEqual([
      "resource",
      "graded",
      "contacted",
      "lead",
      "intent",
      "signed",
      "implemented",
      "abandoned",
    ]);
    expect(stage("implemented")?.terminal).toBe("won");
    expect(stage("abandoned")?.terminal).toBe("lost");
  });

  it("allows 1, 1, 5, 5, 5 and 5 days of dwell", () => {
    const dwell = ["resource", "graded", "contacted", "lead", "intent", "signed"].map(
      (id) => stage(id)?.maxDwell?.text,
    );
    expect(dwell).toEqual(["1d", "1d", "5d", "5d", "5d", "5d"]);
  });

  it("targets transfer rates of 100, 90, 50, 30 and 10 %", () => {
    const rates = ["resource", "graded", "contacted", "lead", "intent"].map(
      (id) => stage(id)?.transferRate,
    );
    expect(rates).toEqual([1, 0.9, 0.5, 0.3, 0.1]);
  });

  it("holds 10, 13, 7 and 2 leads per rep in graded, contacted, lead and intent", () => {
    const ideal = ["graded", "contacted", "lead", "intent"].map((id) => stage(id)?.idealPerRep);
    expect(ideal).toEqual([10, 13, 7, 2]);
  });

  it("derives each open stage's win rate from the transfer rates still ahead of it", () => {
    const open = ["resource", "graded", "contacted", "lead", "intent"];
    for (const [i, id] of open.entries()) {
      const ahead = open.slice(i).reduce((p, s) => p * (stage(s)?.transferRate ?? 0), 1);
      expect(stage(id)?.winRate, id).toBeCloseTo(ahead, 6);
    }
  });

  it("requires need, authority, budget and timeline to enter intent", () => {
    expect(stage("intent")?.requires).toEqual(["need", "authority", "budget", "timeline"]);
  });

  it("targets 7.8 % weekly progress and rolls up one level a day from Monday", () => {
    expect(rules.reports.weeklyProgressTarget).toBe(0.078);
    expect(rules.reports.rollup?.cadence.map((c) => c.day)).toEqual([
      "mon",
      "tue",
      "wed",
      "thu",
      "fri",
    ]);
  });

  it("cools abandoned leads off in the cold pool before they return to distribution", () => {
    expect(rules.cold).toMatchObject({
      pool: "cold",
      cooldown: { amount: 30, unit: "day" },
      returnTo: { stage: "resource" },
    });
    expect(rules.pools.has("cold")).toBe(true);
  });

  it("escalates overdue leads from the owner to the manager to the manager's manager", () => {
    expect(rules.alerts.dwell?.escalation.map((e) => [e.after, e.notify])).toEqual([
      [1, "owner"],
      [2, "manager"],
      [3, "managers-manager"],
    ]);
  });

  it("defines all five anomalies of the domain with thresholds and sample sizes", () => {
    const a = rules.alerts.anomalies;
    for (const key of [
      "outOfFunnelSales",
      "intentsWithoutSignings",
      "lowTransfer",
      "highAbandonment",
      "longCycle",
    ] as const) {
      expect(a?.[key]?.minSamples, key).toBeGreaterThan(0);
    }
  });
});

describe("grading with the shipped rules", () => {
  it.each([
    ["a customer who inquired on their own", { source: "inbound" }, "A", "inbound-or-trial"],
    ["a trial user", { source: "trial" }, "A", "inbound-or-trial"],
    [
      "a large company that fits, with verified contacts",
      { employees: 800, productFit: true, contactVerified: true },
      "A",
      "large-fit-reachable",
    ],
    [
      "a large company whose contacts are not verified",
      { employees: 800, productFit: true, contactVerified: false },
      "B",
      "possible-buyer",
    ],
    ["an average company", { employees: 120 }, "B", "possible-buyer"],
    ["a small company of unknown fit", { employees: 8 }, "C", "default"],
  ])("grades %s as %s", (_, fields, grade, rule) => {
    expect(gradeLead(rules, aLead({ source: "web", ...fields }))).toMatchObject({ grade, rule });
  });
});

describe("every shipped rule file", () => {
  it.each(ruleFiles)("%s starts with a yaml-language-server schema line that resolves", (file) => {
    const first = readFileSync(file, "utf8").split("\n")[0] ?? "";
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(match, first).not.toBeNull();
    expect(resolve(dirname(file), match?.[1] ?? "")).toBe(resolve("schema/rules.schema.json"));
  });

  it.each(ruleFiles.filter((f) => f.includes("templates")))("%s validates on its own", (file) => {
    expect(() => loadRulesSync(file)).not.toThrow();
  });
});
