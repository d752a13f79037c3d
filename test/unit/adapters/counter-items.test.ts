import { describe, expect, it } from "vitest";
import {
  aggregateCorrection,
  aggregateRows,
  counterUpdates,
  flowRows,
  type TransactItem,
} from "../../../functions/adapters/counter-items";
import type { AggregateDelta } from "../../../functions/core/decisions";
import type { FlowDelta } from "../../../functions/core/flow";

const TABLE = "t";
const WEEK = "2026-11-16";

const anAggregateDelta = (overrides: Partial<AggregateDelta> = {}): AggregateDelta => ({
  repId: "rep-a",
  funnel: "standard",
  stage: "lead",
  count: 1,
  amount: 0,
  ...overrides,
});

const aFlowDelta = (overrides: Partial<FlowDelta> = {}): FlowDelta => ({
  repId: "rep-a",
  week: WEEK,
  funnel: "standard",
  stage: "lead",
  counts: { entered: 1 },
  ...overrides,
});

/** A stage change from `from` to `to` within rep-a's holdings, with its flow counters. */
function aStageChange(from: string, to: string, amount = 1000) {
  return {
    aggregates: [
      anAggregateDelta({ stage: from, count: -1, amount: -amount }),
      anAggregateDelta({ stage: to, count: 1, amount }),
    ],
    flows: [
      aFlowDelta({ stage: from, counts: { exits: 1, advanced: 1, dwellRatioSum: 0.5 } }),
      aFlowDelta({ stage: to, counts: { entered: 1 } }),
    ],
  };
}

const updates = (items: TransactItem[]) =>
  items.map((item) => {
    if (item.Update === undefined) throw new Error("expected an Update");
    return item.Update;
  });

/** The attribute names an update adds to, with the values added (placeholders resolved). */
function added(update: ReturnType<typeof updates>[number]): Record<string, unknown> {
  const clause = /^ADD (.*?) SET /.exec(update.UpdateExpression ?? "")?.[1] ?? "";
  return Object.fromEntries(
    clause.split(", ").map((pair) => {
      const [name, value] = pair.split(" ") as [string, string];
      return [update.ExpressionAttributeNames?.[name], update.ExpressionAttributeValues?.[value]];
    }),
  );
}

/** What DynamoDB does with these updates: ADD to numbers (absent = 0), SET the rest. */
function applied(items: TransactItem[], table = new Map<string, Record<string, unknown>>()) {
  for (const update of updates(items)) {
    const id = JSON.stringify(update.Key);
    const item = table.get(id) ?? { ...update.Key };
    for (const [name, n] of Object.entries(added(update)))
      item[name] = Number(item[name] ?? 0) + Number(n);
    const sets = /SET (.*)$/.exec(update.UpdateExpression ?? "")?.[1] ?? "";
    for (const pair of sets.split(", ")) {
      const [name, value] = pair.split(" = ") as [string, string];
      item[name] = update.ExpressionAttributeValues?.[value];
    }
    table.set(id, item);
  }
  return table;
}

