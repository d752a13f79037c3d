import { loadRules, RulesInvalidError } from "../../adapters/rules-loader";
import { createRuntime } from "../../adapters/runtime";
import { formatProblem } from "../../core/rules/rule-problem";
import { runReconcile } from "../../handlers/jobs/run-reconcile";
import { type Command, parseCommandArgs, UsageError } from "../command";

export const reconcileCommand: Command = {
  name: "reconcile",
  summary: "Compare the per-rep per-stage aggregates with the leads; --fix corrects the ledger",
  usage: `usage: funnel reconcile --table T [--endpoint URL] [--region R] [--rules DIR] [--fix]

Reads every lead (a full scan: a maintenance command) and compares the aggregates
(count and amount per rep per stage) with what the leads' owner, funnel, stage and
amount say. Prints one line per row that drifts.

options:
  --table T         the DynamoDB table (e.g. funnel-rules-prod)
  --endpoint URL    a DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  --region R        the AWS region (default: the SDK's, us-east-1 with --endpoint)
  --rules DIR       the rule directory (default rules/)
  --fix             set aggregates that differ from the leads' counted holdings back to
                    them; leads whose stream record is not applied yet are only reported
  -h, --help        show this help

exit codes: 0 no drift (left), 1 drift or invalid rules, 2 wrong usage`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(reconcileCommand, args, {
      table: { type: "string" },
      endpoint: { type: "string" },
      region: { type: "string" },
      rules: { type: "string", default: "rules" },
      fix: { type: "boolean", default: false },
    });
    if (positionals.length > 0) {
      throw new UsageError(
        `unexpected argument "${positionals[0]}" for funnel reconcile`,
        reconcileCommand.usage,
      );
    }
    if (values.table === undefined || values.table.trim() === "") {
      throw new UsageError("funnel reconcile needs --table", reconcileCommand.usage);
    }
    let rules: Awaited<ReturnType<typeof loadRules>>["rules"];
    try {
      rules = (await loadRules(values.rules)).rules;
    } catch (error) {
      if (!(error instanceof RulesInvalidError)) throw error;
      for (const problem of error.problems) console.error(formatProblem(problem));
      return 1;
    }
    const runtime = createRuntime(
      {
        tableName: values.table,
        rulesDir: values.rules,
        region: values.region,
        dynamoEndpoint: values.endpoint,
      },
      rules,
      // Reconcile never sends email; a mailer that refuses makes sure of it.
      { mailer: { send: () => Promise.reject(new Error("reconcile sends no email")) } },
    );
    const run = await runReconcile(runtime, { fix: values.fix });
    for (const decision of run.decisions) console.log(`${decision.outcome}: ${decision.reason}`);
    for (const problem of run.result.problems)
      console.log(`lead ${problem.leadId}: ${problem.reason}`);
    for (const item of run.unreadable) console.log(`${item.key}: unreadable: ${item.reason}`);
    const rows = run.decisions.length;
    const summary =
      rows === 0
        ? `no drift: the aggregates match ${run.result.leads} leads`
        : `${rows} aggregate row(s) drift over ${run.result.leads} leads` +
          (values.fix ? `; ${run.fixed} fixed, ${run.remaining} left` : "") +
          (run.result.unsettled.length > 0
            ? `; ${run.result.unsettled.length} lead(s) not yet counted`
            : "");
    console.log(summary);
    return run.remaining === 0 ? 0 : 1;
  },
};
