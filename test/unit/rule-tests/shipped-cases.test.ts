import { describe, expect, it } from "vitest";
import { loadRules } from "../../../functions/adapters/rules-loader";
import { formatRun } from "../../../functions/core/rule-tests/format-results";
import { passed, runSucceeded } from "../../../functions/core/rule-tests/run-cases";
import { runRuleTests } from "../../../functions/rule-tests/run-rule-tests";

describe("the shipped rules' test cases (rules/tests)", () => {
  it("all pass, and every rule of rules/ has a case", async () => {
    const run = await runRuleTests(await loadRules("rules"), "rules/tests");
    const report = formatRun(run).join("\n");
    expect(
      run.files.flatMap((file) => file.problems),
      report,
    ).toEqual([]);
    expect(
      run.results.filter((result) => !passed(result)).map((r) => r.testCase.name),
      report,
    ).toEqual([]);
    expect(run.coverage, report).toEqual({ uncovered: [] });
    expect(run.results.length).toBeGreaterThan(run.ruleCount);
    expect(runSucceeded(run)).toBe(true);
  });
});
