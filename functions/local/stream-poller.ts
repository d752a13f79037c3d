import { setTimeout as sleep } from "node:timers/promises";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type ShardIteratorType,
  type AttributeValue as StreamsAttributeValue,
  type _Record as StreamsRecord,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type {
  AttributeValue,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord,
} from "aws-lambda";
import { STREAM_SORT_KEYS } from "../adapters/table-design";

/**
 * Plays the part of a Lambda event source mapping on DynamoDB Local's stream, so the deployed
 * stream handler runs unchanged on one machine: same event shape, same checkpoint, retry, bisect
 * and on-failure behaviour.
 */

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async (event) => {}` be a handler, as in aws-lambda's DynamoDBStreamHandler.
) => Promise<DynamoDBBatchResponse | void>;

export interface StreamFailure {
  /** The discarded records, as the handler last received them. */
  records: DynamoDBRecord[];
  /** What the handler threw, or a BatchItemFailureError for a reported item failure. */
  error: unknown;
  shardId: string;
  /** How many times the handler failed on this batch. */
  attempts: number;
}

export interface StreamPollerOptions {
  clientConfig: {
    endpoint?: string;
    region: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  tableName: string;
  handler: StreamHandler;
  /** Largest batch handed to the handler (Lambda's BatchSize). */
  batchSize?: number;
  /** Lambda's MaximumRetryAttempts; -1 retries until the handler succeeds. */
  maxRetries?: number;
  /** Lambda's BisectBatchOnFunctionError. */
  bisectOnError?: boolean;
  /** Lambda's on-failure destination: gets the records discarded after the last retry. */
  onFailure?: (info: StreamFailure) => Promise<void> | void;
  /** Where to start in shards that exist at the first round; later shards start at their beginning. */
  startAt?: "TRIM_HORIZON" | "LATEST";
  /** How often the shard list is read again to find new shards. */
  describeIntervalMs?: number;
  log?: (line: string) => void;
}

export interface StreamPoller {
  /** One round: at most one batch per shard. Returns how many records were handed to the handler. */
  pollOnce(): Promise<number>;
  /** Polls until `idleRounds` rounds in a row deliver nothing; throws StreamPollerError on timeout. */
  drain(options?: { idleRounds?: number; timeoutMs?: number }): Promise<void>;
  /** Polls in the background, waiting `intervalMs` after a round with nothing to do. */
  start(intervalMs?: number): void;
  /** Ends the background loop after the round in progress. */
  stop(): Promise<void>;
}

export class StreamPollerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StreamPollerError";
  }
}

/** Handed to onFailure when the handler kept reporting a batch item failure. */
export class BatchItemFailureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BatchItemFailureError";
  }
}

interface ShardState {
  shardId: string;
  parentShardId: string | undefined;
  startAt: "TRIM_HORIZON" | "LATEST";
  iterator: string | undefined;
  /** GetRecords answered without a next iterator: the shard is closed and fully read. */
  endReached: boolean;
  /** Last sequence number read from the stream, to resume reading if an iterator expires. */
  lastRead: string | undefined;
  /** Last sequence number the handler finished with; nothing at or before it is delivered again. */
  checkpoint: string | undefined;
  /** Read but not yet checkpointed, in stream order; the next batch always starts at its head. */
  pending: DynamoDBRecord[];
  /** Sizes of the next batches, set by bisection; empty means "up to batchSize". */
  windows: number[];
  failedAttempts: number;
  /** Records given up on whose onFailure call has not succeeded yet. */
  discard: { records: DynamoDBRecord[]; error: unknown } | undefined;
}

interface RoundResult {
  delivered: number;
  /**
   * Records read from the stream, the filtered-out ones included: a round that only read the
   * engine's own items made progress, and the records that drive the engine may come next.
   */
  read: number;
  failed: boolean;
}

type Outcome =
  | { kind: "success" }
  | { kind: "partial"; index: number; error: BatchItemFailureError }
  | { kind: "error"; error: unknown };

const IDLE_PAUSE_MS = 25;

const DRIVING_SORT_KEYS: ReadonlySet<string> = new Set(STREAM_SORT_KEYS);
const drives = (record: DynamoDBRecord) =>
  DRIVING_SORT_KEYS.has(record.dynamodb?.Keys?.sk?.S ?? "");

export function createStreamPoller(options: StreamPollerOptions): StreamPoller {
  const batchSize = options.batchSize ?? 100;
  const maxRetries = options.maxRetries ?? 3;
  const bisectOnError = options.bisectOnError ?? false;
  const describeIntervalMs = options.describeIntervalMs ?? 1_000;
  const log = options.log ?? (() => {});
  const region = options.clientConfig.region;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new StreamPollerError(`batchSize must be a positive integer, got ${batchSize}`);
  }

  let clients: { dynamo: DynamoDBClient; streams: DynamoDBStreamsClient } | undefined;
  let streamArn: string | undefined;
  const shards = new Map<string, ShardState>();
  let lastDescribedAt: number | undefined;
  let shardClosedSinceDescribe = false;

  // Rounds never overlap, whoever asks for them (start(), pollOnce(), drain()), so each shard
  // has at most one batch in flight.
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => {});
    return run;
  };

  let loop: { abort: AbortController; done: Promise<void> } | undefined;

  function getClients() {
    clients ??= {
      dynamo: new DynamoDBClient(options.clientConfig),
      streams: new DynamoDBStreamsClient(options.clientConfig),
    };
    return clients;
  }

  async function resolveStreamArn() {
    const table = await getClients().dynamo.send(
      new DescribeTableCommand({ TableName: options.tableName }),
    );
    const arn = table.Table?.LatestStreamArn;
    if (arn === undefined || table.Table?.StreamSpecification?.StreamEnabled === false) {
      throw new StreamPollerError(`Table ${options.tableName} has no stream enabled`);
    }
    return arn;
  }

  async function describeShards(arn: string) {
    const firstDescribe = lastDescribedAt === undefined;
    let exclusiveStartShardId: string | undefined;
    do {
      const answer = await getClients().streams.send(
        new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of answer.StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined || shards.has(shard.ShardId)) continue;
        shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          // Like an event source mapping: LATEST only positions the shards there at the start;
          // shards that appear later are read from their beginning so nothing is skipped.
          startAt: firstDescribe ? (options.startAt ?? "TRIM_HORIZON") : "TRIM_HORIZON",
          iterator: undefined,
          endReached: false,
          lastRead: undefined,
          checkpoint: undefined,
          pending: [],
          windows: [],
          failedAttempts: 0,
          discard: undefined,
        });
        log(`stream-poller: found shard ${shard.ShardId}`);
      }
      exclusiveStartShardId = answer.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    lastDescribedAt = Date.now();
    shardClosedSinceDescribe = false;
  }

  const isFinished = (shard: ShardState) =>
    shard.endReached && shard.pending.length === 0 && shard.discard === undefined;

  function parentFinished(shard: ShardState) {
    if (shard.parentShardId === undefined) return true;
    const parent = shards.get(shard.parentShardId);
    // A parent no longer listed has been trimmed from the stream: nothing left to wait for.
    return parent === undefined || isFinished(parent);
  }

  async function round(forceDescribe: boolean): Promise<RoundResult> {
    streamArn ??= await resolveStreamArn();
    const describeDue =
      lastDescribedAt === undefined ||
      forceDescribe ||
      shardClosedSinceDescribe ||
      Date.now() - lastDescribedAt >= describeIntervalMs;
    if (describeDue) await describeShards(streamArn);

    const result: RoundResult = { delivered: 0, read: 0, failed: false };
    // Map order is discovery order, so a parent is visited before its children and a child can
    // start in the same round its parent finishes.
    for (const shard of shards.values()) {
      if (isFinished(shard) || !parentFinished(shard)) continue;
      const shardResult = await pollShard(streamArn, shard);
      result.delivered += shardResult.delivered;
      result.read += shardResult.read;
      result.failed ||= shardResult.failed;
    }
    return result;
  }

  async function pollShard(arn: string, shard: ShardState): Promise<RoundResult> {
    if (shard.discard !== undefined && !(await flushDiscard(shard))) {
      return { delivered: 0, read: 0, failed: true };
    }
    // A bisected batch is retried as it is; otherwise top the batch up, as Lambda re-reads from
    // the checkpoint and may deliver more than the failed batch held.
    let read = 0;
    if (!shard.endReached && shard.windows.length === 0 && shard.pending.length < batchSize) {
      read = await readRecords(arn, shard);
    }
    if (shard.pending.length === 0) return { delivered: 0, read, failed: false };

    const size = Math.min(shard.windows[0] ?? batchSize, batchSize, shard.pending.length);
    const batch = shard.pending.slice(0, size);
    const outcome = await invoke(batch);
    const failed = outcome.kind !== "success";

    if (outcome.kind === "success") {
      checkpoint(shard, batch.length);
      shard.windows.shift();
      shard.failedAttempts = 0;
    } else if (outcome.kind === "partial") {
      // Everything before the lowest reported failure is done; retry from it.
      checkpoint(shard, outcome.index);
      const remaining = batch.length - outcome.index;
      // With bisection on, Lambda splits at the reported record and retries only the rest of
      // the batch; without it, the retry re-reads from the checkpoint with the full batch size.
      if (bisectOnError) shard.windows.splice(0, 1, remaining);
      shard.failedAttempts += 1;
      log(
        `stream-poller: ${shard.shardId} item failure at ${sequenceOf(batch[outcome.index])}, attempt ${shard.failedAttempts}`,
      );
      if (retriesExhausted(shard)) await giveUp(shard, remaining, outcome.error);
    } else if (bisectOnError && batch.length > 1) {
      // Splitting does not use up a retry: halving until the bad record is alone is the point.
      const firstHalf = Math.ceil(batch.length / 2);
      shard.windows.splice(0, 1, firstHalf, batch.length - firstHalf);
      log(`stream-poller: ${shard.shardId} handler failed on ${batch.length} records, bisecting`);
    } else {
      shard.failedAttempts += 1;
      log(
        `stream-poller: ${shard.shardId} handler failed on ${batch.length} records, attempt ${shard.failedAttempts}: ${String(outcome.error)}`,
      );
      if (retriesExhausted(shard)) await giveUp(shard, batch.length, outcome.error);
    }
    return { delivered: batch.length, read, failed };
  }

  const retriesExhausted = (shard: ShardState) =>
    maxRetries >= 0 && shard.failedAttempts > maxRetries;

  /** Reads the next records into the shard's pending batch; returns how many were read. */
  async function readRecords(arn: string, shard: ShardState): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      shard.iterator ??= await shardIterator(arn, shard);
      try {
        const answer = await getClients().streams.send(
          new GetRecordsCommand({
            ShardIterator: shard.iterator,
            Limit: Math.min(1_000, batchSize - shard.pending.length),
          }),
        );
        for (const record of answer.Records ?? []) {
          const converted = toLambdaRecord(record, region, arn);
          // As the deployed event source's filter: only leads and reps reach the handler.
          if (drives(converted)) shard.pending.push(converted);
          shard.lastRead = converted.dynamodb?.SequenceNumber ?? shard.lastRead;
        }
        shard.iterator = answer.NextShardIterator;
        if (shard.iterator === undefined) {
          shard.endReached = true;
          shardClosedSinceDescribe = true;
          log(`stream-poller: shard ${shard.shardId} is closed and fully read`);
        }
        return answer.Records?.length ?? 0;
      } catch (error) {
        // Iterators expire (15 minutes on AWS); a fresh one resumes after the last record read.
        if (!(error instanceof ExpiredIteratorException) || attempt > 0) throw error;
        shard.iterator = undefined;
      }
    }
  }

  async function shardIterator(arn: string, shard: ShardState): Promise<string> {
    const request = (type: ShardIteratorType, sequenceNumber?: string) =>
      getClients().streams.send(
        new GetShardIteratorCommand({
          StreamArn: arn,
          ShardId: shard.shardId,
          ShardIteratorType: type,
          SequenceNumber: sequenceNumber,
        }),
      );
    let answer: Awaited<ReturnType<typeof request>>;
    if (shard.lastRead !== undefined) {
      try {
        answer = await request("AFTER_SEQUENCE_NUMBER", shard.lastRead);
      } catch (error) {
        if (!(error instanceof TrimmedDataAccessException)) throw error;
        log(`stream-poller: records after ${shard.lastRead} were trimmed; resuming at the horizon`);
        answer = await request("TRIM_HORIZON");
      }
    } else {
      answer = await request(shard.startAt);
    }
    if (answer.ShardIterator === undefined) {
      throw new StreamPollerError(`No shard iterator for ${shard.shardId}`);
    }
    return answer.ShardIterator;
  }

  async function invoke(batch: DynamoDBRecord[]): Promise<Outcome> {
    // A fresh copy per delivery: a handler that mutates its event must not change a retry.
    const event: DynamoDBStreamEvent = { Records: structuredClone(batch) };
    let response: unknown;
    try {
      response = await options.handler(event);
    } catch (error) {
      return { kind: "error", error };
    }
    return interpretResponse(response, batch);
  }

  async function giveUp(shard: ShardState, count: number, error: unknown) {
    shard.discard = { records: shard.pending.slice(0, count), error };
    await flushDiscard(shard);
  }

  /** Returns whether the discarded records were handed over and skipped. */
  async function flushDiscard(shard: ShardState): Promise<boolean> {
    const discard = shard.discard;
    if (discard === undefined) return true;
    const first = sequenceOf(discard.records[0]);
    const last = sequenceOf(discard.records.at(-1));
    try {
      await options.onFailure?.({
        records: structuredClone(discard.records),
        error: discard.error,
        shardId: shard.shardId,
        attempts: shard.failedAttempts,
      });
    } catch (error) {
      // Like a destination that cannot be reached: keep the records and try again next round.
      log(`stream-poller: onFailure failed for ${first}..${last}, will retry: ${String(error)}`);
      return false;
    }
    log(`stream-poller: discarded ${discard.records.length} records ${first}..${last}`);
    checkpoint(shard, discard.records.length);
    shard.windows.shift();
    shard.failedAttempts = 0;
    shard.discard = undefined;
    return true;
  }

  function checkpoint(shard: ShardState, count: number) {
    if (count === 0) return;
    shard.checkpoint = sequenceOf(shard.pending[count - 1]);
    shard.pending.splice(0, count);
  }

  const hasDiscardsWaiting = () => [...shards.values()].some((s) => s.discard !== undefined);

  return {
    async pollOnce() {
      const result = await exclusive(() => round(false));
      return result.delivered;
    },

    // The bound only catches a handler that keeps the stream busy forever; a seeded org or a big
    // departure on a loaded two-core machine legitimately takes tens of seconds.
    async drain({ idleRounds = 2, timeoutMs = 300_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let idle = 0;
      while (idle < idleRounds) {
        if (Date.now() > deadline) {
          throw new StreamPollerError(
            `The stream of ${options.tableName} was not idle after ${timeoutMs} ms`,
          );
        }
        // An idle round also re-reads the shard list, so a shard that just appeared is not missed.
        const result = await exclusive(() => round(idle > 0));
        if (result.delivered === 0 && result.read === 0 && !hasDiscardsWaiting()) {
          idle += 1;
          await sleep(IDLE_PAUSE_MS);
        } else {
          idle = 0;
        }
      }
    },

    start(intervalMs = 250) {
      if (loop !== undefined) return;
      const abort = new AbortController();
      const done = (async () => {
        while (!abort.signal.aborted) {
          let result: RoundResult;
          try {
            result = await exclusive(() => round(false));
          } catch (error) {
            log(`stream-poller: round failed: ${String(error)}`);
            result = { delivered: 0, read: 0, failed: true };
          }
          // Go straight on while records flow; otherwise wait, also before retrying a failure.
          if ((result.delivered === 0 && result.read === 0) || result.failed) {
            await sleep(intervalMs, undefined, { signal: abort.signal }).catch(() => {});
          }
        }
      })();
      loop = { abort, done };
    },

    async stop() {
      if (loop !== undefined) {
        loop.abort.abort();
        await loop.done;
        loop = undefined;
      }
      await chain;
      clients?.dynamo.destroy();
      clients?.streams.destroy();
      clients = undefined;
    },
  };
}

function interpretResponse(response: unknown, batch: DynamoDBRecord[]): Outcome {
  const failures: unknown = (response as { batchItemFailures?: unknown } | null | undefined)
    ?.batchItemFailures;
  // Lambda counts a missing, null or empty list as complete success.
  if (failures === undefined || failures === null) return { kind: "success" };
  if (!Array.isArray(failures)) {
    return { kind: "error", error: new BatchItemFailureError("batchItemFailures is not a list") };
  }
  if (failures.length === 0) return { kind: "success" };

  let lowest: { index: number; sequence: bigint } | undefined;
  for (const failure of failures) {
    const identifier: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = batch.findIndex((record) => record.dynamodb?.SequenceNumber === identifier);
    // Lambda treats an empty, null or unknown identifier as a failure of the whole batch.
    if (typeof identifier !== "string" || identifier === "" || index === -1) {
      return {
        kind: "error",
        error: new BatchItemFailureError(
          `itemIdentifier ${JSON.stringify(identifier)} is not a sequence number in the batch`,
        ),
      };
    }
    const sequence = BigInt(identifier);
    if (lowest === undefined || sequence < lowest.sequence) lowest = { index, sequence };
  }
  if (lowest === undefined) return { kind: "success" };
  return {
    kind: "partial",
    index: lowest.index,
    error: new BatchItemFailureError(
      `The handler reported a failure for sequence number ${lowest.sequence}`,
    ),
  };
}

function sequenceOf(record: DynamoDBRecord | undefined): string {
  const sequence = record?.dynamodb?.SequenceNumber;
  if (sequence === undefined) throw new StreamPollerError("Stream record without sequence number");
  return sequence;
}

/** The record exactly as Lambda hands it to a function: epoch seconds, images in AttributeValue JSON. */
export function toLambdaRecord(
  record: StreamsRecord,
  region: string,
  streamArn: string,
): DynamoDBRecord {
  const source = record.dynamodb;
  const dynamodb: StreamRecord = {};
  if (source?.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = source.ApproximateCreationDateTime.getTime() / 1000;
  }
  if (source?.Keys !== undefined) dynamodb.Keys = toLambdaImage(source.Keys);
  if (source?.NewImage !== undefined) dynamodb.NewImage = toLambdaImage(source.NewImage);
  if (source?.OldImage !== undefined) dynamodb.OldImage = toLambdaImage(source.OldImage);
  if (source?.SequenceNumber !== undefined) dynamodb.SequenceNumber = source.SequenceNumber;
  if (source?.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source?.StreamViewType !== undefined) {
    dynamodb.StreamViewType = source.StreamViewType as StreamRecord["StreamViewType"];
  }

  const converted: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: record.eventSource ?? "aws:dynamodb",
    // DynamoDB Local reports "ddblocal"; a function in AWS sees its real region.
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
  };
  // Present only for TTL deletions, as in Lambda's events.
  if (record.userIdentity !== undefined) {
    converted.userIdentity = {
      type: record.userIdentity.Type,
      principalId: record.userIdentity.PrincipalId,
    };
  }
  return converted;
}

function toLambdaImage(image: Record<string, StreamsAttributeValue>) {
  const converted: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(image)) converted[name] = toLambdaValue(value);
  return converted;
}

function toLambdaValue(value: StreamsAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  // The SDK decodes binaries to bytes; Lambda's JSON event carries them base64-encoded.
  if (value.B !== undefined) return { B: toBase64(value.B) };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map(toBase64) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  // The SDK reads an empty map ({"M": {}}) as a value with no member at all; an empty list keeps
  // its L, so an empty value can only be an empty map (a lead written with `contact: {}`).
  if (Object.keys(value).length === 0) return { M: {} };
  throw new StreamPollerError(`Unknown attribute value type ${Object.keys(value).join(",")}`);
}

function toBase64(bytes: Uint8Array) {
  return Buffer.from(bytes).toString("base64");
}
