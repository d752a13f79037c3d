import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  BatchItemFailureError,
  createStreamPoller,
  type StreamFailure,
  type StreamPoller,
  type StreamPollerOptions,
} from "../../functions/local/stream-poller";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

const pollers: StreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

/** Every test reads its own table's stream from the beginning, so tests cannot see each other. */
async function setUp(
  options: Partial<StreamPollerOptions> & {
    handle?: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  } = {},
) {
  const tableName = await stack.freshTable("stream-poller");
  const batches: DynamoDBRecord[][] = [];
  const failures: StreamFailure[] = [];
  const poller = createStreamPoller({
    clientConfig: stack.clientConfig,
    tableName,
    onFailure: (info) => {
      failures.push(info);
    },
    ...options,
    handler: async (event) => {
      batches.push(event.Records);
      return options.handle?.(event);
    },
  });
  pollers.push(poller);
  const put = (id: string, extra: Record<string, unknown> = {}) =>
    stack.documents.send(
      new PutCommand({ TableName: tableName, Item: { pk: `LEAD#${id}`, sk: "LEAD", ...extra } }),
    );
  const ids = (records: DynamoDBRecord[]) =>
    records.map((record) => record.dynamodb?.Keys?.pk?.S?.replace("LEAD#", ""));
  return { tableName, poller, batches, failures, put, ids };
}

const failOn =
  (ids: string[]) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => ({
    batchItemFailures: event.Records.filter((record) =>
      ids.some((id) => record.dynamodb?.Keys?.pk?.S === `LEAD#${id}`),
    ).map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? "" })),
  });

describe("records", () => {
  test("carry empty maps and lists as Lambda does, including maps nested in maps", async () => {
    const { poller, batches, put } = await setUp();
    await put("E", { contact: {}, tags: [], nested: { inner: {} } });
    await poller.drain();
    expect(batches.flat()[0]?.dynamodb?.NewImage).toMatchObject({
      contact: { M: {} },
      tags: { L: [] },
      nested: { M: { inner: { M: {} } } },
    });
  });

  test("arrive in write order with the shape Lambda delivers for INSERT, MODIFY and REMOVE", async () => {
    const { tableName, poller, batches } = await setUp();
    const { Table } = await stack.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const key = { pk: "LEAD#1", sk: "LEAD" };
    const before = Date.now() / 1000;

    await stack.documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...key,
          score: 10,
          photo: new Uint8Array([1, 2, 3]),
          tags: new Set(["hot"]),
          owner: { id: "rep-1" },
        },
      }),
    );
    await stack.documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: "SET score = :score",
        ExpressionAttributeValues: { ":score": 20 },
      }),
    );
    await stack.documents.send(new DeleteCommand({ TableName: tableName, Key: key }));
    await poller.drain();

    const records = batches.flat();
    expect(records.map((record) => record.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
    const [insert, modify, remove] = records;
    const keys = { pk: { S: "LEAD#1" }, sk: { S: "LEAD" } };
    const inserted = {
      ...keys,
      score: { N: "10" },
      photo: { B: "AQID" },
      tags: { SS: ["hot"] },
      owner: { M: { id: { S: "rep-1" } } },
    };
    expect(insert).toEqual({
      eventID: expect.any(String),
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: keys,
        NewImage: inserted,
        SequenceNumber: expect.any(String),
        SizeBytes: expect.any(Number),
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
      eventSourceARN: Table?.LatestStreamArn,
    });
    expect(modify?.dynamodb?.OldImage).toEqual(inserted);
    expect(modify?.dynamodb?.NewImage).toEqual({ ...inserted, score: { N: "20" } });
    expect(remove?.dynamodb?.OldImage).toEqual({ ...inserted, score: { N: "20" } });
    expect(remove?.dynamodb).not.toHaveProperty("NewImage");
    expect(insert?.dynamodb).not.toHaveProperty("OldImage");

    // Epoch seconds; DynamoDB Local rounds down to the minute.
    const created = insert?.dynamodb?.ApproximateCreationDateTime ?? 0;
    expect(created).toBeGreaterThan(before - 61);
    expect(created).toBeLessThanOrEqual(Date.now() / 1000);
    const sequences = records.map((record) => BigInt(record.dynamodb?.SequenceNumber ?? "0"));
    expect([...sequences].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequences);
    // Plain JSON, as Lambda hands it over: no Dates, no byte arrays.
    expect(JSON.parse(JSON.stringify(records))).toEqual(records);
  });

  test("come in batches of at most batchSize, one batch per shard per round", async () => {
    const { poller, batches, put, ids } = await setUp({ batchSize: 3 });
    for (const id of ["1", "2", "3", "4", "5", "6", "7"]) await put(id);

    expect(await poller.pollOnce()).toBe(3);
    await poller.drain();

    expect(batches.map(ids)).toEqual([["1", "2", "3"], ["4", "5", "6"], ["7"]]);
  });

  test("written after start() are delivered by the background loop", async () => {
    const { poller, batches, put, ids } = await setUp();
    poller.start(20);

    await put("1");
    await vi.waitFor(() => expect(batches.flatMap(ids)).toEqual(["1"]), { timeout: 5_000 });
    await put("2");
    await vi.waitFor(() => expect(batches.flatMap(ids)).toEqual(["1", "2"]), { timeout: 5_000 });
    await poller.stop();
  });

  test("LATEST skips what was written before the first round", async () => {
    const { poller, batches, put, ids } = await setUp({ startAt: "LATEST" });
    await put("old");
    await poller.drain();

    await put("new");
    await poller.drain();

    expect(batches.flatMap(ids)).toEqual(["new"]);
  });
});

