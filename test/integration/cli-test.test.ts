import { describe, expect, it } from "vitest";
import { funnel } from "../support/funnel-cli";

const FIXTURES = "test/fixtures/rule-tests";

describe("funnel test", () => {
  it("passes on the shipped rules, with every rule covered", () => {
    const run = funnel("test");
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("rules/tests/anomalies.yaml");
    expect(lines).toContain("  ✓ a customer who inquired on their own is graded A");
    expect(lines.some((line) => line.startsWith("  ✗"))).toBe(false);
    expect(lines.at(-1)).toMatch(
      /^\d+ case files, (\d+) cases: \1 passed, 0 failed; (\d+) of \2 rules covered — passed$/,
    );
  });

  it("takes the rules from --rules and the cases from the argument", () => {
    const run = funnel("test", "rules/tests/grading.yaml", "--rules", "rules");
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(
      "1 case file, 8 cases: 8 passed, 0 failed; coverage not checked: run the whole directory to check it — passed",
    );
  });

  it("exits 1 with the expected fields against the decisions the rules took", () => {
    const run = funnel("test", `${FIXTURES}/failing/distribution.yaml`);
    expect(run.code).toBe(1);
    const file = `${FIXTURES}/failing/distribution.yaml`;
    expect(run.stdout.split("\n")).toEqual([
      file,
      "  ✓ a lead from 华南 goes to the rep of 华南",
      `  ✗ a lead from 华南 goes to 李杰 (wrong on purpose)  (${file}:16:5)`,
      `    expect[0] (${file}:20:9): no assign decision matches; the closest one:`,
      "      - repId: rep-li",
      "      + repId: rep-zhao",
      "        assign      L1 → rep-zhao (territory): territory 华南 → the only candidate left: 赵磊",
      `  ✗ nobody is ever pooled (wrong on purpose)  (${file}:22:5)`,
      `    expectNot[0] (${file}:29:9): the rules took a decision they must not: assign { via: no-eligible-rep }`,
      "      + assign      L1 → pool unassigned (no-eligible-rep): no eligible rep: the only seller is away",
      "",
      "1 case file, 3 cases: 1 passed, 2 failed; coverage not checked: run the whole directory to check it — failed",
      "",
    ]);
  });

  it("reports mistakes in a case file at their line and column, and runs nothing from it", () => {
    const run = funnel("test", `${FIXTURES}/broken`);
    expect(run.code).toBe(1);
    const file = `${FIXTURES}/broken/cases.yaml`;
    expect(run.stdout.split("\n")).toEqual([
      file,
      `  ${file}:8:5: cases[0].expcet: unknown key "expcet" (did you mean "expect"?)`,
      `  ${file}:12:22: cases[1].expect[0].kind: "grading" is not a decision kind: one of grade, transition, ledger, cold, sale, entry-check, assign, reassign, release, dwell-alert, dwell-action, timer, anomaly, email, undeliverable, record-problem`,
      "",
      "1 case file, 0 cases: 0 passed, 0 failed; 2 problems in the case files; coverage not checked: fix the case files first — failed",
      "",
    ]);
  });

  it("exits 1 and lists every rule without a case, where it is written", () => {
    const run = funnel("test", `${FIXTURES}/partial`);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toContain(
      "30 rules without a case — name each in a case's rule: (docs/rule-tests.md):",
    );
    expect(lines).toContain(
      "  rules/alerts.yaml:8:9: alerts.dwell.escalation.1x (dwell alert to the owner at 1x the limit)",
    );
    expect(lines).toContain(
      "  rules/funnel.yaml:59:19: funnels.standard.stages.intent.requires (entering intent requires need, authority, budget, timeline)",
    );
    expect(lines.some((line) => line.includes(": grading."))).toBe(false);
    expect(lines.at(-1)).toBe(
      "1 case file, 2 cases: 2 passed, 0 failed; 4 of 34 rules covered — failed",
    );
  });

  it("adds GitHub Actions annotations with --format github", () => {
    const run = funnel("test", `${FIXTURES}/failing/distribution.yaml`, "--format", "github");
    expect(run.code).toBe(1);
    const annotations = run.stdout.split("\n").filter((line) => line.startsWith("::error "));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatch(
      new RegExp(
        `^::error file=${FIXTURES}/failing/distribution\\.yaml,line=16,col=5,title=funnel test::case failed: a lead from 华南 goes to 李杰 \\(wrong on purpose\\)%0Aexpect\\[0\\]`,
      ),
    );
  });

  it("lists the rule ids a case can cover", () => {
    const run = funnel("test", "--list-rules");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^alerts\.dwell\.escalation\.1x +dwell alert to the owner at 1x the limit {2}\(rules\/alerts\.yaml:8:9\)$/,
    );
    expect(lines.at(-1)).toBe("34 rules in rules/");
  });

  it("says where the case directory was looked for when it is missing", () => {
    const run = funnel("test", "--rules", "test/fixtures/rules-valid");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      "test/fixtures/rules-valid/tests/: no such directory: write the rule test cases there (see docs/rule-tests.md)\n",
    );
  });

  it("refuses invalid rules before running any case", () => {
    const run = funnel("test", "rules/tests", "--rules", "test/fixtures/broken-rules");
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      'test/fixtures/broken-rules/funnel.yaml:9:19: funnels[0].stages[0].maxDwell: "5 dayz" is not a duration (e.g. 5d, 36h, 3bd)',
    );
    expect(lines.at(-1)).toBe(
      "the rules are invalid: fix them before testing (funnel validate shows the same)",
    );
  });

  it("rejects wrong usage with exit 2 and the usage", () => {
    const format = funnel("test", "--format", "json");
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^funnel: --format must be text or github, got "json"\n/);
    const two = funnel("test", "a", "b");
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^funnel: funnel test takes one case directory or file, got 2\n/);
    const option = funnel("test", "--list-rule");
    expect(option.code).toBe(2);
    expect(option.stderr.split("\n")[0]).toBe(
      'funnel: unknown option "--list-rule" for funnel test (did you mean "--list-rules"?)',
    );
    expect(option.stderr).toContain("usage: funnel test [dir-or-file]");
  });

  it("is listed by funnel --help", () => {
    const run = funnel("--help");
    expect(run.stdout).toMatch(/^\s+test\s+Run the rule test cases/m);
    expect(run.stdout).toMatch(/^\s+report\s+Print a manager's funnel/m);
  });
});
