import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { type Lead, parseLead } from "../core/records/lead";
import { RecordError } from "../core/records/record-error";
import { ownerKeys } from "./item-keys";

/** Reads one rep's leads in one stage from the byOwner index (`<funnel>#<stage>#<lead id>`). */
export class OwnerIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * The rep's leads in the stage. For the default funnel the prefix without a funnel id is read as
   * well: assignments of leads written without `funnel` index them as `#<stage>#<id>` until their
   * next stage change. Records that do not parse are left to the event path's quarantine.
   */
  async inStage(repId: string, funnel: string, stage: string, isDefault: boolean): Promise<Lead[]> {
    const keys = ownerKeys(repId, funnel, stage, "");
    const prefixes = isDefault
      ? [keys.ownerSk, ownerKeys(repId, "", stage, "").ownerSk]
      : [keys.ownerSk];
    const leads: Lead[] = [];
    for (const prefix of prefixes) {
      const pages = paginateQuery(
        { client: this.db },
        {
          TableName: this.tableName,
          IndexName: "byOwner",
          KeyConditionExpression: "ownerPk = :pk AND begins_with(ownerSk, :prefix)",
          ExpressionAttributeValues: { ":pk": keys.ownerPk, ":prefix": prefix },
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) {
          try {
            leads.push(parseLead(item));
          } catch (error) {
            if (!(error instanceof RecordError)) throw error;
          }
        }
      }
    }
    return leads;
  }
}
