import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { loadsFromHoldings, type RepLoad } from "../core/distribution/rep-load";
import type { RuleSet } from "../core/rules/rule-set";

export interface AggregateRow {
  repId: string;
  funnel: string;
  stage: string;
  count: number;
  amount: number;
}

/** The per-rep per-stage aggregates, all in one query on the byKind index. */
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
        IndexName: "byKind",
        KeyConditionExpression: "kindPk = :kind",
        ExpressionAttributeValues: { ":kind": "AGG" },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        rows.push({
          repId: String(item.repId),
          funnel: String(item.funnel),
          stage: String(item.stage),
          count: Number(item.count ?? 0),
          amount: Number(item.amount ?? 0),
        });
      }
    }
    return rows;
  }

  /** What each rep holds now: per stage, and open leads in all (terminal stages are not open). */
  async loads(rules: RuleSet): Promise<Map<string, RepLoad>> {
    return loadsFromHoldings(rules, await this.all());
  }
}
