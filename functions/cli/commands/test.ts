import { type LoadedRules, loadRules, RulesInvalidError } from "../../adapters/rules-loader";
import { formatRun, githubAnnotations } from "../../core/rule-tests/format-results";
import { runSucceeded } from "../../core/rule-tests/run-cases";
import { formatProblem } from "../../core/rules/rule-problem";
import {
  CaseLocationError,
  defaultCaseDir,
  placedRules,
  runRuleTests,
} from "../../rule-tests/run-rule-tests";
import { type Command, parseCommandArgs, UsageError } from "../command";
import { annotation } from "./validate";

const FORMATS = ["text", "github"] as const;
type Format = (typeof FORMATS)[number];

export const testCommand: Command = {
  name: "test",
  summary: "Run the rule test cases (rules/tests/*.yaml) and check that every rule has one",
  usage: `usage: funnel test [dir-or-file] [--rules DIR] [--format text|github] [--list-rules]

Runs the rule test cases: YAML files that say "given these reps and leads at this
instant, when this happens, expect these decisions and not those" (docs/rule-tests.md).
Each case runs through the same core as the Lambda functions. Run on a directory
(default: the rules' tests/ directory, e.g. rules/tests/), it also fails when a rule has
no case; on a single file it runs that file's cases only.

options:
  --rules DIR       the rule directory (default rules/)
  --format FORMAT   text (default) or github: also GitHub Actions annotations on the
                    failing cases' and uncovered rules' lines
  --list-rules      list the rule ids a case can cover, with where each is written
  -h, --help        show this help

exit codes: 0 every case passed and every rule is covered, 1 a case failed, a case file
or the rules have problems, or a rule has no case, 2 wrong usage`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(testCommand, args, {
      rules: { type: "string", default: "rules" },
      format: { type: "string", default: "text" },
      "list-rules": { type: "boolean", default: false },
    });
    if (positionals.length > 1) {
      throw new UsageError(
        `funnel test takes one case directory or file, got ${positionals.length}`,
        testCommand.usage,
      );
    }
    const format = values.format as Format;
    if (!FORMATS.includes(format)) {
      throw new UsageError(
        `--format must be text or github, got "${values.format}"`,
        testCommand.usage,
      );
    }

    let loaded: LoadedRules;
    try {
      loaded = await loadRules(values.rules);
    } catch (error) {
      if (!(error instanceof RulesInvalidError)) throw error;
      for (const problem of error.problems)
        console.log(format === "github" ? annotation(problem) : formatProblem(problem));
      console.log(
        "the rules are invalid: fix them before testing (funnel validate shows the same)",
      );
      return 1;
    }

    if (values["list-rules"]) {
      const rules = await placedRules(loaded);
      const width = Math.max(0, ...rules.map((rule) => rule.id.length));
      const lines = rules.map(
        (rule) =>
          `${rule.id.padEnd(width)}  ${rule.what}  (${rule.file}:${rule.line}:${rule.column})`,
      );
      console.log([...lines, `${rules.length} rules in ${loaded.location}`].join("\n"));
      return 0;
    }

    const location = positionals[0] ?? defaultCaseDir(values.rules);
    try {
      const run = await runRuleTests(loaded, location);
      const lines = [...formatRun(run), ...(format === "github" ? githubAnnotations(run) : [])];
      console.log(lines.join("\n"));
      return runSucceeded(run) ? 0 : 1;
    } catch (error) {
      if (!(error instanceof CaseLocationError)) throw error;
      console.log(format === "github" ? annotation(error.problem) : formatProblem(error.problem));
      return 1;
    }
  },
};
