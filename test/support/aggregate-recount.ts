import { paginateScan } from "@aws-sdk/lib-dynamodb";
import { expect } from "vitest";
import { aggregateRows } from "../../functions/adapters/counter-items";
import type { TestLocalStack } from "./local-stack";

type Tally = Record<string, { count: number; amount: number }>;

/**
 * The invariant behind every owner and stage change: the per-rep per-stage aggregates (a row per
 * stage of each `AGG` / `<rep>#<funnel>` item, count and amount) equal a recount of the leads that
 * have an owner, by (owner, funnel, stage). Scans the table once (fine for a test table). Aggregates left
 * at zero are the same as none. A lead without `funnel` counts in `defaultFunnel`, the rules' first.
 */
export async function expectAggregatesMatchRecount(
  stack: Pick<TestLocalStack, "documents">,
  tableName: string,
  options: { defaultFunnel?: string } = {},
): Promise<{ aggregates: Tally; recount: Tally }> {
  const defaultFunnel = options.defaultFunnel ?? "standard";
  const aggregates: Tally = {};
  const recount: Tally = {};
  for await (const page of paginateScan(
    { client: stack.documents },
    { TableName: tableName, ConsistentRead: true },
  )) {
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      if (pk === "AGG") {
        for (const { repId, funnel, stage, count, amount } of aggregateRows(item)) {
          if (count !== 0 || amount !== 0)
            aggregates[`${repId} ${funnel}#${stage}`] = { count, amount };
        }
      } else if (pk.startsWith("LEAD#") && item.sk === "LEAD" && typeof item.owner === "string") {
        const funnel = typeof item.funnel === "string" ? item.funnel : defaultFunnel;
        const key = `${item.owner} ${funnel}#${String(item.stage)}`;
        const held = recount[key] ?? { count: 0, amount: 0 };
        held.count += 1;
        held.amount += typeof item.amount === "number" ? item.amount : 0;
        recount[key] = held;
      }
    }
  }
  expect(
    aggregates,
    "the aggregates (AGG / <rep>#<funnel>, by stage) differ from a recount of the owned leads",
  ).toEqual(recount);
  return { aggregates, recount };
}
