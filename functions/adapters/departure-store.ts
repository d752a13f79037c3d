import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ReassignDecision } from "../core/decisions";
import { type HandoffEntry, handoffEntry } from "../core/notices";
import { type Lead, parseLead } from "../core/records/lead";
import { RecordError } from "../core/records/record-error";
import { concurrently } from "./concurrently";
import { departureKey, handoffKeys, leadKey, ownerKeys } from "./item-keys";
import { UpdateBuilder } from "./update-builder";

/** Sort-key ranges of one rep's byOwner partition read at once. */
const RANGES_IN_FLIGHT = 8;

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as Error).name === "ConditionalCheckFailedException";

/** The lead attributes a handoff entry is made of (see handoffEntry). */
const HANDOFF_ATTRIBUTES = [
  "pk",
  "sk",
  "id",
  "name",
  "company",
  "funnel",
  "stage",
  "amount",
  "stageEnteredAt",
  "owner",
  "pool",
  "kindSk",
] as const;

/** `updatedBy` on a lead a departure moved, as release and dwell actions name themselves. */
export const DEPARTURE_WRITER = "funnel-rules (departure)";

/** A journalled lead a writer has since made unreadable is still listed, by what it still has. */
function journalled(item: Record<string, unknown>): HandoffEntry {
  try {
    return handoffEntry(parseLead(item));
  } catch (error) {
    if (!(error instanceof RecordError)) throw error;
    const id = String(item.kindSk);
    return {
      leadId: id,
      title: id,
      stage: typeof item.stage === "string" ? item.stage : "?",
      amount: 0,
      to: typeof item.owner === "string" ? item.owner : null,
    };
  }
}

/**
 * A departure's writes: each move is one conditional update of the lead (still the leaver's, at
 * the version read), which also files the lead under the departure's journal keys on the byKind
 * index. One item per move, no transaction: the move and its journal entry cannot part, and moves
 * side by side never touch a common item. The aggregates follow through the lead's own stream
 * record, as for any owner change. The journal is what makes the departure resumable: a second run
 * moves what is left and writes the handoff from the journal.
 */
export class DepartureStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Marks the departure as begun, before any move. True for its first run; false for a retry,
   * which must read the journal back for what the earlier runs moved.
   */
  async begin(repId: string, departureId: string, at: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...departureKey(repId, departureId),
            type: "departure",
            repId,
            departureId,
            startedAt: new Date(at).toISOString(),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Every lead the byOwner index lists for the rep (the index may lag; moves re-check). The rep's
   * partition is read in sort-key ranges side by side, split at `splitAt` (the funnels' stage
   * prefixes): a leaver with 10,000 leads is ten pages one after another otherwise. The ranges
   * cover every key, whatever stage it names, so a split point only decides where ranges meet.
   */
  async ownedBy(repId: string, splitAt: readonly string[] = []): Promise<Lead[]> {
    const bounds = [...new Set(splitAt)].filter((b) => b !== "").sort();
    const first = bounds[0];
    const last = bounds[bounds.length - 1];
    const ranges: { condition: string; values: Record<string, string> }[] =
      first === undefined || last === undefined
        ? [{ condition: "", values: {} }]
        : [
            { condition: " AND ownerSk < :lo", values: { ":lo": first } },
            ...bounds.slice(1).map((hi, i) => ({
              condition: " AND ownerSk BETWEEN :lo AND :hi",
              values: { ":lo": bounds[i] ?? first, ":hi": hi },
            })),
            { condition: " AND ownerSk >= :lo", values: { ":lo": last } },
          ];
    const { ownerPk } = ownerKeys(repId, "", "", "", 0);
    const found = await concurrently(ranges, RANGES_IN_FLIGHT, async (range) => {
      const leads: Lead[] = [];
      const pages = paginateQuery(
        { client: this.db },
        {
          TableName: this.tableName,
          IndexName: "byOwner",
          KeyConditionExpression: `ownerPk = :pk${range.condition}`,
          ExpressionAttributeValues: { ":pk": ownerPk, ...range.values },
        },
      );
      for await (const page of pages)
        for (const item of page.Items ?? []) leads.push(parseLead(item));
      return leads;
    });
    // BETWEEN includes both ends, so a key equal to a split point would be read twice.
    return [...new Map(found.flat().map((lead) => [lead.id, lead])).values()];
  }

  /**
   * The lead as moved, or undefined when it is no longer the leaver's as read (moved or changed
   * since).
   */
  async move(
    lead: Lead,
    decision: ReassignDecision,
    departureId: string,
    at: number,
  ): Promise<Lead | undefined> {
    const journal = handoffKeys(decision.from, departureId, lead.id);
    const u = new UpdateBuilder()
      .set("previousOwner", decision.from)
      .set("assignedVia", decision.via)
      .set("assignReason", decision.reason)
      .set("kindPk", journal.kindPk)
      .set("kindSk", journal.kindSk)
      .set("handedOverAt", new Date(at).toISOString())
      // The lead's history entry for this owner change names who made it.
      .set("updatedBy", DEPARTURE_WRITER)
      .increment("version")
      .condition("#owner = :cOwner", { "#owner": "owner" }, { ":cOwner": decision.from });
    let moved: Lead;
    if (decision.to !== null) {
      const keys = ownerKeys(decision.to, lead.funnel ?? "", lead.stage, lead.id, lead.amount);
      u.set("owner", decision.to).set("ownerPk", keys.ownerPk).set("ownerSk", keys.ownerSk);
      moved = { ...lead, owner: decision.to, pool: undefined };
    } else {
      const pool = decision.pool ?? "unassigned";
      u.remove("owner", "ownerPk", "ownerSk").set("pool", pool);
      moved = { ...lead, owner: undefined, pool };
    }
    // `counted` is left as it is: the lead's own stream record sees the owner change and moves the
    // aggregates (as for any owner change a CRM writes). Moves running side by side would otherwise
    // all update the leaver's aggregate item, and could not be single-item writes.
    if (lead.version === undefined)
      u.condition("attribute_not_exists(#version)", { "#version": "version" });
    else
      u.condition("#version = :cVersion", { "#version": "version" }, { ":cVersion": lead.version });
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.tableName, Key: leadKey(lead.id), ...u.build() }),
      );
      return moved;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * The leads a departure moved, from the byKind index; read by a retried run only. The index is
   * eventually consistent, so the run adds its own moves; what earlier (crashed) runs moved has
   * long been indexed by the time the departure is retried.
   */
  async journal(repId: string, departureId: string): Promise<HandoffEntry[]> {
    const entries: HandoffEntry[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: "byKind",
        KeyConditionExpression: "kindPk = :pk",
        ExpressionAttributeValues: { ":pk": handoffKeys(repId, departureId, "").kindPk },
        // Only what a handoff line shows: a departure of thousands of leads reads less.
        ProjectionExpression: HANDOFF_ATTRIBUTES.map((_, i) => `#a${i}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(
          HANDOFF_ATTRIBUTES.map((a, i) => [`#a${i}`, a]),
        ),
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) entries.push(journalled(item));
    return entries;
  }
}
