import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { type FlowRow, flowPartition, flowRows } from "./counter-items";

export type { FlowRow } from "./counter-items";

/** Reads flow counters a week at a time, one query of the week's partition (see counter-items.ts). */
export class FlowStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every rep's counters for the given weeks (Mondays, YYYY-MM-DD). */
  async weeks(weeks: readonly string[]): Promise<FlowRow[]> {
    const rows: FlowRow[] = [];
    for (const week of weeks) {
      const pages = paginateQuery(
        { client: this.db },
        {
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": flowPartition(week) },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) rows.push(...flowRows(item));
      }
    }
    return rows;
  }
}
