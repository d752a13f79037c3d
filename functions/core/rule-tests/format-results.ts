import type { Decision } from "../decisions";
import { formatDecision } from "../format-decision";
import { formatProblem, type RuleProblem } from "../rules/rule-problem";
import type { Expectation, Place } from "./case-file";
import type { CaseResult, ExpectationFailure } from "./match-decisions";
import { passed, problemsOf, type RuleTestRun, runSucceeded } from "./run-cases";

/*
 * What `funnel test` prints: each case file with its cases (✓ or ✗), a failed case's expectations
 * with the expected fields against those of the decisions of that kind the rules did take, the
 * case-file problems at file:line:col, the uncovered rules at their place in the rule files, and a
 * summary. `github` adds GitHub Actions annotations so failures show on the pull request's lines.
 */

const MAX_CANDIDATES = 3;
const MAX_LINE = 180;

export function where(place: Place): string {
  return `${place.file}:${place.line}:${place.column}`;
}

/** A value as YAML's flow style would show it: plain words bare, other text quoted. */
export function showValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (value === null) return "null";
  if (typeof value === "string") {
    const plain =
      /^[\p{L}\p{N}_.@/#+-][\p{L}\p{N}_.@/#+:-]*$/u.test(value) &&
      !/^(true|false|null|~|[-+]?\d[\d.eE+-]*)$/.test(value);
    return plain ? value : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{ ${entries.map(([k, v]) => `${k}: ${showValue(v)}`).join(", ")} }`;
  }
  return String(value);
}

function clip(text: string, max = MAX_LINE): string {
  const line = text.replace(/\s*\n\s*/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function fieldsText(fields: Record<string, unknown>): string {
  const entries = Object.entries(fields);
  return entries.length === 0
    ? "(any)"
    : entries.map(([k, v]) => `${k}: ${showValue(v)}`).join(", ");
}

function wanted(expectation: Expectation): string {
  const fields =
    Object.keys(expectation.fields).length === 0 ? "" : ` { ${fieldsText(expectation.fields)} }`;
  return `${expectation.kind}${fields}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function kindsTaken(decisions: readonly Decision[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  if (counts.size === 0) return "no decisions at all";
  return [...counts].map(([kind, n]) => (n === 1 ? kind : `${kind} ×${n}`)).join(", ");
}

/** The lines explaining one failed expectation, indented under the case. */
export function failureLines(
  failure: ExpectationFailure,
  decisions: readonly Decision[],
): string[] {
  const { expectation } = failure;
  const head = `${expectation.label} (${where(expectation.place)})`;
  const context = (d: Decision) => `      ${clip(formatDecision(d))}`;
  if (failure.mode === "expectNot") {
    return [
      `    ${head}: the rules took ${failure.matched.length === 1 ? "a decision" : `${failure.matched.length} decisions`} they must not: ${wanted(expectation)}`,
      ...failure.matched.slice(0, MAX_CANDIDATES).map((d) => `      + ${clip(formatDecision(d))}`),
    ];
  }
  if (expectation.times !== undefined) {
    return [
      `    ${head}: expected ${plural(expectation.times, `${expectation.kind} decision`)} matching { ${fieldsText(expectation.fields)} }, the rules took ${failure.matched.length}`,
      ...failure.matched.slice(0, MAX_CANDIDATES).map((d) => `      + ${clip(formatDecision(d))}`),
    ];
  }
  const ofKind = decisions.filter((d) => d.kind === expectation.kind);
  if (ofKind.length === 0) {
    return [
      `    ${head}: expected ${wanted(expectation)}`,
      `      the rules took no ${expectation.kind} decision; they took: ${kindsTaken(decisions)}`,
    ];
  }
  if (failure.candidates.length === 0) {
    // Every decision of the kind matches, but another expectation took each one.
    return [
      `    ${head}: expected one more ${wanted(expectation)}: each matching decision is claimed by another expectation`,
      ...failure.matched.slice(0, MAX_CANDIDATES).map(context),
    ];
  }
  const lines = [
    `    ${head}: no ${expectation.kind} decision matches; the closest ${failure.candidates.length === 1 ? "one" : `of ${failure.candidates.length}`}:`,
  ];
  for (const candidate of failure.candidates.slice(0, MAX_CANDIDATES)) {
    const actual = candidate.decision as unknown as Record<string, unknown>;
    const shown = Object.fromEntries(Object.keys(expectation.fields).map((k) => [k, actual[k]]));
    lines.push(
      `      - ${clip(fieldsText(expectation.fields))}`,
      `      + ${clip(fieldsText(shown))}`,
      `        ${clip(formatDecision(candidate.decision))}`,
    );
  }
  if (failure.candidates.length > MAX_CANDIDATES)
    lines.push(`      … and ${failure.candidates.length - MAX_CANDIDATES} more`);
  return lines;
}

function caseLines(result: CaseResult): string[] {
  const { testCase } = result;
  if (passed(result)) return [`  ✓ ${testCase.name}`];
  const lines = [`  ✗ ${testCase.name}  (${where(testCase.place)})`];
  if (result.error !== undefined) {
    lines.push(`    the engine failed on this case: ${result.error}`);
    return lines;
  }
  for (const failure of result.failures) lines.push(...failureLines(failure, result.decisions));
  const problems = result.decisions.filter((d) => d.kind === "record-problem");
  for (const problem of problems)
    lines.push(`    note: the engine could not use a record: ${clip(formatDecision(problem))}`);
  return lines;
}

export function summaryLine(run: RuleTestRun): string {
  const failed = run.results.filter((r) => !passed(r)).length;
  const problems = problemsOf(run).length;
  const parts = [
    `${plural(run.files.length, "case file")}, ${plural(run.results.length, "case")}: ${run.results.length - failed} passed, ${failed} failed`,
  ];
  if (problems > 0) parts.push(`${plural(problems, "problem")} in the case files`);
  if ("uncovered" in run.coverage)
    parts.push(
      `${run.ruleCount - run.coverage.uncovered.length} of ${plural(run.ruleCount, "rule")} covered`,
    );
  else parts.push(`coverage not checked: ${run.coverage.skipped}`);
  return `${parts.join("; ")} — ${runSucceeded(run) ? "passed" : "failed"}`;
}

/** The text report, line by line. */
export function formatRun(run: RuleTestRun): string[] {
  const lines: string[] = [];
  for (const file of run.files) {
    lines.push(file.file);
    for (const problem of file.problems) lines.push(`  ${formatProblem(problem)}`);
    for (const result of run.results.filter((r) => r.testCase.place.file === file.file))
      lines.push(...caseLines(result));
  }
  const uncovered = "uncovered" in run.coverage ? run.coverage.uncovered : [];
  if (uncovered.length > 0) {
    lines.push(
      "",
      `${plural(uncovered.length, "rule")} without a case — name each in a case's rule: (docs/rule-tests.md):`,
    );
    for (const rule of uncovered)
      lines.push(`  ${rule.file}:${rule.line}:${rule.column}: ${rule.id} (${rule.what})`);
  }
  lines.push("", summaryLine(run));
  return lines;
}

/** GitHub Actions workflow commands for every problem, failed case and uncovered rule. */
export function githubAnnotations(run: RuleTestRun): string[] {
  const annotations: string[] = [];
  const error = (file: string, line: number, column: number, message: string) =>
    `::error ${[`file=${escapeProperty(file)}`, ...(line > 0 ? [`line=${line}`, `col=${column}`] : []), "title=funnel test"].join(",")}::${escapeData(message)}`;
  for (const problem of problemsOf(run)) {
    annotations.push(error(problem.file, problem.line, problem.column, problemText(problem)));
  }
  for (const result of run.results.filter((r) => !passed(r))) {
    const { place, name } = result.testCase;
    const detail =
      result.error !== undefined
        ? [`the engine failed on this case: ${result.error}`]
        : result.failures.flatMap((f) => failureLines(f, result.decisions).map((l) => l.trim()));
    annotations.push(
      error(place.file, place.line, place.column, [`case failed: ${name}`, ...detail].join("\n")),
    );
  }
  for (const rule of "uncovered" in run.coverage ? run.coverage.uncovered : []) {
    annotations.push(
      error(rule.file, rule.line, rule.column, `${rule.id} has no test case (${rule.what})`),
    );
  }
  return annotations;
}

function problemText(problem: RuleProblem): string {
  return problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`;
}

// Escaping as GitHub's @actions/core does it for workflow commands.
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