describe("a batch item failure", () => {
  test("delivers the batch again from the lowest failed record, without the records before it", async () => {
    let calls = 0;
    const { poller, batches, failures, put, ids } = await setUp({
      handle: async (event) => {
        calls += 1;
        // Reported out of order: the lowest sequence number decides the checkpoint.
        return calls === 1 ? failOn(["4", "3"])(event) : undefined;
      },
    });
    for (const id of ["1", "2", "3", "4", "5"]) await put(id);

    await poller.drain();

    expect(batches.map(ids)).toEqual([
      ["1", "2", "3", "4", "5"],
      ["3", "4", "5"],
    ]);
    expect(failures).toEqual([]);
  });

  test("with bisection, is retried as the rest of the failed batch only", async () => {
    let calls = 0;
    const { poller, batches, put, ids } = await setUp({
      batchSize: 3,
      bisectOnError: true,
      handle: async (event) => {
        calls += 1;
        return calls === 1 ? failOn(["2"])(event) : undefined;
      },
    });
    for (const id of ["1", "2", "3", "4", "5"]) await put(id);

    await poller.drain();

    expect(batches.map(ids)).toEqual([
      ["1", "2", "3"],
      ["2", "3"],
      ["4", "5"],
    ]);
  });

  test("that never clears sends the rest of the batch to onFailure after maxRetries, as Lambda does", async () => {
    const { poller, batches, failures, put, ids } = await setUp({
      maxRetries: 1,
      handle: failOn(["2"]),
    });
    for (const id of ["1", "2", "3", "4"]) await put(id);

    await poller.drain();
    await put("5");
    await poller.drain();

    expect(batches.map(ids)).toEqual([["1", "2", "3", "4"], ["2", "3", "4"], ["5"]]);
    expect(failures).toHaveLength(1);
    expect(ids(failures[0]?.records ?? [])).toEqual(["2", "3", "4"]);
    expect(failures[0]?.error).toBeInstanceOf(BatchItemFailureError);
    expect(failures[0]?.attempts).toBe(2);
  });
});

