import type { RuleProblem } from "../rules/rule-problem";
import type { RuleSet } from "../rules/rule-set";
import type { CaseFileResult, RuleTestCase } from "./case-file";
import { evaluateCase } from "./evaluate-case";
import { type CaseResult, checkDecisions } from "./match-decisions";
import type { CatalogueRule } from "./rule-catalogue";

/** A catalogue rule with where it is written, for the list of uncovered rules. */
export interface PlacedRule extends CatalogueRule {
  line: number;
  column: number;
}

export interface RuleTestRun {
  /** The case files read, in order, with their problems. */
  files: CaseFileResult[];
  results: CaseResult[];
  /** Rules no case names; or why coverage was not checked (single files, broken case files). */
  coverage: { uncovered: PlacedRule[] } | { skipped: string };
  /** How many rules the rule set has (for the summary). */
  ruleCount: number;
}

/** Runs every case of files without problems through the core and checks its expectations. */
export function runCases(rules: RuleSet, cases: readonly RuleTestCase[]): CaseResult[] {
  return cases.map((testCase) => {
    try {
      return checkDecisions(testCase, evaluateCase(rules, testCase));
    } catch (error) {
      // A bug in the engine must read as this case's failure, not as a crashed run.
      const message = error instanceof Error ? error.message : String(error);
      return { testCase, decisions: [], failures: [], error: message };
    }
  });
}

/** The rules that no case names in its `rule:`. */
export function uncoveredRules<R extends CatalogueRule>(
  catalogue: readonly R[],
  cases: readonly RuleTestCase[],
): R[] {
  const covered = new Set(cases.flatMap((testCase) => testCase.rules));
  return catalogue.filter((rule) => !covered.has(rule.id));
}

export function passed(result: CaseResult): boolean {
  return result.error === undefined && result.failures.length === 0;
}

/** Whether the whole run is green: no case-file problem, no failed case, every rule covered. */
export function runSucceeded(run: RuleTestRun): boolean {
  return (
    run.files.every((file) => file.problems.length === 0) &&
    run.results.every(passed) &&
    ("skipped" in run.coverage || run.coverage.uncovered.length === 0)
  );
}

export function problemsOf(run: RuleTestRun): RuleProblem[] {
  return run.files.flatMap((file) => file.problems);
}
