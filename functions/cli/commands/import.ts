import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { type LoadedRules, loadRules, RulesInvalidError } from "../../adapters/rules-loader";
import {
  checkTable,
  describeAccessError,
  openTable,
  TableAccessError,
  type TableTarget,
} from "../../adapters/table-access";
import { formatProblem } from "../../core/rules/rule-problem";
import type { RecordKind } from "../../import/fields";
import { loadMapping, type Mapping } from "../../import/mapping";
import { Progress } from "../../import/progress";
import {
  decodeUtf8,
  type ImportFormat,
  type ReadResult,
  readRecords,
} from "../../import/read-records";
import { type WriteOutcome, writeRecords } from "../../import/write-records";
import { type Command, parseCommandArgs, UsageError } from "../command";

export const importCommand: Command = {
  name: "import",
  summary: "Load leads and reps from CSV or JSON Lines into a table; every row checked first",
  usage: `usage: funnel import <file> --table T [--endpoint URL] [--region R] [--rules DIR]
                     [--kind leads|reps] [--format csv|jsonl] [--mapping NAME|FILE.json]
                     [--all-or-nothing] [--dry-run] [--concurrency N]

Reads every row of the file and checks it against the data model and the rules (the stage
exists in the funnel, numbers are numbers, times are ISO-8601), lists every bad row with its
line, then writes the good ones. A row whose record the table already holds unchanged is not
written again, so importing the same file twice changes nothing. Engine-owned columns (grade,
dueAt, counted, …) are left out with a warning. See docs/import.md.

options:
  --table T          the DynamoDB table (e.g. funnel-rules-prod)
  --endpoint URL     a DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  --region R         the AWS region (default: the SDK's, us-east-1 with --endpoint)
  --rules DIR        the rule directory (default rules/)
  --kind K           leads or reps (CSV: default from the columns; JSON Lines: from each line's type)
  --format F         csv or jsonl (default from the file's extension)
  --mapping M        CSV column mapping: salesforce, hubspot or a mapping file (.json)
  --all-or-nothing   write nothing if any row is bad (default: skip bad rows, write the rest)
  --dry-run          check the file and compare with the table (with --table), write nothing
  --concurrency N    batches of 100 rows in flight at once (default 8)
  -h, --help         show this help

exit codes: 0 every row imported or unchanged, 1 bad rows, a bad file, invalid rules or an
unreachable table, 2 wrong usage`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(importCommand, args, {
      table: { type: "string" },
      endpoint: { type: "string" },
      region: { type: "string" },
      rules: { type: "string", default: "rules" },
      kind: { type: "string" },
      format: { type: "string" },
      mapping: { type: "string" },
      "all-or-nothing": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      concurrency: { type: "string", default: "8" },
    });
    const usage = (message: string) => new UsageError(message, importCommand.usage);
    if (positionals.length !== 1) {
      throw usage(
        positionals.length === 0
          ? "funnel import needs a file to import"
          : `funnel import takes one file, got ${positionals.length}`,
      );
    }
    const file = positionals[0] as string;
    const dryRun = values["dry-run"];
    if (!dryRun && (values.table === undefined || values.table.trim() === "")) {
      throw usage("funnel import needs --table (or --dry-run to only check the file)");
    }
    const kind = parseKind(values.kind, usage);
    const format = parseFormat(values.format, file, usage);
    if (values.mapping !== undefined && format !== "csv") {
      throw usage("--mapping maps CSV columns; JSON Lines files name their fields themselves");
    }
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw usage(`--concurrency must be a whole number from 1 to 64, got "${values.concurrency}"`);
    }
    const endpoint = endpointOption(values.endpoint, usage);

    let loaded: LoadedRules;
    try {
      loaded = await loadRules(values.rules);
    } catch (error) {
      if (!(error instanceof RulesInvalidError)) throw error;
      for (const problem of error.problems) console.error(formatProblem(problem));
      console.error(`funnel: the rules are invalid; nothing imported`);
      return 1;
    }
    const mapping: Mapping | undefined =
      values.mapping === undefined ? undefined : await loadMapping(values.mapping);

    const decoded = decodeUtf8(await readInput(file));
    if ("line" in decoded) {
      console.log(`${file}:${decoded.line}: ${decoded.message}`);
      console.log(`${file}: nothing imported`);
      return 1;
    }
    const read = readRecords(decoded.text, {
      format,
      kind,
      mapping,
      source: loaded.source,
      rules: loaded.rules,
    });

    for (const warning of read.warnings) console.log(`${file}: warning: ${warning}`);
    if (read.fatal.length > 0) {
      for (const problem of read.fatal) console.log(`${file}:${problem.line}: ${problem.message}`);
      console.log(`${file}: nothing imported: the file cannot be read as it is`);
      return 1;
    }
    for (const problem of read.problems) console.log(`${file}:${problem.line}: ${problem.message}`);

    if (values["all-or-nothing"] && read.badRows > 0) {
      console.log(
        `${file}: ${read.rows} read, ${read.badRows} bad — nothing written (--all-or-nothing)`,
      );
      return 1;
    }
    if (values.table === undefined) {
      console.log(
        `${file}: ${read.rows} read, ${read.records.length} valid, ${read.badRows} bad — dry run without --table: not compared with a table, nothing written`,
      );
      return read.badRows > 0 ? 1 : 0;
    }

    const target: TableTarget = tableTarget(values.table, endpoint, values.region);
    const open = openTable(target);
    try {
      await checkTable(open, target);
      const progress = new Progress({
        label: `${dryRun ? "comparing" : "importing"} ${file}`,
        total: read.records.length,
        stream: process.stderr,
      });
      let outcome: WriteOutcome;
      let done = 0;
      try {
        outcome = await writeRecords(open.db, target.table, read.records, {
          dryRun,
          concurrency,
          onProgress: (count) => {
            done += count;
            progress.advance(count);
          },
        });
      } catch (error) {
        // Rows already put stay; a rerun skips them as unchanged and carries on.
        throw new TableAccessError(
          `${describeAccessError(error, target)}; stopped after ${done} of ${read.records.length} rows (importing the file again is safe)`,
          { cause: error },
        );
      } finally {
        progress.finish();
      }
      console.log(summary(file, read, outcome, dryRun));
      return read.badRows > 0 ? 1 : 0;
    } finally {
      open.close();
    }
  },
};

