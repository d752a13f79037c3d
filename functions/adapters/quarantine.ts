import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";

const RETENTION_DAYS = 90;

/**
 * Records the engine cannot understand (unknown stage, missing id, wrong types). Retrying would not
 * help, so instead of blocking the shard they are kept here, with the reason and the image, for a
 * person to fix: `PROBLEM#<item key>` items, one per stream record.
 */
export class Quarantine {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(problem: {
    itemKey: string;
    changeId: string;
    reason: string;
    image?: unknown;
    at: number;
  }): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `PROBLEM#${problem.itemKey}`,
          sk: problem.changeId,
          type: "record-problem",
          reason: problem.reason,
          image:
            problem.image === undefined
              ? undefined
              : JSON.stringify(problem.image).slice(0, 100_000),
          at: new Date(problem.at).toISOString(),
          expiresAt: Math.floor(problem.at / 1000) + RETENTION_DAYS * 86_400,
        },
      }),
    );
  }
}
