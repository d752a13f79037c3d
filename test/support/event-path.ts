import {
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { expect, onTestFinished } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { fixedClock } from "../../functions/adapters/clock";
import {
  type AggregateRow,
  aggregateKey,
  aggregateRows,
} from "../../functions/adapters/counter-items";
import { ownerKeys } from "../../functions/adapters/item-keys";
import { leadItem, repItem } from "../../functions/adapters/items";
import type { Runtime } from "../../functions/adapters/runtime";
import type { Decision } from "../../functions/core/decisions";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { createLocalRuntime, type LocalRuntime } from "../../functions/local/local-runtime";
import { createStreamPoller, type StreamPoller } from "../../functions/local/stream-poller";
import { aSuffix, emailOf } from "./event-path-factories";
import type { TestLocalStack } from "./local-stack";

type Item = Record<string, unknown>;

/** One delivery of a batch to the stream handler, as a recording poller saw it. */
export interface Delivery {
  event: DynamoDBStreamEvent;
  response: DynamoDBBatchResponse;
}

export interface RecordingPoller {
  poller: StreamPoller;
  /** Every batch delivered, with the handler's answer, in delivery order. */
  deliveries: Delivery[];
}

/**
 * A Lambda-faithful poller on the table's stream whose handler is the real stream handler, run
 * against whatever `runtimeOf()` returns at delivery time (so a test can swap in a crashing
 * runtime), and which records every event and answer. `times` > 1 hands each batch to the handler
 * that many times in a row, as a duplicate delivery would.
 */
export function aRecordingPoller(
  stack: TestLocalStack,
  tableName: string,
  runtimeOf: () => Runtime,
  options: { times?: number } = {},
): RecordingPoller {
  const deliveries: Delivery[] = [];
  const poller = createStreamPoller({
    clientConfig: stack.clientConfig,
    tableName,
    handler: async (event) => {
      let response: DynamoDBBatchResponse = { batchItemFailures: [] };
      for (let i = 0; i < (options.times ?? 1); i += 1) {
        const copy = structuredClone(event);
        response = await handleStreamEvent(runtimeOf(), copy);
        deliveries.push({ event: copy, response });
        if (response.batchItemFailures.length > 0) break;
      }
      return response;
    },
  });
  onTestFinished(() => poller.stop());
  return { poller, deliveries };
}

export interface EventPath {
  stack: TestLocalStack;
  tableName: string;
  /** Unique to this test: people's addresses end in it. */
  suffix: string;
  email(repId: string): string;
  local: LocalRuntime;
  runtime: Runtime;
  /**
   * The runtime the recording poller hands batches to (`runtime` unless a test swaps in another,
   * e.g. one that crashes half-way).
   */
  active: Runtime;
  /** With `record`: the poller behind drain(), which keeps every delivery. */
  recorder?: RecordingPoller;
  /** Every decision the runtime reported. */
  decisions: Decision[];
  /** Writes leads in one go (25 per BatchWriteItem), as an import would. */
  putLeads(leads: Lead[]): Promise<void>;
  /** Writes leads one PutItem after another, so the stream holds them in exactly this order. */
  putLeadsInOrder(leads: Lead[]): Promise<void>;
  putReps(reps: Rep[]): Promise<void>;
  /** A writer's partial update of a lead (SET each value, REMOVE each undefined). */
  updateLead(leadId: string, changes: Item): Promise<void>;
  updateRep(repId: string, changes: Item): Promise<void>;
  /** Everything pending on the stream, through the local runtime's poller (or the recorder). */
  drain(): Promise<void>;
  // Reads, all consistent.
  lead(leadId: string): Promise<Item>;
  leads(): Promise<Item[]>;
  history(leadId: string): Promise<Item[]>;
  outbox(): Promise<Item[]>;
  /** The leads the rep's departures moved, where each is now. */
  journal(repId: string): Promise<Item[]>;
  /** Leads on the byOwner index under OWNER#<repId>. */
  ownedBy(repId: string): Promise<Item[]>;
  /** One stage's row of the rep's aggregate item for the funnel; undefined when it has none. */
  aggregate(repId: string, stage: string, funnel?: string): Promise<AggregateRow | undefined>;
  problems(): Promise<Item[]>;
  get(pk: string, sk: string): Promise<Item | undefined>;
  scan(): Promise<Item[]>;
}

/**
 * A fresh table with a local runtime on it (clock fixed at the wall clock's now, so the outbox can
 * be drained), and the people written to it and through the stream.
 */
export async function anEventPath(
  stack: TestLocalStack,
  options: {
    prefix: string;
    rules: RuleSet;
    reps?: (suffix: string) => Rep[];
    /** Drain through a recording poller instead of the local runtime's own. */
    record?: { times?: number };
  },
): Promise<EventPath> {
  const tableName = await stack.freshTable(options.prefix);
  const suffix = aSuffix();
  const decisions: Decision[] = [];
  const local = createLocalRuntime({
    stack: { ...stack, tableName },
    rules: options.rules,
    clock: fixedClock(Date.now()),
    report: (decision) => decisions.push(decision),
  });
  onTestFinished(() => local.stop());
  const db = stack.documents;

  const query = async (input: {
    IndexName?: string;
    KeyConditionExpression: string;
    ExpressionAttributeValues: Item;
  }) => {
    const items: Item[] = [];
    const consistent = input.IndexName === undefined ? { ConsistentRead: true } : {};
    for await (const page of paginateQuery(
      { client: db },
      { TableName: tableName, ...consistent, ...input },
    ))
      items.push(...(page.Items ?? []));
    return items;
  };
  const scan = async () => {
    const items: Item[] = [];
    for await (const page of paginateScan(
      { client: db },
      { TableName: tableName, ConsistentRead: true },
    ))
      items.push(...(page.Items ?? []));
    return items;
  };
  const get = async (pk: string, sk: string) =>
    (await db.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true })))
      .Item;
  const update = async (key: { pk: string; sk: string }, changes: Item) => {
    const names: Record<string, string> = {};
    const values: Item = {};
    const sets: string[] = [];
    const removes: string[] = [];
    Object.entries(changes).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      if (value === undefined) removes.push(`#a${i}`);
      else {
        values[`:v${i}`] = value;
        sets.push(`#a${i} = :v${i}`);
      }
    });
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: [
          sets.length > 0 ? `SET ${sets.join(", ")}` : "",
          removes.length > 0 ? `REMOVE ${removes.join(", ")}` : "",
        ]
          .filter((clause) => clause !== "")
          .join(" "),
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
      }),
    );
  };

  const path: EventPath = {
    stack,
    tableName,
    suffix,
    email: (repId) => emailOf(repId, suffix),
    local,
    runtime: local.runtime,
    active: local.runtime,
    decisions,
    putLeads: (leads) => putItems(db, tableName, leads.map(leadItem)),
    async putLeadsInOrder(leads) {
      for (const lead of leads)
        await db.send(new PutCommand({ TableName: tableName, Item: leadItem(lead) }));
    },
    putReps: (reps) => putItems(db, tableName, reps.map(repItem)),
    updateLead: (leadId, changes) => update({ pk: `LEAD#${leadId}`, sk: "LEAD" }, changes),
    updateRep: (repId, changes) => update({ pk: `REP#${repId}`, sk: "REP" }, changes),
    drain: () => (path.recorder?.poller ?? local.poller).drain({ timeoutMs: 30_000 }),
    async lead(leadId) {
      const item = await get(`LEAD#${leadId}`, "LEAD");
      if (item === undefined) throw new Error(`lead ${leadId} is not in ${tableName}`);
      return item;
    },
    leads: async () =>
      (await scan()).filter((item) => String(item.pk).startsWith("LEAD#") && item.sk === "LEAD"),
    history: (leadId) =>
      query({
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :hist)",
        ExpressionAttributeValues: { ":pk": `LEAD#${leadId}`, ":hist": "HIST#" },
      }),
    outbox: async () => (await scan()).filter((item) => String(item.pk).startsWith("OUTBOX#")),
    // Every departure of the rep: the leads each one moved carry `HANDOFF#<rep>#<departure id>`.
    journal: async (repId) =>
      (await scan())
        .filter((item) => item.sk === "LEAD" && String(item.kindPk).startsWith(`HANDOFF#${repId}#`))
        .map((item) => ({
          leadId: item.id,
          to: item.owner ?? null,
          pool: item.pool,
          departure: item.kindPk,
        })),
    ownedBy: (repId) =>
      query({
        IndexName: "byOwner",
        KeyConditionExpression: "ownerPk = :pk",
        ExpressionAttributeValues: { ":pk": `OWNER#${repId}` },
      }),
    async aggregate(repId, stage, funnel = "standard") {
      const { pk, sk } = aggregateKey(repId, funnel);
      const item = await get(pk, sk);
      return item && aggregateRows(item).find((row) => row.stage === stage);
    },
    problems: async () => (await scan()).filter((item) => String(item.pk).startsWith("PROBLEM#")),
    get,
    scan,
  };
  if (options.record !== undefined)
    path.recorder = aRecordingPoller(stack, tableName, () => path.active, options.record);
  if (options.reps !== undefined) {
    await path.putReps(options.reps(suffix));
    await path.drain();
  }
  return path;
}

