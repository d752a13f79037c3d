import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

const BATCH_LIMIT = 25;
const MAX_ATTEMPTS = 8;

/** Puts items 25 at a time, retrying what DynamoDB leaves unprocessed under load. */
export async function putItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  items: Record<string, unknown>[],
): Promise<void> {
  for (let start = 0; start < items.length; start += BATCH_LIMIT) {
    let requests = items
      .slice(start, start + BATCH_LIMIT)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; requests.length > 0; attempt += 1) {
      if (attempt > MAX_ATTEMPTS)
        throw new Error(
          `DynamoDB left ${requests.length} items unprocessed after ${MAX_ATTEMPTS} attempts`,
        );
      const result = await db.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      if (requests.length > 0)
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}