describe("counter items", () => {
  it("writes a stage change within one rep's holdings as one aggregate and one flow update", () => {
    const change = aStageChange("lead", "contacted");
    const [aggregate, flow, ...rest] = updates(
      counterUpdates(TABLE, change.aggregates, change.flows),
    );
    expect(rest).toEqual([]);
    expect(aggregate?.Key).toEqual({ pk: "AGG", sk: "rep-a#standard" });
    expect(added(aggregate as NonNullable<typeof aggregate>)).toEqual({
      "count#lead": -1,
      "amount#lead": -1000,
      "count#contacted": 1,
      "amount#contacted": 1000,
    });
    expect(aggregate?.ExpressionAttributeValues).toMatchObject({
      ":repId": "rep-a",
      ":funnel": "standard",
    });
    // No index copies the counters: each change would rewrite it.
    expect(aggregate?.UpdateExpression).not.toMatch(/kindPk/);
    expect(flow?.Key).toEqual({ pk: `FLOW#${WEEK}`, sk: "rep-a#standard" });
    expect(added(flow as NonNullable<typeof flow>)).toEqual({
      "exits#lead": 1,
      "advanced#lead": 1,
      "dwellRatioSum#lead": 0.5,
      "entered#contacted": 1,
    });
    expect(flow?.ExpressionAttributeValues).toMatchObject({
      ":week": WEEK,
    });
    expect(flow?.UpdateExpression).not.toMatch(/kindPk/);
  });

  it("sums two deltas on the same stage into one path, leaving out a sum of zero", () => {
    const amountChange = [
      anAggregateDelta({ stage: "intent", count: -1, amount: -1000 }),
      anAggregateDelta({ stage: "intent", count: 1, amount: 2500 }),
    ];
    const [update, ...rest] = updates(counterUpdates(TABLE, amountChange, []));
    expect(rest).toEqual([]);
    expect(update?.UpdateExpression?.startsWith("ADD #c0 :c0 SET ")).toBe(true);
    expect(added(update as NonNullable<typeof update>)).toEqual({ "amount#intent": 1500 });
  });

  it("writes nothing for an item whose deltas all sum to zero", () => {
    const undone = [
      anAggregateDelta({ count: 1, amount: 5 }),
      anAggregateDelta({ count: -1, amount: -5 }),
    ];
    expect(counterUpdates(TABLE, undone, [aFlowDelta({ counts: {} })])).toEqual([]);
  });

  it("writes one aggregate item per rep when a lead changes hands", () => {
    const handoff = [
      anAggregateDelta({ repId: "rep-a", stage: "intent", count: -1, amount: -700 }),
      anAggregateDelta({ repId: "rep-b", stage: "intent", count: 1, amount: 700 }),
    ];
    const written = updates(counterUpdates(TABLE, handoff, []));
    expect(written.map((u) => u.Key)).toEqual([
      { pk: "AGG", sk: "rep-a#standard" },
      { pk: "AGG", sk: "rep-b#standard" },
    ]);
    expect(written.map((u) => added(u))).toEqual([
      { "count#intent": -1, "amount#intent": -700 },
      { "count#intent": 1, "amount#intent": 700 },
    ]);
  });

  it("reads back as rows what the updates added, one row per stage", () => {
    const table = applied(counterUpdates(TABLE, [anAggregateDelta({ amount: 1000 })], []));
    const change = aStageChange("lead", "contacted");
    applied(counterUpdates(TABLE, change.aggregates, change.flows), table);
    const items = [...table.values()];
    const aggregate = items.find((item) => item.pk === "AGG" && item.sk === "rep-a#standard") ?? {};
    const flow =
      items.find((item) => item.pk === `FLOW#${WEEK}` && item.sk === "rep-a#standard") ?? {};
    expect(aggregateRows(aggregate)).toEqual([
      { repId: "rep-a", funnel: "standard", stage: "contacted", count: 1, amount: 1000 },
      { repId: "rep-a", funnel: "standard", stage: "lead", count: 0, amount: 0 },
    ]);
    const zero = {
      entered: 0,
      advanced: 0,
      abandoned: 0,
      exits: 0,
      dwellRatioSum: 0,
      sales: 0,
      salesAmount: 0,
      oofSales: 0,
      oofAmount: 0,
    };
    expect(flowRows(flow)).toEqual([
      {
        repId: "rep-a",
        week: WEEK,
        funnel: "standard",
        stage: "contacted",
        counts: { ...zero, entered: 1 },
      },
      {
        repId: "rep-a",
        week: WEEK,
        funnel: "standard",
        stage: "lead",
        counts: { ...zero, exits: 1, advanced: 1, dwellRatioSum: 0.5 },
      },
    ]);
  });

  it("keeps stage ids with #, spaces and non-ASCII letters whole, named only by placeholder", () => {
    const stages = ["won#2", "first call", "意向客户"];
    const deltas = stages.map((stage, i) => anAggregateDelta({ stage, amount: 10 * (i + 1) }));
    const flows = stages.map((stage) => aFlowDelta({ stage, counts: { sales: 1 } }));
    const written = counterUpdates(TABLE, deltas, flows);
    for (const update of updates(written)) {
      expect(update.UpdateExpression).not.toMatch(/won|first|意向/);
    }
    const items = [...applied(written).values()];
    const aggregate = items.find((item) => item.pk === "AGG" && item.sk === "rep-a#standard") ?? {};
    expect(aggregateRows(aggregate).map((row) => [row.stage, row.count, row.amount])).toEqual([
      ["first call", 1, 20],
      ["won#2", 1, 10],
      ["意向客户", 1, 30],
    ]);
    const flow =
      items.find((item) => item.pk === `FLOW#${WEEK}` && item.sk === "rep-a#standard") ?? {};
    expect(flowRows(flow).map((row) => [row.stage, row.counts.sales])).toEqual([
      ["first call", 1],
      ["won#2", 1],
      ["意向客户", 1],
    ]);
  });

  it("ignores attributes that are not a known counter of a stage", () => {
    const item = {
      pk: "AGG",
      sk: "rep-a#standard",
      repId: "rep-a",
      funnel: "standard",
      count: 3,
      "entered#lead": 1,
      "count#lead": 2,
    };
    expect(aggregateRows(item)).toEqual([
      { repId: "rep-a", funnel: "standard", stage: "lead", count: 2, amount: 0 },
    ]);
    expect(flowRows({ ...item, week: WEEK }).map((row) => row.stage)).toEqual(["lead"]);
  });

  it("corrects one stage only while it holds what was read, a missing figure reading as 0", () => {
    const fix = aggregateCorrection(
      TABLE,
      { repId: "rep-a", funnel: "standard", stage: "won#2" },
      { count: 0, amount: 300 },
      { count: 1, amount: 300 },
    );
    expect(fix.Key).toEqual({ pk: "AGG", sk: "rep-a#standard" });
    expect(fix.ExpressionAttributeNames).toEqual({
      "#count": "count#won#2",
      "#amount": "amount#won#2",
    });
    expect(fix.ConditionExpression).toBe(
      "(attribute_not_exists(#count) OR #count = :old_count) AND #amount = :old_amount",
    );
    expect(fix.UpdateExpression).toBe(
      "SET #count = :count, #amount = :amount, repId = :repId, funnel = :funnel",
    );
  });
});
