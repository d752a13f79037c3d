import type { WriteStream } from "node:fs";
import { open as openFile, rename, rm } from "node:fs/promises";
import { finished } from "node:stream/promises";
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import {
  checkTable,
  describeAccessError,
  openTable,
  TableAccessError,
} from "../../adapters/table-access";
import { headerLine, itemLine, itemType } from "../../import/export-format";
import { Progress } from "../../import/progress";
import { type Command, parseCommandArgs, UsageError } from "../command";
import { endpointOption, tableTarget } from "./import";

export const exportCommand: Command = {
  name: "export",
  summary: "Write every item of a table to JSON Lines (a snapshot for plan, import and backups)",
  usage: `usage: funnel export --table T [--endpoint URL] [--region R] [--out FILE]

Reads the whole table with a paginated, strongly consistent Scan and writes one JSON object per
line: a header ({"type":"header","exportedAt":…,"table":…,"version":1}), then every item with
its "type" (rep, lead, aggregate, flow, snapshot, transition, …). funnel import reads the leads
and reps back; funnel plan --snapshot reads it all. Format and consistency: docs/import.md.

options:
  --table T         the DynamoDB table (e.g. funnel-rules-prod)
  --endpoint URL    a DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  --region R        the AWS region (default: the SDK's, us-east-1 with --endpoint)
  --out FILE        write to FILE (complete or not at all); default: standard output
  -h, --help        show this help

exit codes: 0 exported, 1 the table cannot be read, 2 wrong usage`,

  async run(args) {
    const { values, positionals } = parseCommandArgs(exportCommand, args, {
      table: { type: "string" },
      endpoint: { type: "string" },
      region: { type: "string" },
      out: { type: "string" },
    });
    const usage = (message: string) => new UsageError(message, exportCommand.usage);
    if (positionals.length > 0) {
      throw usage(`unexpected argument "${positionals[0]}" for funnel export (use --out FILE)`);
    }
    if (values.table === undefined || values.table.trim() === "") {
      throw usage("funnel export needs --table");
    }
    if (values.out !== undefined && values.out.trim() === "")
      throw usage("--out needs a file name");
    const target = tableTarget(values.table, endpointOption(values.endpoint, usage), values.region);
    const open = openTable(target);
    try {
      await checkTable(open, target);
      const exportedAt = new Date().toISOString();
      // A file appears complete or not at all: written beside it, renamed at the end.
      const partial = values.out === undefined ? undefined : `${values.out}.partial`;
      const sink =
        partial === undefined ? process.stdout : await createFile(partial, values.out ?? partial);
      const counts = new Map<string, number>();
      const progress = new Progress({
        label: `exporting ${target.table}`,
        unit: "items",
        stream: process.stderr,
      });
      try {
        await write(sink, `${headerLine({ exportedAt, table: target.table })}\n`);
        const pages = paginateScan(
          { client: open.db },
          { TableName: target.table, ConsistentRead: true },
        );
        for await (const page of pages) {
          const items = (page.Items ?? []) as Record<string, unknown>[];
          if (items.length === 0) continue;
          for (const item of items) {
            const type = itemType(item);
            counts.set(type, (counts.get(type) ?? 0) + 1);
          }
          await write(sink, `${items.map(itemLine).join("\n")}\n`);
          progress.advance(items.length);
        }
        if (partial !== undefined && values.out !== undefined) {
          (sink as WriteStream).end();
          try {
            await finished(sink as WriteStream);
            await rename(partial, values.out);
          } catch (error) {
            throw new OutputError(values.out, error);
          }
        }
      } catch (error) {
        if (partial !== undefined) {
          (sink as WriteStream).destroy();
          await rm(partial, { force: true });
        }
        if (error instanceof OutputError) throw error;
        throw new TableAccessError(`export stopped: ${describeAccessError(error, target)}`, {
          cause: error,
        });
      } finally {
        progress.finish();
      }
      const line = summary(target.table, values.out, counts);
      if (values.out === undefined) console.error(line);
      else console.log(line);
      return 0;
    } finally {
      open.close();
    }
  },
};

/** `exported 35 reps, 320 leads and 1,432 engine items (…) from funnel-rules to snap.jsonl` */
function summary(table: string, out: string | undefined, counts: Map<string, number>): string {
  const reps = counts.get("rep") ?? 0;
  const leads = counts.get("lead") ?? 0;
  const engine = [...counts].filter(([type]) => type !== "rep" && type !== "lead");
  const engineTotal = engine.reduce((total, [, count]) => total + count, 0);
  const detail = engine.map(([type, count]) => `${count} ${type}`).join(", ");
  return (
    `exported ${reps} reps, ${leads} leads and ${engineTotal} engine items` +
    (engine.length > 0 ? ` (${detail})` : "") +
    ` from ${table} to ${out ?? "standard output"}`
  );
}

/** The output file cannot be written; says which, in one line. */
class OutputError extends Error {
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    super(`cannot write ${file} (${code})`, { cause });
    this.name = "OutputError";
  }
}

/** Opens the file before the scan, so that a bad --out fails at once. */
async function createFile(path: string, shown: string): Promise<WriteStream> {
  try {
    const handle = await openFile(path, "w");
    return handle.createWriteStream();
  } catch (error) {
    throw new OutputError(shown, error);
  }
}

/** Writes with backpressure, so a large table streams through instead of piling up in memory. */
async function write(sink: NodeJS.WritableStream, text: string): Promise<void> {
  if (sink.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      sink.off("error", onError);
      resolve();
    };
    const onError = (error: Error) => {
      sink.off("drain", onDrain);
      reject(new OutputError("the output", error));
    };
    sink.once("drain", onDrain);
    sink.once("error", onError);
  });
}
