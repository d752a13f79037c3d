import {
  compareProblems,
  formatPath,
  formatProblem,
  type PathSegment,
  type RuleProblem,
} from "./rule-problem";
import { LIST_SECTIONS, type RuleFile, RuleFileSchema } from "./rule-schema";
import { compileRuleSet, type RuleSet } from "./rule-set";
import { schemaIssues } from "./schema-problems";
import { setIssues } from "./set-checks";
import {
  hasTopLevelKey,
  locate,
  type ParsedRuleFile,
  parseRuleFile,
  problemAt,
  type RuleFileInput,
} from "./yaml-source";

export { formatProblem, type RuleFileInput, type RuleProblem };

export type ValidationResult =
  | { ok: true; source: RuleFile; rules: RuleSet }
  | { ok: false; problems: RuleProblem[] };

type ListSection = (typeof LIST_SECTIONS)[number];

/** Where each part of the merged set came from, to report set-level problems in their file. */
interface Origins {
  sections: Map<string, ParsedRuleFile>;
  items: Map<ListSection, { file: ParsedRuleFile; index: number }[]>;
}

/**
 * Validates a rule set given as file texts: YAML, then the schema file by file, then the merged
 * set. Pure (no file system, no clock) so the CLI, the loader, CI and tests share it. Reports every
 * problem it can find at once, sorted by position; it never throws on bad input.
 */
export function validateRules(files: readonly RuleFileInput[]): ValidationResult {
  try {
    return validate(files);
  } catch (error) {
    // A bug here must not hide the rules' real problems behind a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [
        wholeSetProblem(files[0]?.path ?? "", `internal error while validating: ${message}`),
      ],
    };
  }
}

function validate(files: readonly RuleFileInput[]): ValidationResult {
  if (files.length === 0) {
    return {
      ok: false,
      problems: [wholeSetProblem("", "no rule files: a rule set needs at least one *.yaml file")],
    };
  }

  const problems: RuleProblem[] = [];
  const parsed: ParsedRuleFile[] = [];
  let wellFormed = true;
  for (const input of files) {
    const result = parseRuleFile(input);
    problems.push(...result.problems);
    if (!result.file) {
      wellFormed = false;
      continue;
    }
    parsed.push(result.file);
    const issues = schemaIssues(result.file.value);
    if (issues.length > 0) wellFormed = false;
    for (const issue of issues) {
      problems.push(problemAt(result.file, issue.path, issue.message, issue.target));
    }
  }

  const { source, origins, conflicts } = merge(parsed);
  problems.push(...conflicts);

  // The set-level checks assume every file has the schema's shape; on a broken file they would
  // only add follow-on noise (a pool "missing" because its file did not parse).
  if (wellFormed && problems.length === 0) {
    const where = (path: PathSegment[]) => {
      const origin = originOf(origins, parsed, path);
      if (!origin) return "the rule set";
      const { line, column } = locate(origin.file, origin.path);
      return `${origin.file.path}:${line}:${column}`;
    };
    for (const issue of setIssues(source, where)) {
      const origin = originOf(origins, parsed, issue.path);
      if (origin && hasTopLevelKey(origin.file, String(origin.path[0]))) {
        problems.push(problemAt(origin.file, origin.path, issue.message, issue.target));
      } else {
        // A whole section is missing: the set as a whole is at fault, not one spot in a file.
        problems.push({
          ...wholeSetProblem(origin?.file.path ?? parsed[0]?.path ?? "", issue.message),
          line: 1,
          column: 1,
          path: formatPath(issue.path),
        });
      }
    }
  }

  if (problems.length > 0) return { ok: false, problems: problems.sort(compareProblems) };
  return { ok: true, source, rules: compileRuleSet(source) };
}

const KNOWN_SECTIONS = new Set(Object.keys(RuleFileSchema.properties));

function merge(files: readonly ParsedRuleFile[]): {
  source: RuleFile;
  origins: Origins;
  conflicts: RuleProblem[];
} {
  const merged: Record<string, unknown> = { version: 1 };
  const origins: Origins = { sections: new Map(), items: new Map() };
  const conflicts: RuleProblem[] = [];
  for (const file of files) {
    for (const [section, value] of Object.entries(file.value)) {
      if (section === "version" || !KNOWN_SECTIONS.has(section)) continue;
      if (isListSection(section)) {
        if (!Array.isArray(value)) continue;
        const list = (merged[section] as unknown[] | undefined) ?? [];
        merged[section] = list;
        const items = origins.items.get(section) ?? [];
        value.forEach((item, index) => {
          list.push(item);
          items.push({ file, index });
        });
        origins.items.set(section, items);
        if (!origins.sections.has(section)) origins.sections.set(section, file);
        continue;
      }
      const first = origins.sections.get(section);
      if (first) {
        const { line, column } = locate(first, [section], "key");
        conflicts.push(
          problemAt(
            file,
            [section],
            `${section} is already defined in ${first.path}:${line}:${column}; a section other than ${LIST_SECTIONS.join(", ")} may appear in one file only`,
            "key",
          ),
        );
        continue;
      }
      origins.sections.set(section, file);
      merged[section] = value;
    }
  }
  return { source: merged as RuleFile, origins, conflicts };
}

function originOf(
  origins: Origins,
  files: readonly ParsedRuleFile[],
  path: readonly PathSegment[],
): { file: ParsedRuleFile; path: PathSegment[] } | undefined {
  const [section, index, ...rest] = path;
  if (typeof section !== "string") return undefined;
  if (isListSection(section) && typeof index === "number") {
    const item = origins.items.get(section)?.[index];
    if (item) return { file: item.file, path: [section, item.index, ...rest] };
  }
  const file = origins.sections.get(section) ?? files[0];
  return file ? { file, path: [...path] } : undefined;
}

function isListSection(section: string): section is ListSection {
  return (LIST_SECTIONS as readonly string[]).includes(section);
}

function wholeSetProblem(file: string, message: string): RuleProblem {
  return { file, line: 0, column: 0, path: "", message, severity: "error" };
}
