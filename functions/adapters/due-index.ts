import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { dueUpTo, type TimerKind, timerPk } from "./item-keys";
import { DUE_SHARDS } from "./table-design";

/**
 * Every item of one timer kind due at or before `upTo`, read shard by shard from the sparse byDue
 * index: the cost follows the number of due items, not the size of the table.
 */
export async function queryDue(
  db: DynamoDBDocumentClient,
  tableName: string,
  kind: TimerKind,
  upTo: string,
  projection?: { expression: string; names: Record<string, string> },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let shard = 0; shard < DUE_SHARDS; shard += 1) {
    const pages = paginateQuery(
      { client: db },
      {
        TableName: tableName,
        IndexName: "byDue",
        KeyConditionExpression: "duePk = :pk AND dueSk <= :upTo",
        ExpressionAttributeValues: { ":pk": timerPk(kind, shard), ":upTo": dueUpTo(upTo) },
        ProjectionExpression: projection?.expression,
        ExpressionAttributeNames: projection?.names,
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
  }
  return items;
}
