import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { putItems } from "../adapters/batch-writer";
import { concurrently } from "../adapters/concurrently";
import { getItems } from "../adapters/table-access";
import { ENGINE_FIELDS, KEY_FIELDS, type RecordKind } from "./fields";
import type { PreparedRecord } from "./record-builder";

export interface WriteOptions {
  /** Compare with the table, write nothing. */
  dryRun: boolean;
  /** Chunks of 100 records in flight at once. */
  concurrency: number;
  /** Called as chunks finish, with the number of records done in that chunk. */
  onProgress?: (done: number) => void;
}

export interface WriteOutcome {
  /** Records put (with dryRun: that would be put). */
  written: number;
  /** Records whose stored item already says the same: not written, so no stream event. */
  unchanged: number;
}

const CHUNK = 100;

/**
 * Writes records the way a CRM sync does (a whole-item put per record, docs/data-model.md), but
 * only those that differ from what is stored: each chunk of 100 is read first (BatchGetItem,
 * consistent) and compared on the attributes writers own. Reps go before leads, so that the
 * engine knows the owners by the time it sees their leads.
 */
export async function writeRecords(
  db: DynamoDBDocumentClient,
  tableName: string,
  records: readonly PreparedRecord[],
  options: WriteOptions,
): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { written: 0, unchanged: 0 };
  for (const kind of ["rep", "lead"] as const) {
    const ofKind = records.filter((record) => record.kind === kind);
    const chunks: PreparedRecord[][] = [];
    for (let start = 0; start < ofKind.length; start += CHUNK)
      chunks.push(ofKind.slice(start, start + CHUNK));
    await concurrently(chunks, options.concurrency, async (chunk) => {
      const keys = chunk.map((record) => ({
        pk: String(record.item.pk),
        sk: String(record.item.sk),
      }));
      const stored = new Map(
        (await getItems(db, tableName, keys)).map((item) => [`${item.pk}|${item.sk}`, item]),
      );
      const puts: Record<string, unknown>[] = [];
      for (const record of chunk) {
        const current = stored.get(`${record.item.pk}|${record.item.sk}`);
        if (current !== undefined && sameRecord(kind, current, record.item)) outcome.unchanged += 1;
        else puts.push(itemToPut(kind, current, record.item));
      }
      if (!options.dryRun && puts.length > 0) await putItems(db, tableName, puts);
      outcome.written += puts.length;
      options.onProgress?.(chunk.length);
    });
  }
  return outcome;
}

/**
 * Lead attributes both sides write: writers set them, and the engine sets them when a writer does
 * not (distribution picks the owner, cold handling the pool, a stage change the entry time). A row
 * that leaves one out has no opinion about it: the stored value is not a difference, and a put of
 * a changed row keeps it (owner, pool) or lets the engine keep it (stageEnteredAt).
 */
const SHARED_LEAD_FIELDS = ["owner", "pool", "stageEnteredAt"] as const;

/** The same record as far as the row is concerned: the engine's attributes and keys aside. */
export function sameRecord(
  kind: RecordKind,
  stored: Record<string, unknown>,
  item: Record<string, unknown>,
): boolean {
  const storedView = writerView(kind, stored);
  if (kind === "lead") {
    for (const field of SHARED_LEAD_FIELDS) if (item[field] === undefined) delete storedView[field];
  }
  return canonical(storedView) === canonical(writerView(kind, item));
}

function writerView(kind: RecordKind, item: Record<string, unknown>): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (!KEY_FIELDS.has(key) && !ENGINE_FIELDS[kind].has(key)) view[key] = value;
  }
  return view;
}

/**
 * What to put for a changed record. A lead keeps the stored owner and pool when the row does not
 * name them, so that changing, say, its amount does not send it back to distribution. Its entry
 * time goes in only when it says something new: a lead that stays in its stage is put without
 * `stageEnteredAt`, and the engine then recognises a writer's whole-item put and keeps its own
 * state (grade, dwell timer, stages seen), which it does not when the put carries an entry time
 * (functions/core/lead-change.ts, droppedEngineState).
 */
function itemToPut(
  kind: RecordKind,
  stored: Record<string, unknown> | undefined,
  item: Record<string, unknown>,
): Record<string, unknown> {
  if (kind !== "lead" || stored === undefined) return item;
  const put = { ...item };
  for (const field of ["owner", "pool"] as const) {
    if (put[field] === undefined && stored[field] !== undefined) put[field] = stored[field];
  }
  const sameEntry =
    stored.stage === item.stage &&
    stored.funnel === item.funnel &&
    (item.stageEnteredAt === undefined || stored.stageEnteredAt === item.stageEnteredAt);
  if (sameEntry) delete put.stageEnteredAt;
  return put;
}

/** JSON with keys sorted at every level, so equal records give equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof Set) return [...inner].sort();
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort())
      sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}
