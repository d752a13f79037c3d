import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import type { AggregateDelta } from "../core/decisions";
import { FLOW_COUNTERS, type FlowCounter, type FlowDelta } from "../core/flow";

/*
 * The counters the stream path keeps, as stored (docs/data-model.md). One aggregate item per rep
 * and funnel, and one flow item per rep, week and funnel, with each stage's figures as attributes
 * named `<counter>#<stage id>`: a stage change within one rep's holdings then touches one item of
 * each kind instead of two, so its transaction writes fewer items. Readers still get one row per
 * stage, so nothing outside the adapters knows the counters share items.
 */

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** What one rep holds in one stage of one funnel. */
export interface AggregateRow {
  repId: string;
  funnel: string;
  stage: string;
  count: number;
  amount: number;
}

/** One rep's counters for one stage in one week (see core/flow.ts). */
export interface FlowRow {
  repId: string;
  week: string;
  funnel: string;
  stage: string;
  counts: Record<FlowCounter, number>;
}

type Tally = { count: number; amount: number };
type AggregateCounter = keyof Tally;

const AGGREGATE_COUNTERS: readonly AggregateCounter[] = ["count", "amount"];

/*
 * Every aggregate shares one partition, and each week's flow items one partition, so the roll-up,
 * the anomalies and distribution read them with one strongly consistent query each, and no index
 * keeps a copy: an index entry would be rewritten with every counter change (each index projects
 * every attribute), doubling the counters' writes.
 */
export const AGGREGATE_PARTITION = "AGG";

export const flowPartition = (week: string) => `FLOW#${week}`;

export const aggregateKey = (repId: string, funnel: string) => ({
  pk: AGGREGATE_PARTITION,
  sk: `${repId}#${funnel}`,
});

export const flowKey = (repId: string, week: string, funnel: string) => ({
  pk: flowPartition(week),
  sk: `${repId}#${funnel}`,
});

/** Counter names never contain `#`, so the first one ends the counter; stage ids may have more. */
export const counterAttribute = (counter: AggregateCounter | FlowCounter, stage: string) =>
  `${counter}#${stage}`;

function splitAttribute(name: string): { counter: string; stage: string } | undefined {
  const at = name.indexOf("#");
  return at <= 0 ? undefined : { counter: name.slice(0, at), stage: name.slice(at + 1) };
}

const isAggregateCounter = (name: string): name is AggregateCounter =>
  (AGGREGATE_COUNTERS as readonly string[]).includes(name);

const isFlowCounter = (name: string): name is FlowCounter =>
  (FLOW_COUNTERS as readonly string[]).includes(name);

/** The attributes every counter item carries besides its counters; set on every write. */
function aggregateIdentity(repId: string, funnel: string) {
  return { repId, funnel };
}

function flowIdentity(repId: string, week: string, funnel: string) {
  return { repId, week, funnel };
}

interface PendingItem {
  key: { pk: string; sk: string };
  identity: Record<string, string>;
  sums: Map<string, number>;
}

/**
 * The counter items a change moves, one Update per item. Deltas on the same stage are summed first:
 * a transaction may touch an item only once, and one update expression may name an attribute only
 * once (an amount change is −old and +new on the same stage). Sums of 0 are left out, and an item
 * left with none is not written at all.
 */
export function counterUpdates(
  tableName: string,
  aggregates: readonly AggregateDelta[],
  flows: readonly FlowDelta[],
): TransactItem[] {
  const items = new Map<string, PendingItem>();
  const item = (key: PendingItem["key"], identity: PendingItem["identity"]) => {
    const id = JSON.stringify([key.pk, key.sk]);
    const found = items.get(id) ?? { key, identity, sums: new Map<string, number>() };
    items.set(id, found);
    return found;
  };
  const add = (pending: PendingItem, attribute: string, n: number) =>
    pending.sums.set(attribute, (pending.sums.get(attribute) ?? 0) + n);

  for (const d of aggregates) {
    const pending = item(aggregateKey(d.repId, d.funnel), aggregateIdentity(d.repId, d.funnel));
    add(pending, counterAttribute("count", d.stage), d.count);
    add(pending, counterAttribute("amount", d.stage), d.amount);
  }
  for (const d of flows) {
    const pending = item(
      flowKey(d.repId, d.week, d.funnel),
      flowIdentity(d.repId, d.week, d.funnel),
    );
    for (const [counter, n] of Object.entries(d.counts) as [FlowCounter, number | undefined][]) {
      add(pending, counterAttribute(counter, d.stage), n ?? 0);
    }
  }
  return [...items.values()].flatMap((pending) => {
    const update = addUpdate(tableName, pending);
    return update === undefined ? [] : [update];
  });
}

