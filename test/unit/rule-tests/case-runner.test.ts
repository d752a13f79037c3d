import { describe, expect, it } from "vitest";
import { loadRulesSync } from "../../../functions/adapters/rules-loader";
import { readCaseFile } from "../../../functions/core/rule-tests/case-file";
import { evaluateCase } from "../../../functions/core/rule-tests/evaluate-case";
import {
  formatRun,
  githubAnnotations,
  showValue,
} from "../../../functions/core/rule-tests/format-results";
import { checkDecisions, valueMatches } from "../../../functions/core/rule-tests/match-decisions";
import { ruleCatalogue } from "../../../functions/core/rule-tests/rule-catalogue";
import {
  type PlacedRule,
  passed,
  type RuleTestRun,
  runCases,
  runSucceeded,
  uncoveredRules,
} from "../../../functions/core/rule-tests/run-cases";

const { rules, source } = loadRulesSync("rules");
const catalogue = ruleCatalogue([{ path: "rules", value: source as Record<string, unknown> }]);
const ruleIds = catalogue.map((rule) => rule.id);

const ORG = [
  "at: 2026-11-23T09:00:00+08:00",
  "reps:",
  "  - { id: head, name: 王总, email: head@example.com }",
  "  - { id: mgr-1, name: 张经理, manager: head, email: zhang@example.com }",
  "  - { id: rep-1, name: 李杰, manager: mgr-1, region: 华东, email: li@example.com }",
  "  - { id: rep-2, name: 王芳, manager: mgr-1, region: 华南, email: wang@example.com }",
  "cases:",
];

function casesOf(...lines: string[]) {
  const result = readCaseFile(
    { path: "tests/cases.yaml", text: `${[...ORG, ...lines].join("\n")}\n` },
    { rules, ruleIds },
  );
  expect(result.problems).toEqual([]);
  return result.cases;
}

function run(...lines: string[]): RuleTestRun {
  const cases = casesOf(...lines);
  return {
    files: [{ file: "tests/cases.yaml", cases, problems: [] }],
    results: runCases(rules, cases),
    coverage: { skipped: "run the whole directory to check it" },
    ruleCount: catalogue.length,
  };
}

