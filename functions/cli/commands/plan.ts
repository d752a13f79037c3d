import { renderJson } from "../../plan/render-json";
import { renderMarkdown } from "../../plan/render-markdown";
import { renderText } from "../../plan/render-text";
import { exitCodeOf, type PlanOutcome, type PlanSource, runPlan } from "../../plan/run-plan";
import { type Command, parseCommandArgs, UsageError } from "../command";

const FORMATS = {
  text: renderText,
  json: renderJson,
  markdown: renderMarkdown,
} as const satisfies Record<string, (outcome: PlanOutcome) => string>;

type Format = keyof typeof FORMATS;

export const planCommand: Command = {
  name: "plan",
  summary:
    "Show what the rules will do at an instant, without writing; --against diffs two versions",
  usage: `usage: funnel plan (--table T [--endpoint URL] [--region R] | --snapshot FILE)
                   [--rules DIR] [--at TIME] [--against GIT_REF|DIR] [--format text|json|markdown]

Evaluates the rules against the leads and reps at an instant, writing nothing, and prints
what the engine will do then, grouped by kind, each with its reason: dwell alerts per
recipient (what a sweep would send), dwell actions, assignments for leads waiting for an
owner, reassignments of a departed rep's leads, releases from the cold pool, anomaly and
funnel-shape alerts, the roll-ups due, and the emails. Each scheduled job is evaluated as if
its schedule fired at that instant (and skipped on a day its schedule skips).

With --against, both rule versions are evaluated on the same records and the difference is
printed: "+42 dwell alerts in stage contacted, −3 anomaly alerts, 0 reassignments", with
examples of each change.

options:
  --table T          read the DynamoDB table (the normal AWS credential chain)
  --endpoint URL     a DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  --region R         the AWS region (default: the SDK's, us-east-1 with --endpoint)
  --snapshot FILE    read a snapshot written by funnel export (JSON Lines) instead
  --rules DIR        the rule directory or file (default rules/): the proposed rules
  --at TIME          the instant: ISO-8601 with offset, or a date = 09:00 that day in the
                     rules' time zone (default: now)
  --against REF|DIR  the rules to compare with: a git revision (main, origin/main, a commit;
                     the same rule directory at that revision) or a directory
  --format FORMAT    text (default), json, or markdown (for a pull-request comment)
  -h, --help         show this help

exit codes: 0 done, 1 invalid rules (either version), unreadable records or an unreachable
table (with --against: records the change makes unusable), 2 wrong usage`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(planCommand, args, {
      table: { type: "string" },
      endpoint: { type: "string" },
      region: { type: "string" },
      snapshot: { type: "string" },
      rules: { type: "string", default: "rules" },
      at: { type: "string" },
      against: { type: "string" },
      format: { type: "string", default: "text" },
    });
    const fail = (message: string): never => {
      throw new UsageError(message, planCommand.usage);
    };
    if (positionals.length > 0) fail(`unexpected argument "${positionals[0]}" for funnel plan`);
    if (!Object.hasOwn(FORMATS, values.format))
      fail(`--format must be text, json or markdown, got "${values.format}"`);
    const source = sourceOf(values, fail);
    const outcome = await runPlan({
      rules: values.rules,
      at: values.at,
      source,
      against: values.against,
      usage: planCommand.usage,
    });
    process.stdout.write(FORMATS[values.format as Format](outcome));
    return exitCodeOf(outcome);
  },
};

function sourceOf(
  values: { table?: string; endpoint?: string; region?: string; snapshot?: string },
  fail: (message: string) => never,
): PlanSource {
  const { table, endpoint, region, snapshot } = values;
  if (table !== undefined && snapshot !== undefined) fail("give --table or --snapshot, not both");
  if (snapshot !== undefined) {
    if (endpoint !== undefined || region !== undefined)
      fail("--endpoint and --region go with --table, not --snapshot");
    if (snapshot.trim() === "") fail("--snapshot needs a file");
    return { kind: "snapshot", file: snapshot };
  }
  if (table === undefined || table.trim() === "")
    return fail(
      "funnel plan needs the records: --table T (with --endpoint for DynamoDB Local) or --snapshot FILE",
    );
  if (endpoint !== undefined && !/^https?:\/\/\S+$/.test(endpoint))
    fail(`--endpoint must be a URL like http://127.0.0.1:8000, got "${endpoint}"`);
  return { kind: "table", table, endpoint, region };
}
