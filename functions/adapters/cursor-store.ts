import { type DynamoDBDocumentClient, PutCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { cursorKey } from "./item-keys";

/**
 * Round robin's position per scope. Losing a write only means one rep is skipped or repeated once,
 * so these are plain puts, not conditional ones.
 */
export class CursorStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async all(): Promise<Map<string, string>> {
    const cursors = new Map<string, string>();
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: "byKind",
        KeyConditionExpression: "kindPk = :kind",
        ExpressionAttributeValues: { ":kind": "CURSOR" },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) cursors.set(String(item.scope), String(item.repId));
    }
    return cursors;
  }

  async save(scope: string, repId: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...cursorKey(scope), kindPk: "CURSOR", kindSk: scope, scope, repId },
      }),
    );
  }
}
