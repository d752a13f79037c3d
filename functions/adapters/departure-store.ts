import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ReassignDecision } from "../core/decisions";
import type { HandoffEntry } from "../core/notices";
import { type Lead, parseLead } from "../core/records/lead";
import { departureMoveKey, leadKey, ownerKeys } from "./item-keys";
import { UpdateBuilder } from "./update-builder";

const MAX_CONFLICT_RETRIES = 6;

/**
 * A departure's writes: each move is a conditional update of the lead (still the leaver's, same
 * version) together with a journal entry, in one transaction; the aggregates follow through the
 * lead's stream record. The journal is what makes the
 * departure resumable: a second run moves what is left and writes the handoff from the journal.
 */
export class DepartureStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every lead the byOwner index lists for the rep (the index may lag; moves re-check). */
  async ownedBy(repId: string): Promise<Lead[]> {
    const leads: Lead[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: "byOwner",
        KeyConditionExpression: "ownerPk = :pk",
        ExpressionAttributeValues: { ":pk": ownerKeys(repId, "", "", "", 0).ownerPk },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) leads.push(parseLead(item));
    return leads;
  }

  /** Returns false when the lead is no longer the leaver's as read (moved or changed since). */
  async move(
    lead: Lead,
    decision: ReassignDecision,
    departureId: string,
    at: number,
  ): Promise<boolean> {
    const u = new UpdateBuilder()
      .set("previousOwner", decision.from)
      .set("assignedVia", decision.via)
      .set("assignReason", decision.reason)
      .increment("version")
      .condition("#owner = :cOwner", { "#owner": "owner" }, { ":cOwner": decision.from });
    if (decision.to !== null) {
      const keys = ownerKeys(decision.to, lead.funnel ?? "", lead.stage, lead.id, lead.amount);
      u.set("owner", decision.to).set("ownerPk", keys.ownerPk).set("ownerSk", keys.ownerSk);
    } else {
      u.remove("owner", "ownerPk", "ownerSk").set("pool", decision.pool ?? "unassigned");
    }
    // `counted` is left as it is: the lead's own stream record sees the owner change and moves the
    // aggregates (as for any owner change a CRM writes). Moves running side by side would otherwise
    // all update the leaver's few aggregate items, and DynamoDB cancels overlapping transactions.
    if (lead.version === undefined)
      u.condition("attribute_not_exists(#version)", { "#version": "version" });
    else
      u.condition("#version = :cVersion", { "#version": "version" }, { ":cVersion": lead.version });
    const entry: HandoffEntry & Record<string, unknown> = {
      leadId: lead.id,
      title: lead.name ?? lead.company ?? lead.id,
      funnel: lead.funnel,
      stage: lead.stage,
      amount: lead.amount ?? 0,
      enteredAt: lead.stageEnteredAt,
      to: decision.to,
      pool: decision.pool,
    };
    const items = {
      TransactItems: [
        { Update: { TableName: this.tableName, Key: leadKey(lead.id), ...u.build() } },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...departureMoveKey(decision.from, departureId, lead.id),
              departureId,
              type: "departure-move",
              ...entry,
              via: decision.via,
              reason: decision.reason,
              at: new Date(at).toISOString(),
            },
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
      ],
    };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.db.send(new TransactWriteCommand(items));
        return true;
      } catch (error) {
        if (
          !(
            error instanceof TransactionCanceledException ||
            (error as Error).name === "TransactionCanceledException"
          )
        )
          throw error;
        const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
        // The lead's stream handler may be writing it at the same moment; DynamoDB cancels one of
        // two overlapping transactions, which is worth another try. A failed condition is not.
        const conflict =
          reasons.some((r) => r.Code === "TransactionConflict") &&
          !reasons.some((r) => r.Code === "ConditionalCheckFailed");
        if (!conflict || attempt >= MAX_CONFLICT_RETRIES) return false;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
      }
    }
  }

  async journal(repId: string, departureId: string): Promise<HandoffEntry[]> {
    const entries: HandoffEntry[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :move)",
        ExpressionAttributeValues: {
          ":pk": departureMoveKey(repId, departureId, "").pk,
          ":move": `${departureId}#MOVE#`,
        },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) entries.push(item as unknown as HandoffEntry);
    return entries;
  }
}
