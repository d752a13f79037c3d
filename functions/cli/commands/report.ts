import { writeFile } from "node:fs/promises";
import { type LoadedRules, loadRules, RulesInvalidError } from "../../adapters/rules-loader";
import { anomalyRunWeeks } from "../../core/anomalies/anomaly-run";
import { headOf, type Rep } from "../../core/records/rep";
import { renderRollup } from "../../core/rollup/render-rollup";
import { reportedWeek, weeksToRead } from "../../core/rollup/rollup-weeks";
import { suggestion } from "../../core/rules/did-you-mean";
import { formatProblem } from "../../core/rules/rule-problem";
import { addDays } from "../../core/time/week";
import { readSnapshotRecords } from "../../plan/snapshot-source";
import { readTableRecords, SourceError } from "../../plan/table-source";
import { buildFunnelReport, type ReportRecords } from "../../rule-tests/funnel-report";
import { renderTerminalReport } from "../../rule-tests/terminal-report";
import { type Command, parseCommandArgs, UsageError } from "../command";

export const reportCommand: Command = {
  name: "report",
  summary:
    "Print a manager's funnel (stages, forecast, progress, overdue, anomalies); --html writes the weekly email",
  usage: `usage: funnel report [--manager ID] [--week YYYY-MM-DD]
                     (--table T [--endpoint URL] [--region R] | --snapshot FILE)
                     [--rules DIR] [--html FILE]

Prints one manager's funnel as the weekly roll-up computes it: the team's leads and
amounts per stage with bars, forecast against the remaining quota, sales of the quarter,
weekly progress against the target, sales velocity, overdue leads, the anomalies found in
the team, the top opportunities and the direct reports. Reads only; writes nothing.

options:
  --manager ID      whose team (default: the head of the organisation)
  --week DATE       any day of the week to report (default: last week, the week the
                    Monday email reports); stage counts are what the team holds now
  --table T         read the DynamoDB table (AWS credential chain, or --endpoint)
  --endpoint URL    a DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  --region R        the AWS region
  --snapshot FILE   read a snapshot written by funnel export instead of a table
  --rules DIR       the rule directory (default rules/)
  --html FILE       also write the report as the weekly email renders it
  -h, --help        show this help

exit codes: 0 printed, 1 the rules, the records or the manager are wrong, or the table
cannot be read, 2 wrong usage`,

  async run(args) {
    // The SDK warns on every start that its 2027 releases need Node 22; the README says so once.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const { values, positionals } = parseCommandArgs(reportCommand, args, {
      manager: { type: "string" },
      week: { type: "string" },
      table: { type: "string" },
      endpoint: { type: "string" },
      region: { type: "string" },
      snapshot: { type: "string" },
      rules: { type: "string", default: "rules" },
      html: { type: "string" },
    });
    const usage = (message: string) => new UsageError(message, reportCommand.usage);
    if (positionals.length > 0)
      throw usage(`unexpected argument "${positionals[0]}" for funnel report`);
    if ((values.table === undefined) === (values.snapshot === undefined))
      throw usage("funnel report reads either a table (--table) or a snapshot (--snapshot)");
    if (values.snapshot !== undefined && (values.endpoint ?? values.region) !== undefined)
      throw usage("--endpoint and --region go with --table, not with --snapshot");
    if (values.table !== undefined && values.table.trim() === "")
      throw usage("--table needs a table name");
    if (values.week !== undefined && !isDate(values.week))
      throw usage(`--week must be a date (YYYY-MM-DD), got "${values.week}"`);

    let loaded: LoadedRules;
    try {
      loaded = await loadRules(values.rules);
    } catch (error) {
      if (!(error instanceof RulesInvalidError)) throw error;
      for (const problem of error.problems) console.error(formatProblem(problem));
      return 1;
    }
    const { rules } = loaded;
    const now = Date.now();
    const week =
      values.week === undefined ? reportedWeek(rules.calendar, now) : mondayOf(values.week);

    let records: ReportRecords;
    let notes: readonly string[] = [];
    try {
      if (values.snapshot !== undefined) {
        const read = await readSnapshotRecords(values.snapshot);
        records = read;
        notes = read.notes ?? [];
      } else {
        records = await readTableRecords(
          { table: values.table as string, endpoint: values.endpoint, region: values.region },
          {
            flowWeeks: [...new Set([...weeksToRead(week), ...anomalyRunWeeks(rules, now)])],
            snapshotWeeks: [week, addDays(week, -7)],
            outboxKeys: () => [],
          },
        );
      }
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      console.error(`funnel report: ${error.message}`);
      return 1;
    }

    const manager = pickManager(records.reps, values.manager);
    if (typeof manager === "string") {
      console.error(`funnel report: ${manager}`);
      return 1;
    }
    const { report, anomalies } = buildFunnelReport(rules, records, manager, week, now);
    const lines = [
      renderTerminalReport(rules, report, anomalies.length),
      ...notes.map((note) => `note: ${note}`),
    ];
    console.log(lines.join("\n"));
    if (values.html !== undefined) {
      try {
        await writeFile(values.html, renderRollup(rules, report).html);
      } catch (error) {
        console.error(`funnel report: cannot write ${values.html}: ${(error as Error).message}`);
        return 1;
      }
      console.log(`wrote ${values.html}: the weekly email of ${manager.name} for week ${week}`);
    }
    return 0;
  },
};

/** The manager asked for, else the head; a sentence saying why not when there is none. */
function pickManager(reps: ReadonlyMap<string, Rep>, id: string | undefined): Rep | string {
  if (reps.size === 0) return "the records hold no reps: there is no funnel to report";
  if (id === undefined) {
    return headOf(reps) ?? "nobody heads the organisation (everyone has a manager): pass --manager";
  }
  const rep = reps.get(id);
  if (rep !== undefined) return rep;
  const byName = [...reps.values()].filter((r) => r.name === id);
  const hint =
    byName.length === 1 ? ` (${id} is the name of ${byName[0]?.id})` : suggestion(id, reps.keys());
  return `no one with id "${id}" in the organisation${hint}`;
}

function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** The Monday of a civil date's week. */
function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}
