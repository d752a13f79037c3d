import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ReleaseDecision } from "../core/cold-release";
import type {
  AggregateDelta,
  ColdDecision,
  GradeDecision,
  LedgerDecision,
  SaleDecision,
  TimerDecision,
  TransitionDecision,
} from "../core/decisions";
import { type Lead, parseLead } from "../core/records/lead";
import { counterUpdates, type TransactItem } from "./counter-items";
import { queryDue } from "./due-index";
import { historyKey, leadKey, ownerKeys, timerKeys } from "./item-keys";
import { UpdateBuilder } from "./update-builder";

export type ApplyOutcome = "applied" | "replay" | "superseded";

/** What one lead write made the core decide; applied together in one transaction. */
export interface LeadChangeParts {
  lead: Lead;
  ledger: LedgerDecision;
  transition?: TransitionDecision;
  grade?: GradeDecision;
  cold?: ColdDecision;
  sale?: SaleDecision;
}

function isCancelled(error: unknown): error is TransactionCanceledException {
  return (
    error instanceof TransactionCanceledException ||
    (error as Error)?.name === "TransactionCanceledException"
  );
}

/** Reads and writes leads, their history and the counters a change moves (counter-items.ts). */
export class LeadStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: leadKey(leadId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : parseLead(Item);
  }

  async getMany(leadIds: string[]): Promise<Lead[]> {
    const leads: Lead[] = [];
    for (let i = 0; i < leadIds.length; i += 100) {
      let keys: Record<string, unknown>[] = leadIds.slice(i, i + 100).map(leadKey);
      while (keys.length > 0) {
        const result = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) leads.push(parseLead(item));
        keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return leads;
  }

  /** Raw items of every cold lead whose cooldown ends at or before `now`. */
  async dueColdItems(now: string): Promise<Record<string, unknown>[]> {
    return queryDue(this.db, this.tableName, "COLD", now);
  }

  /**
   * Brings a cold lead back into the funnel; conditional on the same cooldown, so a second run, or
   * a rep who took the lead by hand meanwhile, makes it a no-op. Its stream record then distributes
   * it like a new lead (no owner, no pool).
   */
  async release(release: ReleaseDecision): Promise<boolean> {
    const u = new UpdateBuilder()
      .remove("pool", "coldUntil", "duePk", "dueSk")
      .set("funnel", release.funnel)
      .set("stage", release.stage)
      .set("stageEnteredAt", release.at)
      .set("updatedBy", "funnel-rules (cold release)")
      .setOrRemove("grade", release.grade)
      .set("gradeRule", "cold-return")
      .condition(
        "coldUntil = :cColdUntil AND attribute_not_exists(#owner)",
        { "#owner": "owner" },
        { ":cColdUntil": release.coldUntil },
      );
    return this.conditionalUpdate(release.leadId, u);
  }

  /** Raw items of every lead whose dwell timer is at or before `now`. */
  async dueDwellItems(now: string): Promise<Record<string, unknown>[]> {
    return queryDue(this.db, this.tableName, "DWELL", now);
  }

  private historyPut(parts: LeadChangeParts, changeId: string): TransactItem {
    const { ledger, transition } = parts;
    const entry = transition
      ? {
          type: "transition",
          funnel: transition.funnel,
          from: transition.from,
          to: transition.to,
          skipped: transition.skipped,
          enteredAt: transition.enteredAt,
          owner: transition.owner,
          reason: transition.reason,
        }
      : {
          type: ledger.entry,
          fromOwner: ledger.fromOwner,
          toOwner: ledger.toOwner,
          reason: ledger.reason,
        };
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...historyKey(ledger.leadId, ledger.at, changeId),
          leadId: ledger.leadId,
          at: ledger.at,
          by: ledger.by,
          ...entry,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
  }

  /** The engine-owned attributes that follow from this change, if the lead still looks like it. */
  private leadUpdate(parts: LeadChangeParts): TransactItem {
    const { lead, transition, grade, cold, sale } = parts;
    const u = new UpdateBuilder();
    // A lead going cold gets the COLD timer below instead of a dwell timer.
    if (transition) stageEntry(u, lead.id, transition, !cold);
    if (grade) u.setIfNotExists("grade", grade.grade).setIfNotExists("gradeRule", grade.rule);
    if (cold) {
      const timer = timerKeys("COLD", lead.id, cold.coldUntil);
      u.remove("owner", "ownerPk", "ownerSk")
        .setOrRemove("previousOwner", cold.previousOwner)
        .set("pool", cold.pool)
        .set("coldUntil", cold.coldUntil)
        .set("duePk", timer.duePk)
        .set("dueSk", timer.dueSk)
        .increment("version");
    } else {
      const owner =
        lead.owner === undefined
          ? undefined
          : ownerKeys(lead.owner, parts.ledger.funnel, lead.stage, lead.id, lead.amount);
      u.setOrRemove("ownerPk", owner?.ownerPk).setOrRemove("ownerSk", owner?.ownerSk);
      // Someone gave a pooled lead an owner by hand: it has left the pool.
      if (lead.owner !== undefined && lead.pool !== undefined) u.remove("pool", "coldUntil");
    }
    if (sale) saleRecord(u, sale);
    for (const [attribute, value] of Object.entries(parts.ledger.restore ?? {})) {
      // Not when this change sets it anew (a transition's times, the grade just decided).
      if (!u.has(attribute)) u.setIfNotExists(attribute, value);
    }
    // A lead written without a funnel belongs to the first; say so on the item.
    u.setIfNotExists("funnel", parts.ledger.funnel);
    u.counted(parts.ledger.counted);
    // A later change already on the item wins; its own stream record sets these attributes.
    u.condition("#stage = :cStage", { "#stage": "stage" }, { ":cStage": lead.stage });
    if (lead.owner === undefined)
      u.condition("attribute_not_exists(#owner)", { "#owner": "owner" });
    else u.condition("#owner = :cOwner", { "#owner": "owner" }, { ":cOwner": lead.owner });
    return { Update: { TableName: this.tableName, Key: leadKey(lead.id), ...u.build() } };
  }

  /** A superseded change's stage entry and sale, while the lead is still in that stage. */
  private transitionOnly(parts: LeadChangeParts): TransactItem {
    const { lead, transition, sale } = parts;
    const u = new UpdateBuilder();
    if (transition) stageEntry(u, lead.id, transition, true);
    if (sale) saleRecord(u, sale);
    u.condition("#stage = :cStage", { "#stage": "stage" }, { ":cStage": lead.stage });
    return { Update: { TableName: this.tableName, Key: leadKey(lead.id), ...u.build() } };
  }

  /**
   * Applies one lead change in one transaction: the history entry (keyed by the change, so a replay
   * cancels the whole transaction and changes nothing), the aggregates, and the lead's engine-owned
   * attributes. When the lead has moved on since, the history and aggregates are still recorded.
   */
  async applyChange(parts: LeadChangeParts, changeId: string): Promise<ApplyOutcome> {
    const history = this.historyPut(parts, changeId);
    const counters = counterUpdates(this.tableName, parts.ledger.deltas, parts.ledger.flows);
    // For the fallbacks below: the aggregates move with the lead's `counted`, which only the first
    // transaction writes.
    const flows = counterUpdates(this.tableName, [], parts.ledger.flows);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [history, ...counters, this.leadUpdate(parts)],
        }),
      );
      return "applied";
    } catch (error) {
      if (!isCancelled(error)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === "ConditionalCheckFailed") return "replay";
      if (reasons[reasons.length - 1]?.Code !== "ConditionalCheckFailed") throw error;
    }
    if (parts.transition && !parts.cold) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [history, ...flows, this.transitionOnly(parts)],
          }),
        );
        return "superseded";
      } catch (error) {
        if (!isCancelled(error)) throw error;
        if (error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") return "replay";
      }
    }
    const saleItems: TransactItem[] = [];
    if (parts.sale) {
      const u = new UpdateBuilder()
        .setIfNotExists("soldAt", parts.sale.soldAt)
        .setIfNotExists("soldAmount", parts.sale.amount)
        .setIfNotExists("outOfFunnel", parts.sale.outOfFunnel);
      saleItems.push({
        Update: { TableName: this.tableName, Key: leadKey(parts.lead.id), ...u.build() },
      });
    }
    try {
      await this.db.send(
        new TransactWriteCommand({ TransactItems: [history, ...flows, ...saleItems] }),
      );
      return "superseded";
    } catch (error) {
      if (isCancelled(error) && error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") {
        return "replay";
      }
      throw error;
    }
  }

  /** Grades a lead that has none; a grade already on the lead is kept. */
  async applyGrade(grade: GradeDecision): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: leadKey(grade.leadId),
        UpdateExpression:
          "SET grade = if_not_exists(grade, :grade), gradeRule = if_not_exists(gradeRule, :rule)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":grade": grade.grade, ":rule": grade.rule },
      }),
    );
  }

  /**
   * Gives an unowned lead an owner (or parks it in a pool). Conditional on it still having neither,
   * so two deliveries of the same new lead assign it once.
   */
  async assign(
    lead: Lead,
    target: { owner?: string; pool?: string; via: string; reason: string; duplicateOf?: string },
    counts: { counted: { from?: string; to?: string }; deltas: AggregateDelta[] },
  ): Promise<boolean> {
    const u = new UpdateBuilder()
      .set("assignedVia", target.via)
      .set("assignReason", target.reason)
      .increment("version");
    if (target.owner !== undefined) {
      const keys = ownerKeys(target.owner, lead.funnel ?? "", lead.stage, lead.id, lead.amount);
      u.set("owner", target.owner).set("ownerPk", keys.ownerPk).set("ownerSk", keys.ownerSk);
    } else if (target.pool !== undefined) {
      u.set("pool", target.pool);
    }
    if (target.duplicateOf !== undefined) u.set("duplicateOf", target.duplicateOf);
    u.counted(counts.counted);
    u.condition("attribute_not_exists(#owner)", { "#owner": "owner" });
    u.condition("attribute_not_exists(#pool)", { "#pool": "pool" });
    return this.transact([
      { Update: { TableName: this.tableName, Key: leadKey(lead.id), ...u.build() } },
      ...counterUpdates(this.tableName, counts.deltas, []),
    ]);
  }

  /** A transaction whose conditions may fail: false then, and nothing was written. */
  private async transact(items: TransactItem[]): Promise<boolean> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isCancelled(error)) return false;
      throw error;
    }
  }

  private async conditionalUpdate(leadId: string, u: UpdateBuilder): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({ TableName: this.tableName, Key: leadKey(leadId), ...u.build() }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  /**
   * Moves a lead's dwell timer after a sweep. Conditional on the stage entry the sweep saw, so a
   * stage change in between wins; returns false when it did.
   */
  async applyTimer(timer: TimerDecision): Promise<boolean> {
    return this.conditionalUpdate(timer.leadId, this.timerUpdate(new UpdateBuilder(), timer));
  }

  private timerUpdate(u: UpdateBuilder, timer: TimerDecision): UpdateBuilder {
    const keys =
      timer.nextCheckAt === null ? undefined : timerKeys("DWELL", timer.leadId, timer.nextCheckAt);
    u.set("dwellLevel", timer.dwellLevel)
      .setOrRemove("dwellActions", timer.actionsDone || undefined)
      .setOrRemove("duePk", keys?.duePk)
      .setOrRemove("dueSk", keys?.dueSk)
      .condition("stageEnteredAt = :cEntered", {}, { ":cEntered": timer.enteredAt });
    if (timer.remindedAt !== undefined) u.set("dwellRemindedAt", timer.remindedAt);
    return u;
  }

  /**
   * A dwell action: moves the lead to the lost end stage, as a rep would (its stream record then
   * sends it to the cold pool). Conditional on the same stage entry, so a move in between wins.
   */
  async abandon(
    leadId: string,
    lostStage: string,
    enteredAt: string,
    now: number,
  ): Promise<boolean> {
    const u = new UpdateBuilder()
      .set("stage", lostStage)
      // Entered the lost stage when the sweep decided it, so the cooldown starts then.
      .set("stageEnteredAt", new Date(now).toISOString())
      .set("updatedBy", "funnel-rules (dwell action)")
      .condition("stageEnteredAt = :cEntered", {}, { ":cEntered": enteredAt });
    return this.conditionalUpdate(leadId, u);
  }

  /**
   * A dwell action: gives the lead to another rep. Conditional on the owner and version read, like
   * a departure's moves, with the aggregates in the same transaction.
   */
  async moveOwner(
    lead: Lead,
    to: string,
    via: string,
    reason: string,
    counts: { counted: { from?: string; to?: string }; deltas: AggregateDelta[] },
    /**
     * A dwell action's timer, written with the move: a sweep that dies after the move finds the lead
     * no longer due, and one that dies before it finds it due and acts, never twice.
     */
    timer?: TimerDecision,
  ): Promise<boolean> {
    const keys = ownerKeys(to, lead.funnel ?? "", lead.stage, lead.id, lead.amount);
    const u = new UpdateBuilder()
      .set("owner", to)
      .set("ownerPk", keys.ownerPk)
      .set("ownerSk", keys.ownerSk)
      .set("previousOwner", lead.owner)
      .set("assignedVia", via)
      .set("assignReason", reason)
      .increment("version")
      .counted(counts.counted)
      .condition("#owner = :cOwner", { "#owner": "owner" }, { ":cOwner": lead.owner });
    if (timer !== undefined) this.timerUpdate(u, timer);
    if (lead.version === undefined)
      u.condition("attribute_not_exists(#version)", { "#version": "version" });
    else
      u.condition("#version = :cVersion", { "#version": "version" }, { ":cVersion": lead.version });
    return this.transact([
      { Update: { TableName: this.tableName, Key: leadKey(lead.id), ...u.build() } },
      ...counterUpdates(this.tableName, counts.deltas, []),
    ]);
  }
}

/** What entering a stage sets on the lead: entry time, fresh escalation, and (optionally) the timer. */
function stageEntry(
  u: UpdateBuilder,
  leadId: string,
  transition: NonNullable<LeadChangeParts["transition"]>,
  withTimer: boolean,
): void {
  u.set("stageEnteredAt", transition.enteredAt)
    .set("dwellLevel", 0)
    .remove("dwellActions", "dwellRemindedAt")
    .set("lastTransitionAt", transition.at)
    .set("stagesSeen", transition.stagesSeen)
    .setOrRemove("dueAt", transition.dueAt ?? undefined);
  if (!withTimer) return;
  const timer =
    transition.nextCheckAt === null
      ? undefined
      : timerKeys("DWELL", leadId, transition.nextCheckAt);
  u.setOrRemove("duePk", timer?.duePk).setOrRemove("dueSk", timer?.dueSk);
}

function saleRecord(u: UpdateBuilder, sale: NonNullable<LeadChangeParts["sale"]>): void {
  u.set("soldAt", sale.soldAt).set("soldAmount", sale.amount).set("outOfFunnel", sale.outOfFunnel);
  if (sale.outOfFunnel) u.set("outOfFunnelReason", sale.reason);
}