describe("a handler error", () => {
  test("retries the whole batch from the checkpoint with an unchanged event", async () => {
    let calls = 0;
    const { poller, batches, put, ids } = await setUp({
      batchSize: 2,
      handle: async (event) => {
        calls += 1;
        if (calls === 2) {
          // A handler that scribbles on its event must not change what the retry sees.
          delete event.Records[0]?.dynamodb?.NewImage;
          throw new Error("downstream timeout");
        }
        return undefined;
      },
    });
    for (const id of ["1", "2", "3", "4"]) await put(id);

    await poller.drain();

    expect(batches.map(ids)).toEqual([
      ["1", "2"],
      ["3", "4"],
      ["3", "4"],
    ]);
    expect(batches[2]?.[0]?.dynamodb?.NewImage).toEqual({ pk: { S: "LEAD#3" }, sk: { S: "LEAD" } });
  });

  test("on one record, with bisection, isolates it, sends it to onFailure after maxRetries and processes the records after it", async () => {
    const poison = new Error("cannot evaluate rule");
    const { poller, batches, failures, put, ids } = await setUp({
      maxRetries: 2,
      bisectOnError: true,
      handle: async (event) => {
        if (event.Records.some((record) => record.dynamodb?.Keys?.pk?.S === "LEAD#3")) throw poison;
        return undefined;
      },
    });
    for (const id of ["1", "2", "3", "4", "5"]) await put(id);

    await poller.drain();

    expect(batches.map(ids)).toEqual([
      ["1", "2", "3", "4", "5"],
      ["1", "2", "3"],
      ["1", "2"],
      ["3"],
      ["3"],
      ["3"],
      ["4", "5"],
    ]);
    expect(failures).toHaveLength(1);
    expect(ids(failures[0]?.records ?? [])).toEqual(["3"]);
    expect(failures[0]?.error).toBe(poison);
  });

  test("keeps retrying while onFailure itself fails, then moves on", async () => {
    let destinationUp = false;
    const delivered: string[] = [];
    const { poller, put, ids } = await setUp({
      batchSize: 1,
      maxRetries: 0,
      handle: async (event) => {
        if (ids(event.Records).includes("1")) throw new Error("poison");
        delivered.push(...(ids(event.Records) as string[]));
        return undefined;
      },
      onFailure: (info) => {
        if (!destinationUp) throw new Error("destination unreachable");
        delivered.push(`failed:${ids(info.records).join(",")}`);
      },
    });
    await put("1");
    await put("2");

    await poller.pollOnce();
    await poller.pollOnce();
    expect(delivered).toEqual([]);

    destinationUp = true;
    await poller.drain();
    expect(delivered).toEqual(["failed:1", "2"]);
  });
});

describe("drain", () => {
  test("returns once the stream is idle, having handed nothing to the handler", async () => {
    const { poller, batches } = await setUp();

    // A drain that never saw the stream as idle would end in the test's timeout.
    await poller.drain();

    expect(batches).toEqual([]);
  });

  test("reads past a run of the engine's own items, which it filters out, to the lead change after them", async () => {
    const { tableName, poller, batches, put, ids } = await setUp({ batchSize: 10 });
    // Five reads' worth of records that reach no handler, more than the idle rounds drain waits.
    for (let i = 0; i < 50; i += 1)
      await stack.documents.send(
        new PutCommand({ TableName: tableName, Item: { pk: "LEAD#1", sk: `HIST#${i}` } }),
      );
    await put("after");

    await poller.drain();

    expect(batches.map(ids)).toEqual([["after"]]);
  });

  test("gives up with an error when the handler never lets the stream go idle", async () => {
    const { poller, put } = await setUp({
      maxRetries: -1,
      handle: async () => {
        throw new Error("always");
      },
    });
    await put("1");

    await expect(poller.drain({ timeoutMs: 300 })).rejects.toThrow(/not idle after 300 ms/);
  });
});
