import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { Runtime } from "../adapters/runtime";
import type { Decision } from "../core/decisions";
import { parseLead } from "../core/records/lead";
import { applyLeadChange } from "./jobs/apply-lead-change";
import { runtimeFromEnv } from "./runtime-from-env";

type Image = Record<string, AttributeValue>;

/** One stream record: lead items only; other items (history, aggregates, outbox) are ours. */
export async function handleRecord(runtime: Runtime, record: DynamoDBRecord): Promise<Decision[]> {
  const keys = record.dynamodb?.Keys;
  if (
    keys?.sk?.S !== "LEAD" ||
    record.eventName === "REMOVE" ||
    record.dynamodb?.NewImage === undefined
  )
    return [];
  const after = parseLead(unmarshall(record.dynamodb.NewImage as Image));
  const oldImage = record.dynamodb.OldImage as Image | undefined;
  const before = oldImage === undefined ? undefined : parseLead(unmarshall(oldImage));
  const at = (record.dynamodb.ApproximateCreationDateTime ?? runtime.clock.now() / 1000) * 1000;
  return applyLeadChange(
    runtime,
    { before, after, at },
    record.dynamodb.SequenceNumber ?? record.eventID ?? "",
  );
}

export function handleStreamEvent(
  runtime: Runtime,
  event: DynamoDBStreamEvent,
): Promise<DynamoDBBatchResponse> {
  // Records of one lead must be applied in order, so no parallel processing within a batch.
  return processPartialResponse(
    event,
    (record: DynamoDBRecord) => handleRecord(runtime, record),
    new BatchProcessor(EventType.DynamoDBStreams),
    {
      processInParallel: false,
    },
  );
}

export const handler = (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
  handleStreamEvent(runtimeFromEnv(), event);
