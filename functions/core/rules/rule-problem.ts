/** One thing wrong with a rule set, pointing at the exact place in the file. */
export interface RuleProblem {
  file: string;
  /** 1-based; 0 when the problem concerns the file or directory as a whole. */
  line: number;
  column: number;
  /** Where in the file's data, e.g. `funnels[0].stages[3].maxDwell`; empty for the whole file. */
  path: string;
  message: string;
  severity: "error";
}

export type PathSegment = string | number;

/** `funnels[0].stages[3].maxDwell`: the notation ops staff see in editors and reviews. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** `rules/funnel.yaml:14:16: funnels[0].stages[3].maxDwell: "5 dayz" is not a duration (…)` */
export function formatProblem(problem: RuleProblem): string {
  const where =
    problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  const path = problem.path === "" ? "" : `${problem.path}: `;
  return `${where}: ${path}${problem.message}`;
}

export function compareProblems(a: RuleProblem, b: RuleProblem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}