/** The outbox items whose key starts with `prefix` (e.g. "handoff#rep-x#"). */
export const keyed = (items: Item[], prefix: string) =>
  items.filter((item) => String(item.key).startsWith(prefix));

/** The handoff emails of `leaver`'s departures to `recipient` (keys carry the departure id). */
export const handoffTo = (items: Item[], leaver: string, recipient: string) =>
  items.filter(
    (item) =>
      String(item.key).startsWith(`handoff#${leaver}#`) &&
      String(item.key).endsWith(`#${recipient}`),
  );

/** The lead ids (`Customer <id>` titles) an email lists, out of `ids`. */
export const listedIn = (email: Item | undefined, ids: string[]) =>
  ids.filter((id) => String(email?.text ?? "").includes(`Customer ${id}`));

/**
 * The lead went to `repId` by `via` with this reason, and the byOwner index lists it there under
 * its funnel and stage.
 */
export async function expectAssigned(
  path: EventPath,
  leadId: string,
  expected: { owner: string; via: string; reason: string | RegExp },
): Promise<Item> {
  const lead = await path.lead(leadId);
  expect(lead, `lead ${leadId}`).toMatchObject({
    owner: expected.owner,
    assignedVia: expected.via,
    ...ownerKeys(
      expected.owner,
      String(lead.funnel ?? "standard"),
      String(lead.stage),
      leadId,
      lead.amount as number | undefined,
    ),
  });
  expect(lead).not.toHaveProperty("pool");
  if (typeof expected.reason === "string") expect(lead.assignReason).toBe(expected.reason);
  else expect(lead.assignReason).toMatch(expected.reason);
  expect((await path.ownedBy(expected.owner)).map((item) => item.id)).toContain(leadId);
  return lead;
}
