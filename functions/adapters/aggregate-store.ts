import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { loadsFromHoldings, type RepLoad } from "../core/distribution/rep-load";
import type { RuleSet } from "../core/rules/rule-set";
import { AGGREGATE_PARTITION, type AggregateRow, aggregateRows } from "./counter-items";

export type { AggregateRow } from "./counter-items";

/** The per-rep per-stage aggregates, all in one query of their partition. */
export class AggregateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async all(): Promise<AggregateRow[]> {
    const rows: AggregateRow[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": AGGREGATE_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) rows.push(...aggregateRows(item));
    }
    return rows;
  }

  /** What each rep holds now: per stage, and open leads in all (terminal stages are not open). */
  async loads(rules: RuleSet): Promise<Map<string, RepLoad>> {
    return loadsFromHoldings(rules, await this.all());
  }
}
