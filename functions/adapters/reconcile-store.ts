import { type DynamoDBDocumentClient, paginateScan, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DriftRow } from "../core/reconcile";
import { type Lead, parseLead } from "../core/records/lead";
import { RecordError } from "../core/records/record-error";
import { aggregateCorrection } from "./counter-items";

/** What reconcile reads and writes that no other store does: a scan of the leads, and fixes. */
export class ReconcileStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Every lead, by a consistent scan of the table (a maintenance job may read the whole table;
   * nothing on the event or scheduled path does). Records that do not parse are returned apart.
   */
  async scanLeads(): Promise<{ leads: Lead[]; unreadable: { key: string; reason: string }[] }> {
    const leads: Lead[] = [];
    const unreadable: { key: string; reason: string }[] = [];
    const pages = paginateScan(
      { client: this.db },
      {
        TableName: this.tableName,
        ConsistentRead: true,
        FilterExpression: "sk = :lead",
        ExpressionAttributeValues: { ":lead": "LEAD" },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        try {
          leads.push(parseLead(item));
        } catch (error) {
          if (!(error instanceof RecordError)) throw error;
          unreadable.push({ key: String(item.pk), reason: error.message });
        }
      }
    }
    return { leads, unreadable };
  }

  /**
   * Sets an aggregate to what the leads' `counted` holdings add up to, only if it still holds
   * what was read: a lead moving meanwhile changes it, and then the fix is left for a rerun.
   */
  async correct(row: DriftRow): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand(aggregateCorrection(this.tableName, row, row.actual, row.ledger)),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }
}
