import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { type Lead, parseLead } from "../core/records/lead";
import { RecordError } from "../core/records/record-error";
import { ownerKeys, ownerStagePrefix } from "./item-keys";

/**
 * Reads one rep's leads in one stage from the byOwner index
 * (`<funnel>#<stage>#<amount rank>#<lead id>`: largest amount first).
 */
export class OwnerIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The rep's leads in the stage, largest amount first; with `limit`, at most that many from each
   * prefix read. For the default funnel the prefix without a funnel id is read as well:
   * assignments of leads written without `funnel` index them as `#<stage>#…` until their next
   * stage change. Records that do not parse are left to the event path's quarantine.
   */
  async inStage(
    repId: string,
    funnel: string,
    stage: string,
    isDefault: boolean,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Lead[]> {
    const { ownerPk } = ownerKeys(repId, funnel, stage, "", 0);
    const prefixes = isDefault
      ? [ownerStagePrefix(funnel, stage), ownerStagePrefix("", stage)]
      : [ownerStagePrefix(funnel, stage)];
    const leads: Lead[] = [];
    for (const prefix of prefixes) {
      let read = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: "byOwner",
            KeyConditionExpression: "ownerPk = :pk AND begins_with(ownerSk, :prefix)",
            ExpressionAttributeValues: { ":pk": ownerPk, ":prefix": prefix },
            ExclusiveStartKey: start,
            Limit: Number.isFinite(limit) ? Math.max(1, limit - read) : undefined,
          }),
        );
        for (const item of page.Items ?? []) {
          read += 1;
          try {
            leads.push(parseLead(item));
          } catch (error) {
            if (!(error instanceof RecordError)) throw error;
          }
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined && read < limit);
    }
    return leads;
  }
}