/** `leads.csv: 120 read, 100 written, 15 unchanged, 5 skipped` (+ what a JSON Lines file left out) */
function summary(file: string, read: ReadResult, outcome: WriteOutcome, dryRun: boolean): string {
  const counts = dryRun
    ? `${read.rows} read, ${outcome.written} to write, ${outcome.unchanged} unchanged, ${read.badRows} to skip`
    : `${read.rows} read, ${outcome.written} written, ${outcome.unchanged} unchanged, ${read.badRows} skipped`;
  const ignored = [...read.ignored].map(([type, count]) => `${count} ${type}`).join(", ");
  return (
    `${file}: ${counts}` +
    (ignored === "" ? "" : `; not imported: ${ignored}`) +
    (dryRun ? " — dry run, nothing written" : "")
  );
}

/** --endpoint as a URL DynamoDB can be reached at; a usage error otherwise. */
export function endpointOption(
  endpoint: string | undefined,
  usage: (message: string) => UsageError,
): string | undefined {
  if (endpoint === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw usage(`--endpoint must be a URL such as http://127.0.0.1:8000, got "${endpoint}"`);
  }
  return endpoint;
}

export function tableTarget(
  table: string,
  endpoint: string | undefined,
  region: string | undefined,
): TableTarget {
  return {
    table,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
  };
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, not a file"
          : code === "EACCES" || code === "EPERM"
            ? "cannot be read (permission denied)"
            : `cannot be read (${code ?? (error as Error).message})`;
    throw new Error(`${file}: ${reason}`, { cause: error });
  }
}

function parseKind(
  kind: string | undefined,
  usage: (message: string) => UsageError,
): RecordKind | undefined {
  if (kind === undefined) return undefined;
  if (kind === "leads" || kind === "lead") return "lead";
  if (kind === "reps" || kind === "rep") return "rep";
  throw usage(`--kind must be leads or reps, got "${kind}"`);
}

function parseFormat(
  format: string | undefined,
  file: string,
  usage: (message: string) => UsageError,
): ImportFormat {
  if (format !== undefined) {
    if (format === "csv" || format === "jsonl") return format;
    throw usage(`--format must be csv or jsonl, got "${format}"`);
  }
  const extension = extname(file).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  throw usage(
    `cannot tell the format of ${file} from its name: pass --format csv or --format jsonl`,
  );
}
