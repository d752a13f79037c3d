import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LocalClientConfig } from "../../functions/local/local-stack";

/**
 * What a client sent to DynamoDB and got back, counted item by item, so a benchmark can say "read
 * 10,412 items for 10,000 due" instead of quoting a time. Bytes are the size of the items as
 * DynamoDB sizes them (attribute names plus values), summed over what came back.
 */
export interface Meter {
  calls: number;
  /** Items DynamoDB examined to answer reads (ScannedCount, or the items returned by a Get). */
  itemsRead: number;
  /** Items it returned. */
  itemsReturned: number;
  bytesRead: number;
  /** Read capacity units DynamoDB charged (4 KiB per unit, half for eventually consistent reads). */
  readUnits: number;
  /** Pages of Query/Scan results. */
  pages: number;
  /** Items written: each Put/Update/Delete, each item of a transaction or batch. */
  itemsWritten: number;
  /** Transaction or batch requests among the writes. */
  writeRequests: number;
  /** Transactions DynamoDB cancelled (a replay, a condition that no longer held). */
  cancelled: number;
  byCommand: Map<string, number>;
  /** Milliseconds spent waiting on each command, summed over its calls. */
  msByCommand: Map<string, number>;
  /** Items read, by command and index ("Query byOwner"). */
  readsByIndex: Map<string, number>;
  /** Items written inside transactions, by action and key prefix ("Update AGG"). */
  writesByKind: Map<string, number>;
}

export const emptyMeter = (): Meter => ({
  calls: 0,
  itemsRead: 0,
  itemsReturned: 0,
  bytesRead: 0,
  readUnits: 0,
  pages: 0,
  itemsWritten: 0,
  writeRequests: 0,
  cancelled: 0,
  byCommand: new Map(),
  msByCommand: new Map(),
  writesByKind: new Map(),
  readsByIndex: new Map(),
});

type Attr = Record<string, unknown>;

/** DynamoDB's item size: UTF-8 names plus values (numbers approximated by their digits). */
function sizeOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const attr = value as Attr;
  if ("S" in attr) return Buffer.byteLength(String(attr.S));
  if ("N" in attr) return Math.ceil(String(attr.N).length / 2) + 1;
  if ("BOOL" in attr || "NULL" in attr) return 1;
  if ("B" in attr) return (attr.B as Uint8Array).length;
  if ("L" in attr) return 3 + (attr.L as unknown[]).reduce<number>((n, v) => n + 1 + sizeOf(v), 0);
  if ("M" in attr) return 3 + itemSize(attr.M as Attr);
  if ("SS" in attr) return (attr.SS as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
  if ("NS" in attr) return (attr.NS as string[]).reduce((n, s) => n + s.length, 0);
  return 0;
}

export function itemSize(item: Attr): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + sizeOf(value);
  return size;
}

const READS = new Set(["QueryCommand", "ScanCommand", "GetItemCommand", "BatchGetItemCommand"]);

function countOutput(meter: Meter, command: string, input: Attr, output: Attr): void {
  const items = (output.Items as Attr[] | undefined) ?? [];
  const capacity = output.ConsumedCapacity as
    | { CapacityUnits?: number }
    | { CapacityUnits?: number }[]
    | undefined;
  for (const c of Array.isArray(capacity) ? capacity : capacity === undefined ? [] : [capacity])
    if (READS.has(command)) meter.readUnits += c.CapacityUnits ?? 0;
  switch (command) {
    case "QueryCommand":
    case "ScanCommand":
      meter.pages += 1;
      meter.itemsRead += Number(output.ScannedCount ?? items.length);
      {
        const where = `${command.replace("Command", "")} ${String(input.IndexName ?? "table")}`;
        meter.readsByIndex.set(
          where,
          (meter.readsByIndex.get(where) ?? 0) + Number(output.ScannedCount ?? items.length),
        );
      }
      meter.itemsReturned += items.length;
      for (const item of items) meter.bytesRead += itemSize(item);
      break;
    case "GetItemCommand":
      if (output.Item !== undefined) {
        meter.itemsRead += 1;
        meter.itemsReturned += 1;
        meter.bytesRead += itemSize(output.Item as Attr);
      }
      break;
    case "BatchGetItemCommand":
      for (const list of Object.values((output.Responses ?? {}) as Record<string, Attr[]>)) {
        meter.itemsRead += list.length;
        meter.itemsReturned += list.length;
        for (const item of list) meter.bytesRead += itemSize(item);
      }
      break;
    case "PutItemCommand":
    case "UpdateItemCommand":
    case "DeleteItemCommand":
      meter.itemsWritten += 1;
      break;
    case "TransactWriteItemsCommand": {
      meter.writeRequests += 1;
      const items = (input.TransactItems as Record<string, { Key?: Attr; Item?: Attr }>[]) ?? [];
      meter.itemsWritten += items.length;
      for (const item of items) {
        const [action, body] = Object.entries(item).find(([, v]) => v !== undefined) ?? [];
        const key = (body?.Key ?? body?.Item ?? {}) as Record<"pk" | "sk", unknown>;
        // The document client's input holds plain strings; a marshalled one holds { S }.
        const text = (v: unknown) =>
          String(typeof v === "string" ? v : ((v as { S?: string } | undefined)?.S ?? "?"));
        const prefix = (v: unknown) => text(v).split("#")[0];
        const kind = `${action} ${prefix(key.pk)}${prefix(key.sk) === "HIST" ? " history" : ""}`;
        meter.writesByKind.set(kind, (meter.writesByKind.get(kind) ?? 0) + 1);
      }
      break;
    }
    case "BatchWriteItemCommand": {
      meter.writeRequests += 1;
      const requests = Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>);
      const unprocessed = Object.values(
        (output.UnprocessedItems ?? {}) as Record<string, unknown[]>,
      );
      meter.itemsWritten +=
        requests.reduce((n, list) => n + list.length, 0) -
        unprocessed.reduce((n, list) => n + list.length, 0);
      break;
    }
  }
}

/**
 * A document client whose every call is counted into `meter` (swap the meter to count a phase on
 * its own). A cancelled transaction writes nothing and is counted apart.
 */
export function meteredDocumentClient(config: LocalClientConfig, meter: { current: Meter }) {
  const client = new DynamoDBClient({ ...config, maxAttempts: 10 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      const m = meter.current;
      m.calls += 1;
      m.byCommand.set(command, (m.byCommand.get(command) ?? 0) + 1);
      const input = args.input as Attr;
      if (READS.has(command) && input.ReturnConsumedCapacity === undefined)
        input.ReturnConsumedCapacity = "TOTAL";
      const started = performance.now();
      try {
        const result = await next(args);
        countOutput(m, command, args.input as Attr, result.output as unknown as Attr);
        return result;
      } catch (error) {
        if ((error as Error).name === "TransactionCanceledException") m.cancelled += 1;
        throw error;
      } finally {
        const ms = performance.now() - started;
        m.msByCommand.set(command, (m.msByCommand.get(command) ?? 0) + ms);
      }
    },
    { step: "serialize", priority: "high", name: "benchMeter" },
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