describe("running a case through the core", () => {
  it("decides a new lead as the stream handler does: grade, transition, ledger, then assignment", () => {
    const [testCase] = casesOf(
      "  - name: new lead",
      "    rule: grading.rules.inbound-or-trial",
      "    lead: { id: L1, stage: resource, source: inbound, region: 华南 }",
      "    expect: [{ kind: grade }]",
    );
    const decisions = testCase === undefined ? [] : evaluateCase(rules, testCase);
    expect(decisions.map((d) => d.kind)).toEqual(["grade", "transition", "ledger", "assign"]);
    expect(decisions[3]).toMatchObject({ repId: "rep-2", via: "territory" });
  });

  it("passes a case whose expectations all hold", () => {
    const result = run(
      "  - name: an inbound lead is graded A and goes to its region",
      "    rule: grading.rules.inbound-or-trial",
      "    lead: { id: L1, stage: resource, source: inbound, region: 华南 }",
      "    expect:",
      "      - { kind: grade, grade: A, rule: inbound-or-trial, reason: grading rule inbound-or-trial }",
      "      - { kind: assign, repId: rep-2, via: territory }",
      "    expectNot:",
      "      - { kind: assign, via: no-eligible-rep }",
    );
    expect(result.results.map(passed)).toEqual([true]);
    expect(runSucceeded(result)).toBe(true);
  });

  it("fails a case with the expected fields against those of the closest decision of that kind", () => {
    const result = run(
      "  - name: graded wrongly",
      "    rule: grading.rules.possible-buyer",
      "    lead: { id: L1, stage: resource, employees: 120, region: 华东 }",
      "    expect:",
      "      - { kind: grade, grade: A, rule: inbound-or-trial }",
    );
    expect(runSucceeded(result)).toBe(false);
    expect(formatRun(result)).toEqual([
      "tests/cases.yaml",
      "  ✗ graded wrongly  (tests/cases.yaml:8:5)",
      "    expect[0] (tests/cases.yaml:12:9): no grade decision matches; the closest one:",
      "      - grade: A, rule: inbound-or-trial",
      "      + grade: B, rule: possible-buyer",
      "        grade       L1 → B: grading rule possible-buyer (An average company; the need is uncertain, but it could buy.)",
      "",
      "1 case file, 1 case: 0 passed, 1 failed; coverage not checked: run the whole directory to check it — failed",
    ]);
  });

  it("says which decisions the rules took when none is of the expected kind", () => {
    const lines = formatRun(
      run(
        "  - name: no sale",
        "    rule: funnels.standard.stages.signed.countsAsSale",
        "    lead: { id: L1, stage: resource, region: 华东 }",
        "    expect: [{ kind: sale }]",
      ),
    );
    expect(lines.slice(2, 4)).toEqual([
      "    expect[0] (tests/cases.yaml:11:14): expected sale",
      "      the rules took no sale decision; they took: grade, transition, ledger, assign",
    ]);
  });

  it("fails an expectNot that a decision matches, showing that decision", () => {
    const lines = formatRun(
      run(
        "  - name: pooled",
        "    rule: distribution.whenNoRep",
        "    reps: [{ id: head }, { id: rep-1, manager: head, status: away }]",
        "    lead: { id: L1, stage: resource }",
        "    expectNot: [{ kind: assign, via: no-eligible-rep }]",
      ),
    );
    expect(lines[2]).toBe(
      "    expectNot[0] (tests/cases.yaml:12:17): the rules took a decision they must not: assign { via: no-eligible-rep }",
    );
    expect(lines[3]).toMatch(
      /^ {6}\+ assign {6}L1 → pool unassigned \(no-eligible-rep\): no eligible rep: /,
    );
  });

  it("counts matching decisions when an expectation gives times", () => {
    const result = run(
      "  - name: each level once",
      "    rule: alerts.dwell.escalation.1x",
      "    leads: [{ id: L1, stage: contacted, owner: rep-1, stageEnteredAt: 2026-11-07T09:00:00+08:00 }]",
      "    job: sweep",
      "    expect:",
      "      - { kind: dwell-alert, times: 3 }",
      "      - { kind: dwell-alert, notify: owner, times: 2 }",
    );
    const [outcome] = result.results;
    expect(outcome?.failures.map((f) => [f.expectation.label, f.matched.length])).toEqual([
      ["expect[1]", 1],
    ]);
    expect(formatRun(result)[2]).toBe(
      "    expect[1] (tests/cases.yaml:14:9): expected 2 dwell-alert decisions matching { notify: owner }, the rules took 1",
    );
  });

  it("needs a decision of its own for each expectation without times", () => {
    const cases = casesOf(
      "  - name: two alerts wanted",
      "    rule: alerts.dwell.escalation.1x",
      "    leads: [{ id: L1, stage: contacted, owner: rep-1, stageEnteredAt: 2026-11-17T09:00:00+08:00 }]",
      "    job: sweep",
      "    expect:",
      "      - { kind: dwell-alert }",
      "      - { kind: dwell-alert, notify: owner }",
    );
    const [testCase] = cases;
    if (testCase === undefined) throw new Error("no case");
    const result = checkDecisions(testCase, evaluateCase(rules, testCase));
    // The specific one takes the only alert; the general one finds none left.
    expect(result.failures.map((f) => f.expectation.label)).toEqual(["expect[0]"]);
  });

  it("reports a record the engine cannot use as a record-problem decision, as the handlers do", () => {
    const result = run(
      "  - name: no entry time",
      "    rule: alerts.dwell.escalation.1x",
      "    leads: [{ id: L1, stage: contacted, owner: rep-1 }]",
      "    job: sweep",
      "    expect: [{ kind: record-problem, recordId: L1, reason: no stageEnteredAt }]",
    );
    expect(result.results.map(passed)).toEqual([true]);
  });
});

