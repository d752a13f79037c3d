import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { aggregateRows, flowRows } from "../adapters/counter-items";
import type { HoldingRow } from "../core/anomalies/funnel-shape";
import type { FlowRowInput } from "../core/anomalies/window-totals";
import { FLOW_COUNTERS, type FlowCounter } from "../core/flow";
import { decodeHolding } from "../core/holding";
import type { PlanRecords } from "../core/plan/plan-types";
import { type Lead, parseLead } from "../core/records/lead";
import { RecordError } from "../core/records/record-error";
import { parseRep, type Rep } from "../core/records/rep";
import type { SnapshotFigures, WeekSnapshot } from "../core/rollup/snapshot";
import { EXPORT_VERSION } from "../import/export-format";
import { SourceError } from "./table-source";

type Json = Record<string, unknown>;

export interface SnapshotRecords extends PlanRecords {
  /** The header line: what was exported, from where, when. */
  header: Json;
  /** Records of types plan does not use, by type. */
  ignored: Record<string, number>;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function counts(
  source: Readonly<Record<FlowCounter, number>>,
): Partial<Record<FlowCounter, number>> {
  const result: Partial<Record<FlowCounter, number>> = {};
  for (const counter of FLOW_COUNTERS) {
    const value = Number(source[counter] ?? 0);
    if (value !== 0 && Number.isFinite(value)) result[counter] = value;
  }
  return result;
}

function figures(value: unknown): SnapshotFigures {
  const item = isObject(value) ? value : {};
  return {
    forecast: Number(item.forecast ?? 0),
    salesQuarter: Number(item.salesQuarter ?? 0),
    salesOutOfFunnelQuarter: Number(item.salesOutOfFunnelQuarter ?? 0),
    salesWeek: Number(item.salesWeek ?? 0),
    quota: item.quota === undefined || item.quota === null ? null : Number(item.quota),
    stages: (isObject(item.stages) ? item.stages : {}) as SnapshotFigures["stages"],
  };
}

function weekSnapshot(record: Json): WeekSnapshot {
  const team = isObject(record.team) ? record.team : undefined;
  return {
    repId: String(record.repId),
    week: String(record.week),
    takenAt: String(record.takenAt ?? ""),
    own: figures(record.own),
    ...(team === undefined
      ? {}
      : { team: { ...figures(team), members: Number(team.members ?? 0) } }),
  };
}

/**
 * Reads a snapshot written by `funnel export`: JSON Lines, a header line `{"type":"header",…}`
 * first, then one record per line with its `type`. Plan uses `lead` and `rep` records, and
 * `aggregate`, `flow`, `cursor`, `snapshot` and `email` records when the export has them (the
 * engine's items as the table holds them); other types are counted and left alone. Without
 * aggregates, what each rep holds is recounted from the leads' `counted`. An aggregate or flow
 * record is a whole counter item, every stage of it (see adapters/counter-items.ts). A line that is
 * not JSON, or a file without the header, stops the read with the line's number.
 */
export async function readSnapshotRecords(file: string): Promise<SnapshotRecords> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new SourceError(`snapshot ${file}: not a file`);
  } catch (error) {
    if (error instanceof SourceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceError(
      code === "ENOENT"
        ? `snapshot ${file}: no such file (write one with funnel export)`
        : `snapshot ${file}: cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  }

  let header: Json | undefined;
  const leads: Lead[] = [];
  const reps = new Map<string, Rep>();
  const holdings: HoldingRow[] = [];
  const flows: FlowRowInput[] = [];
  const cursors = new Map<string, string>();
  const snapshots = new Map<string, Map<string, WeekSnapshot>>();
  const outboxKeys = new Set<string>();
  const unreadable: { key: string; reason: string }[] = [];
  const ignored: Record<string, number> = {};
  const seen = new Set<string>();

  const lines = createInterface({
    input: createReadStream(file, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new SourceError(`${file}:${number}: not JSON: ${(error as Error).message}`);
    }
    if (!isObject(record) || typeof record.type !== "string") {
      throw new SourceError(`${file}:${number}: a record must be a JSON object with a "type"`);
    }
    if (header === undefined) {
      if (record.type !== "header") {
        throw new SourceError(
          `${file}:${number}: not a funnel export snapshot: the first line must be {"type":"header",…}`,
        );
      }
      if (record.version !== EXPORT_VERSION) {
        throw new SourceError(
          `${file}:${number}: snapshot format version ${JSON.stringify(record.version ?? null)} is not one this funnel reads (${EXPORT_VERSION})`,
        );
      }
      header = record;
      continue;
    }
    const where = `${file}:${number}`;
    seen.add(record.type);
    try {
      switch (record.type) {
        case "lead":
          leads.push(parseLead(record));
          break;
        case "rep": {
          const rep = parseRep(record);
          reps.set(rep.id, rep);
          break;
        }
        case "aggregate":
          holdings.push(...aggregateRows(record));
          break;
        case "flow":
          for (const row of flowRows(record)) flows.push({ ...row, counts: counts(row.counts) });
          break;
        case "cursor":
          cursors.set(String(record.scope), String(record.repId));
          break;
        case "snapshot": {
          const snapshot = weekSnapshot(record);
          const week = snapshots.get(snapshot.week) ?? new Map<string, WeekSnapshot>();
          week.set(snapshot.repId, snapshot);
          snapshots.set(snapshot.week, week);
          break;
        }
        case "email":
          if (typeof record.key === "string") outboxKeys.add(record.key);
          break;
        default:
          ignored[record.type] = (ignored[record.type] ?? 0) + 1;
      }
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      unreadable.push({ key: where, reason: error.message });
    }
  }
  if (header === undefined) throw new SourceError(`snapshot ${file}: empty file`);

  const notes: string[] = [];
  if (!seen.has("aggregate")) {
    notes.push("the snapshot has no aggregates: what each rep holds is recounted from the leads");
    holdings.push(...recount(leads));
  }
  if (!seen.has("flow")) {
    notes.push(
      "the snapshot has no flow counters: the trailing-window anomalies and the roll-ups' sales see none",
    );
  }
  return {
    header,
    ignored,
    leads,
    reps,
    holdings,
    flows,
    cursors,
    snapshots,
    outboxKeys: seen.has("email") ? outboxKeys : undefined,
    unreadable,
    notes,
  };
}

/** What each rep holds by the leads' own `counted`, which the aggregates always equal. */
function recount(leads: readonly Lead[]): HoldingRow[] {
  const rows = new Map<string, HoldingRow>();
  for (const lead of leads) {
    const holding = decodeHolding(lead.counted);
    if (holding === undefined) continue;
    const key = `${holding.repId}\u0000${holding.funnel}\u0000${holding.stage}`;
    const row = rows.get(key) ?? { ...holding, count: 0, amount: 0 };
    row.count += 1;
    row.amount += holding.amount;
    rows.set(key, row);
  }
  return [...rows.values()];
}

export function describeSnapshot(file: string, header: Json): string {
  const when = header.exportedAt ?? header.at ?? header.createdAt;
  return `snapshot ${file}${typeof when === "string" ? ` (exported ${when})` : ""}`;
}
