import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { FLOW_COUNTERS, type FlowCounter } from "../core/flow";

/** One rep's counters for one stage in one week, as stored (see core/flow.ts). */
export interface FlowRow {
  repId: string;
  week: string;
  funnel: string;
  stage: string;
  counts: Record<FlowCounter, number>;
}

/** Reads flow counters a week at a time from the byKind index (`FLOW#<week>`). */
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
          IndexName: "byKind",
          KeyConditionExpression: "kindPk = :kind",
          ExpressionAttributeValues: { ":kind": `FLOW#${week}` },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          const counts = Object.fromEntries(
            FLOW_COUNTERS.map((c) => [c, Number(item[c] ?? 0)]),
          ) as Record<FlowCounter, number>;
          rows.push({
            repId: String(item.repId),
            week,
            funnel: String(item.funnel),
            stage: String(item.stage),
            counts,
          });
        }
      }
    }
    return rows;
  }
}
