import { type LoadedRules, loadRules, RulesInvalidError } from "../../adapters/rules-loader";
import { formatProblem, type RuleProblem } from "../../core/rules/rule-problem";
import { type Command, parseCommandArgs, UsageError } from "../command";

const FORMATS = ["text", "github"] as const;
type Format = (typeof FORMATS)[number];

export const validateCommand: Command = {
  name: "validate",
  summary: "Check a rule set (or one rule file) and report every problem with file:line:col",
  usage: `usage: funnel validate [dir-or-file] [--rules DIR] [--format text|github]

Validates every *.yaml file directly in the directory (default rules/) as one rule set,
or a single file as a complete rule set (e.g. rules/templates/small-funnel.yaml).

options:
  --rules DIR       the rule directory or file (instead of the argument)
  --format FORMAT   text (default) or github: GitHub Actions annotations on the changed lines
  -h, --help        show this help

exit codes: 0 valid, 1 problems found, 2 wrong usage`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(validateCommand, args, {
      rules: { type: "string" },
      format: { type: "string", default: "text" },
    });
    if (positionals.length > 1) {
      throw new UsageError(
        `funnel validate takes one rule directory or file, got ${positionals.length}`,
        validateCommand.usage,
      );
    }
    if (positionals[0] !== undefined && values.rules !== undefined) {
      throw new UsageError(
        "give the rules once: as an argument or with --rules, not both",
        validateCommand.usage,
      );
    }
    const format = values.format as Format;
    if (!FORMATS.includes(format)) {
      throw new UsageError(
        `--format must be text or github, got "${values.format}"`,
        validateCommand.usage,
      );
    }

    const location = positionals[0] ?? values.rules ?? "rules";
    let loaded: LoadedRules;
    try {
      loaded = await loadRules(location);
    } catch (error) {
      if (!(error instanceof RulesInvalidError)) throw error;
      printProblems(error.problems, format);
      return 1;
    }
    console.log(summary(loaded));
    return 0;
  },
};

function printProblems(problems: readonly RuleProblem[], format: Format): void {
  for (const problem of problems) {
    console.log(format === "github" ? annotation(problem) : formatProblem(problem));
  }
  // "rules/: no such directory" says it all; a count only helps with problems inside files.
  if (problems.every((problem) => problem.line === 0)) return;
  const files = new Set(problems.map((problem) => problem.file)).size;
  console.log(`${count(problems.length, "problem")} in ${count(files, "file")} — invalid`);
}

/** `rules/: 6 files, 1 funnel, 8 stages, 4 schedules — valid` */
export function summary(loaded: LoadedRules): string {
  const funnels = loaded.source.funnels ?? [];
  const stages = funnels.reduce((total, funnel) => total + funnel.stages.length, 0);
  const schedules = loaded.source.schedules?.length ?? 0;
  const parts = [
    count(loaded.files.length, "file"),
    count(funnels.length, "funnel"),
    count(stages, "stage"),
    count(schedules, "schedule"),
  ];
  return `${loaded.location}: ${parts.join(", ")} — valid`;
}

/** A GitHub Actions workflow command, so problems show up on the pull request's lines. */
export function annotation(problem: RuleProblem): string {
  const properties = [`file=${escapeProperty(problem.file)}`];
  if (problem.line > 0) properties.push(`line=${problem.line}`, `col=${problem.column}`);
  properties.push("title=funnel-rules");
  const message = problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`;
  return `::error ${properties.join(",")}::${escapeData(message)}`;
}

// Escaping as GitHub's @actions/core does it for workflow commands.
function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
