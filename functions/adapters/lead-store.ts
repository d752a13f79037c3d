import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { GradeDecision, TimerDecision, TransitionDecision } from "../core/decisions";
import { type Lead, parseLead } from "../core/records/lead";
import { queryDue } from "./due-index";
import { aggregateKey, historyKey, kindKeys, leadKey, ownerKeys, timerKeys } from "./item-keys";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

export type ApplyOutcome = "applied" | "replay" | "superseded";

function isConditionFailure(error: unknown): error is TransactionCanceledException {
  return (
    error instanceof TransactionCanceledException ||
    (error as Error)?.name === "TransactionCanceledException"
  );
}

/** Reads and writes leads, their history and the per-rep per-stage aggregates. */
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

  /** Raw items of every lead whose dwell timer is at or before `now`, shard by shard. */
  async dueDwellItems(now: string): Promise<Record<string, unknown>[]> {
    return queryDue(this.db, this.tableName, "DWELL", now);
  }

  private aggregateUpdate(
    repId: string,
    funnel: string,
    stage: string,
    count: number,
    amount: number,
  ): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: aggregateKey(repId, funnel, stage),
        UpdateExpression:
          "ADD #count :count, #amount :amount SET kindPk = :kindPk, kindSk = :kindSk, repId = :rep, funnel = :funnel, stage = :stage",
        ExpressionAttributeNames: { "#count": "count", "#amount": "amount" },
        ExpressionAttributeValues: {
          ":count": count,
          ":amount": amount,
          ":rep": repId,
          ":funnel": funnel,
          ":stage": stage,
          ...Object.fromEntries(
            Object.entries(kindKeys("AGG", `${repId}#${funnel}#${stage}`)).map(([k, v]) => [
              `:${k}`,
              v,
            ]),
          ),
        },
      },
    };
  }

  private leadUpdate(
    transition: TransitionDecision,
    grade: GradeDecision | undefined,
  ): TransactItem {
    const set = ["stageEnteredAt = :entered", "dwellLevel = :zero", "lastTransitionAt = :at"];
    const remove: string[] = [];
    const values: Record<string, unknown> = {
      ":entered": transition.enteredAt,
      ":zero": 0,
      ":at": transition.at,
      ":to": transition.to,
    };
    if (transition.dueAt === null) remove.push("dueAt");
    else {
      set.push("dueAt = :due");
      values[":due"] = transition.dueAt;
    }
    if (transition.nextCheckAt === null) remove.push("duePk", "dueSk");
    else {
      const keys = timerKeys("DWELL", transition.leadId, transition.nextCheckAt);
      set.push("duePk = :duePk", "dueSk = :dueSk");
      values[":duePk"] = keys.duePk;
      values[":dueSk"] = keys.dueSk;
    }
    if (transition.owner !== undefined) {
      const keys = ownerKeys(transition.owner, transition.funnel, transition.to, transition.leadId);
      set.push("ownerPk = :ownerPk", "ownerSk = :ownerSk");
      values[":ownerPk"] = keys.ownerPk;
      values[":ownerSk"] = keys.ownerSk;
    }
    if (grade !== undefined) {
      set.push(
        "grade = if_not_exists(grade, :grade)",
        "gradeRule = if_not_exists(gradeRule, :gradeRule)",
      );
      values[":grade"] = grade.grade;
      values[":gradeRule"] = grade.rule;
    }
    return {
      Update: {
        TableName: this.tableName,
        Key: leadKey(transition.leadId),
        UpdateExpression: `SET ${set.join(", ")}${remove.length > 0 ? ` REMOVE ${remove.join(", ")}` : ""}`,
        // A later stage change already on the item wins; its own stream record will set the times.
        ConditionExpression: "stage = :to",
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * Applies a transition in one transaction: the history entry (keyed by the change, so a replay
   * cancels the whole transaction and changes nothing), the aggregates of both stages, and the
   * lead's entry/due times. Returns what happened.
   */
  async applyTransition(
    transition: TransitionDecision,
    changeId: string,
    grade?: GradeDecision,
  ): Promise<ApplyOutcome> {
    const history: TransactItem = {
      Put: {
        TableName: this.tableName,
        Item: {
          ...historyKey(transition.leadId, transition.at, changeId),
          type: "transition",
          leadId: transition.leadId,
          funnel: transition.funnel,
          from: transition.from,
          to: transition.to,
          at: transition.at,
          by: transition.by,
          skipped: transition.skipped,
          enteredAt: transition.enteredAt,
          owner: transition.owner,
          reason: transition.reason,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
    const aggregates: TransactItem[] = [];
    if (transition.from !== null && transition.fromOwner !== undefined) {
      aggregates.push(
        this.aggregateUpdate(
          transition.fromOwner,
          transition.funnel,
          transition.from,
          -1,
          -transition.fromAmount,
        ),
      );
    }
    if (transition.owner !== undefined) {
      aggregates.push(
        this.aggregateUpdate(
          transition.owner,
          transition.funnel,
          transition.to,
          1,
          transition.amount,
        ),
      );
    }
    const lead = this.leadUpdate(transition, grade);
    try {
      await this.db.send(
        new TransactWriteCommand({ TransactItems: [history, ...aggregates, lead] }),
      );
      return "applied";
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === "ConditionalCheckFailed") return "replay";
      if (reasons[reasons.length - 1]?.Code !== "ConditionalCheckFailed") throw error;
    }
    // The lead has moved on since this change: record the transition and the aggregates only.
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [history, ...aggregates] }));
      return "superseded";
    } catch (error) {
      if (
        isConditionFailure(error) &&
        error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed"
      )
        return "replay";
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
   * Moves a lead's dwell timer after a sweep. Conditional on the stage entry the sweep saw, so a
   * stage change in between wins; returns false when it did.
   */
  async applyTimer(timer: TimerDecision): Promise<boolean> {
    const values: Record<string, unknown> = {
      ":entered": timer.enteredAt,
      ":level": timer.dwellLevel,
    };
    let update = "SET dwellLevel = :level";
    if (timer.nextCheckAt === null) update += " REMOVE duePk, dueSk";
    else {
      const keys = timerKeys("DWELL", timer.leadId, timer.nextCheckAt);
      update += ", duePk = :duePk, dueSk = :dueSk";
      values[":duePk"] = keys.duePk;
      values[":dueSk"] = keys.dueSk;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: leadKey(timer.leadId),
          UpdateExpression: update,
          ConditionExpression: "stageEnteredAt = :entered",
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }
}
