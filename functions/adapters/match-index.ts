import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  paginateQuery,
} from "@aws-sdk/lib-dynamodb";
import { matchKey } from "./item-keys";

/**
 * Open leads by duplicate-match key (`MATCH#company=acme` → `LEAD#L1`), so a new lead finds the
 * lead it duplicates with one query per key instead of a scan.
 */
export class MatchIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async leadIds(keys: string[]): Promise<string[]> {
    const ids = new Set<string>();
    for (const key of keys) {
      const pages = paginateQuery(
        { client: this.db },
        {
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": matchKey(key, "").pk },
        },
      );
      for await (const page of pages)
        for (const item of page.Items ?? []) ids.add(String(item.leadId));
    }
    return [...ids];
  }

  /** Registers a lead under keys and removes it from others (see core matchIndexChanges). */
  async apply(leadId: string, changes: { put: string[]; remove: string[] }): Promise<void> {
    const requests = [
      ...changes.put.map((key) => ({
        PutRequest: { Item: { ...matchKey(key, leadId), type: "match", leadId } },
      })),
      ...changes.remove.map((key) => ({ DeleteRequest: { Key: matchKey(key, leadId) } })),
    ];
    for (let i = 0; i < requests.length; i += 25) {
      let batch = requests.slice(i, i + 25);
      while (batch.length > 0) {
        const result = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } }),
        );
        batch = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof batch;
      }
    }
  }
}
