import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { displayLocation, type LoadedRules, loadRules } from "../adapters/rules-loader";
import type { RuleTestCase } from "../core/rule-tests/case-file";
import { readCaseFile } from "../core/rule-tests/case-file";
import { ruleCatalogue } from "../core/rule-tests/rule-catalogue";
import {
  type PlacedRule,
  type RuleTestRun,
  runCases,
  uncoveredRules,
} from "../core/rule-tests/run-cases";
import type { RuleProblem } from "../core/rules/rule-problem";
import { locate, MAX_FILE_BYTES, parseRuleFile } from "../core/rules/yaml-source";

const CASE_FILE = /\.ya?ml$/;

/** The case files could not be found: the run cannot start. */
export class CaseLocationError extends Error {
  readonly problem: RuleProblem;

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "CaseLocationError";
    this.problem = { file, line: 0, column: 0, path: "", message, severity: "error" };
  }
}

/** The default place of a rule set's cases: its tests/ directory. */
export function defaultCaseDir(rulesDir: string): string {
  return join(rulesDir, "tests");
}

/** Every rule of the loaded rule set, with the place it is written at. */
export async function placedRules(loaded: LoadedRules): Promise<PlacedRule[]> {
  const placed: PlacedRule[] = [];
  for (const path of loaded.files) {
    const parsed = parseRuleFile({ path, text: await readFile(path, "utf8") }).file;
    if (parsed === undefined) continue; // cannot happen: the loader validated it
    for (const rule of ruleCatalogue([{ path, value: parsed.value }])) {
      placed.push({ ...rule, ...locate(parsed, rule.path) });
    }
  }
  return placed;
}

/** The case files of a directory (its *.yaml files, not its sub-directories), or one file. */
async function caseFiles(location: string): Promise<{ files: string[]; whole: boolean }> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(location);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw CASE_FILE.test(location)
        ? new CaseLocationError(location, "no such file")
        : new CaseLocationError(
            displayLocation(location, true),
            "no such directory: write the rule test cases there (see docs/rule-tests.md)",
          );
    }
    throw new CaseLocationError(location, `cannot be read: ${(error as Error).message}`);
  }
  if (!info.isDirectory()) {
    if (!info.isFile()) throw new CaseLocationError(location, "not a file or directory");
    return { files: [location], whole: false };
  }
  const entries = await readdir(location, { withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && CASE_FILE.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(location, name));
  if (files.length === 0) {
    throw new CaseLocationError(
      displayLocation(location, true),
      "no case files (*.yaml) in this directory",
    );
  }
  return { files, whole: true };
}

/**
 * `funnel test`: reads the case files (every *.yaml file of the directory, or the files given),
 * runs each case through the core with the loaded rules, and, for a whole directory, lists the
 * rules no case covers. Throws RulesInvalidError for invalid rules and CaseLocationError when the
 * cases cannot be found; problems inside case files are part of the result.
 */
export async function runRuleTests(
  loaded: LoadedRules,
  caseLocation: string,
): Promise<RuleTestRun> {
  const { files, whole } = await caseFiles(caseLocation);
  const catalogue = await placedRules(loaded);
  const ruleIds = catalogue.map((rule) => rule.id);
  const results = [];
  const cases: RuleTestCase[] = [];
  for (const path of files) {
    const { size } = await stat(path);
    const input =
      size > MAX_FILE_BYTES
        ? { path, text: "", size }
        : { path, text: await readFile(path, "utf8") };
    const result = readCaseFile(input, { rules: loaded.rules, ruleIds });
    results.push(result);
    cases.push(...result.cases);
  }
  return {
    files: results,
    results: runCases(loaded.rules, cases),
    coverage: !whole
      ? { skipped: "run the whole directory to check it" }
      : results.some((file) => file.problems.length > 0)
        ? { skipped: "fix the case files first" }
        : { uncovered: uncoveredRules(catalogue, cases) },
    ruleCount: catalogue.length,
  };
}

export { loadRules };
