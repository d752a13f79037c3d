import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { Runtime } from "../adapters/runtime";
import type { Decision } from "../core/decisions";
import { parseLead } from "../core/records/lead";
import { RecordError } from "../core/records/record-error";
import { parseRep } from "../core/records/rep";
import { applyLeadChange } from "./jobs/apply-lead-change";
import { runDeparture } from "./jobs/run-departure";
import { logger, runtimeFromEnv } from "./runtime-from-env";

type Image = Record<string, AttributeValue>;

const image = (value: unknown) => (value === undefined ? undefined : unmarshall(value as Image));

/** One stream record. Leads and reps drive the engine; the engine's own items are ignored. */
export async function handleRecord(runtime: Runtime, record: DynamoDBRecord): Promise<Decision[]> {
  const sk = record.dynamodb?.Keys?.sk?.S;
  const newImage = image(record.dynamodb?.NewImage);
  if (record.eventName === "REMOVE" || newImage === undefined) return [];
  const oldImage = image(record.dynamodb?.OldImage);
  const at = (record.dynamodb?.ApproximateCreationDateTime ?? runtime.clock.now() / 1000) * 1000;
  if (sk === "LEAD") {
    const after = parseLead(newImage);
    const before = lenient(parseLead, oldImage);
    return applyLeadChange(runtime, { before, after, at }, changeIdOf(record));
  }
  if (sk === "REP") {
    const after = parseRep(newImage);
    if (newImage.kindPk === undefined) await runtime.reps.ensureListed(after.id);
    const before = lenient(parseRep, oldImage);
    if (after.status === "left" && before !== undefined && before.status !== "left") {
      return runDeparture(runtime, after, changeIdOf(record), at);
    }
  }
  return [];
}

/**
 * The previous version of a record, or nothing when it was unusable: that version was quarantined
 * already, and its correction must be applied, not quarantined again for its predecessor's faults.
 */
function lenient<T>(
  parse: (item: Record<string, unknown>) => T,
  item: Record<string, unknown> | undefined,
): T | undefined {
  if (item === undefined) return undefined;
  try {
    return parse(item);
  } catch (error) {
    if (error instanceof RecordError) return undefined;
    throw error;
  }
}

function changeIdOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? record.eventID ?? "";
}

/**
 * Applies a batch strictly in order. A record the engine cannot understand is quarantined with its
 * reason and the batch goes on; any other failure stops the batch and reports it as the first
 * failed item, so Lambda redelivers from there and no later change of the same lead overtakes it.
 */
export async function handleStreamEvent(
  runtime: Runtime,
  event: DynamoDBStreamEvent,
): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    try {
      await handleRecord(runtime, record);
    } catch (error) {
      if (error instanceof RecordError) {
        const itemKey = `${record.dynamodb?.Keys?.pk?.S ?? "?"}|${record.dynamodb?.Keys?.sk?.S ?? "?"}`;
        await runtime.quarantine.put({
          itemKey,
          changeId: changeIdOf(record),
          reason: error.message,
          image: record.dynamodb?.NewImage,
          at: runtime.clock.now(),
        });
        runtime.report(
          { kind: "record-problem", recordId: error.recordId, reason: error.message },
          { source: "stream" },
        );
        continue;
      }
      logger.error("stream record failed; the batch will be retried from it", {
        error: error as Error,
        eventID: record.eventID,
      });
      return { batchItemFailures: [{ itemIdentifier: changeIdOf(record) }] };
    }
  }
  return { batchItemFailures: [] };
}

export const handler = (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
  handleStreamEvent(runtimeFromEnv(), event);