describe("matching a value", () => {
  it.each([
    [
      "prose contains the expected text",
      "reason",
      "territory 华东",
      "territory 华东 → least loaded",
      true,
    ],
    ["other text is compared whole", "via", "least", "least-loaded", false],
    [
      "times compare as instants across offsets",
      "dueAt",
      "2026-11-24T09:00:00+08:00",
      "2026-11-24T01:00:00.000Z",
      true,
    ],
    ["numbers compare within rounding", "figure", 0.3, 0.1 + 0.2, true],
    ["null matches a missing field", "repId", null, undefined, true],
    ["lists compare element by element", "missing", ["budget"], ["budget", "timeline"], false],
    [
      "mappings compare the keys given",
      "cursor",
      { repId: "rep-1" },
      { scope: "rr#standard", repId: "rep-1" },
      true,
    ],
    ["a number is not its text", "amount", 5000, "5000", false],
  ])("%s", (_, field, expected, actual, matches) => {
    expect(valueMatches(expected, actual, field)).toBe(matches);
  });

  it("shows values the way YAML's flow style writes them", () => {
    expect(showValue("least-loaded")).toBe("least-loaded");
    expect(showValue("华东")).toBe("华东");
    expect(showValue("a, b")).toBe('"a, b"');
    expect(showValue("true")).toBe('"true"');
    expect(showValue(["budget", 3, null])).toBe("[budget, 3, null]");
    expect(showValue(undefined)).toBe("(missing)");
  });
});

describe("coverage", () => {
  it("lists the rules no case names, with where each is written", () => {
    const cases = casesOf(
      "  - name: default",
      "    rule: [grading.default, grading.rules.possible-buyer]",
      "    lead: { id: L1, stage: resource }",
      "    expect: [{ kind: grade }]",
    );
    const placed: PlacedRule[] = catalogue.map((rule) => ({ ...rule, line: 3, column: 5 }));
    const uncovered = uncoveredRules(placed, cases);
    expect(uncovered.map((rule) => rule.id)).toEqual(
      ruleIds.filter((id) => id !== "grading.default" && id !== "grading.rules.possible-buyer"),
    );
    const result: RuleTestRun = {
      files: [{ file: "tests/cases.yaml", cases, problems: [] }],
      results: runCases(rules, cases),
      coverage: { uncovered },
      ruleCount: placed.length,
    };
    expect(runSucceeded(result)).toBe(false);
    const lines = formatRun(result);
    expect(lines).toContain(
      `${uncovered.length} rules without a case — name each in a case's rule: (docs/rule-tests.md):`,
    );
    expect(lines).toContain("  rules:3:5: grading.rules.inbound-or-trial (grading rule: grade A)");
    expect(lines.at(-1)).toBe(
      `1 case file, 1 case: 1 passed, 0 failed; 2 of ${placed.length} rules covered — failed`,
    );
    expect(githubAnnotations(result)).toContain(
      "::error file=rules,line=3,col=5,title=funnel test::grading.rules.inbound-or-trial has no test case (grading rule: grade A)",
    );
  });

  it("annotates a failed case at its line for GitHub", () => {
    const result = run(
      "  - name: graded wrongly",
      "    rule: grading.rules.possible-buyer",
      "    lead: { id: L1, stage: resource, employees: 120 }",
      "    expect: [{ kind: grade, grade: A }]",
    );
    const [annotation] = githubAnnotations(result);
    expect(annotation).toMatch(
      /^::error file=tests\/cases\.yaml,line=8,col=5,title=funnel test::case failed: graded wrongly%0Aexpect\[0\] /,
    );
  });
});