function addUpdate(tableName: string, pending: PendingItem): TransactItem | undefined {
  const added = [...pending.sums].filter(([, n]) => n !== 0);
  if (added.length === 0) return undefined;
  // Stage ids come from the rules' YAML, so counter attributes are only ever named by placeholder.
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = added.map(([attribute, n], i) => {
    names[`#c${i}`] = attribute;
    values[`:c${i}`] = n;
    return `#c${i} :c${i}`;
  });
  const sets = Object.entries(pending.identity).map(([attribute, value]) => {
    values[`:${attribute}`] = value;
    return `${attribute} = :${attribute}`;
  });
  return {
    Update: {
      TableName: tableName,
      Key: pending.key,
      UpdateExpression: `ADD ${adds.join(", ")} SET ${sets.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * Sets one stage of a rep's aggregate item to `to`, only while it still holds `from` (reconcile's
 * fix). A figure of 0 may never have been written, so 0 also matches a missing attribute.
 */
export function aggregateCorrection(
  tableName: string,
  row: { repId: string; funnel: string; stage: string },
  from: Tally,
  to: Tally,
) {
  const { repId, funnel, stage } = row;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const conditions: string[] = [];
  for (const counter of AGGREGATE_COUNTERS) {
    names[`#${counter}`] = counterAttribute(counter, stage);
    values[`:${counter}`] = to[counter];
    values[`:old_${counter}`] = from[counter];
    sets.push(`#${counter} = :${counter}`);
    const same = `#${counter} = :old_${counter}`;
    conditions.push(from[counter] === 0 ? `(attribute_not_exists(#${counter}) OR ${same})` : same);
  }
  for (const [attribute, value] of Object.entries(aggregateIdentity(repId, funnel))) {
    values[`:${attribute}`] = value;
    sets.push(`${attribute} = :${attribute}`);
  }
  return {
    TableName: tableName,
    Key: aggregateKey(repId, funnel),
    UpdateExpression: `SET ${sets.join(", ")}`,
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

const byStage = <T extends { stage: string }>(a: T, b: T) =>
  a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0;

/** One row per stage the item has a figure for (a figure never written reads as 0). */
export function aggregateRows(item: Record<string, unknown>): AggregateRow[] {
  const rows = new Map<string, AggregateRow>();
  for (const [name, value] of Object.entries(item)) {
    const attribute = splitAttribute(name);
    if (attribute === undefined || !isAggregateCounter(attribute.counter)) continue;
    const { counter, stage } = attribute;
    const row = rows.get(stage) ?? {
      repId: String(item.repId),
      funnel: String(item.funnel),
      stage,
      count: 0,
      amount: 0,
    };
    row[counter] = Number(value ?? 0);
    rows.set(stage, row);
  }
  return [...rows.values()].sort(byStage);
}

/** One row per stage the item has a counter for, with every counter (0 when never written). */
export function flowRows(item: Record<string, unknown>): FlowRow[] {
  const rows = new Map<string, FlowRow>();
  for (const [name, value] of Object.entries(item)) {
    const attribute = splitAttribute(name);
    if (attribute === undefined || !isFlowCounter(attribute.counter)) continue;
    const { counter, stage } = attribute;
    const row = rows.get(stage) ?? {
      repId: String(item.repId),
      week: String(item.week),
      funnel: String(item.funnel),
      stage,
      counts: Object.fromEntries(FLOW_COUNTERS.map((c) => [c, 0])) as Record<FlowCounter, number>,
    };
    row.counts[counter] = Number(value ?? 0);
    rows.set(stage, row);
  }
  return [...rows.values()].sort(byStage);
}

/** A whole aggregate item in a settled state, for writing a table directly (benchmarks, tests). */
export function aggregateItem(
  repId: string,
  funnel: string,
  stages: Iterable<readonly [string, Tally]>,
): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...aggregateKey(repId, funnel),
    ...aggregateIdentity(repId, funnel),
  };
  for (const [stage, tally] of stages) {
    for (const counter of AGGREGATE_COUNTERS)
      item[counterAttribute(counter, stage)] = tally[counter];
  }
  return item;
}

/** A whole flow item in a settled state, for writing a table directly (benchmarks, tests). */
export function flowItem(
  repId: string,
  week: string,
  funnel: string,
  stages: Iterable<readonly [string, Partial<Record<FlowCounter, number>>]>,
): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...flowKey(repId, week, funnel),
    ...flowIdentity(repId, week, funnel),
  };
  for (const [stage, counts] of stages) {
    for (const [counter, n] of Object.entries(counts) as [FlowCounter, number | undefined][]) {
      if (n !== undefined) item[counterAttribute(counter, stage)] = n;
    }
  }
  return item;
}
