import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { EmailDecision } from "../core/decisions";
import { queryDue } from "./due-index";
import { outboxKey, timerKeys } from "./item-keys";
import type { Mailer } from "./mailer";

const SENT_RETENTION_DAYS = 30;
const MAX_BACKOFF_MS = 60 * 60 * 1000;

export interface OutboxItem {
  key: string;
  status: "pending" | "sent";
  to: string[];
  subject: string;
  text: string;
  html: string;
  attempts: number;
}

export interface DrainResult {
  sent: { key: string; to: string[]; subject: string }[];
  failed: { key: string; error: string; nextAttemptAt: string }[];
}

/**
 * Durable email outbox: an email is written before it is sent and marked sent afterwards, so a crash
 * never loses one; the key (recipient + run) makes a second enqueue of the same digest a no-op.
 * Pending items carry a timer on the byDue index, which is how retries are found.
 */
export class Outbox {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly mailer: Mailer,
    private readonly sender: string,
  ) {}

  /** Returns false when the email was already queued (or sent) under this key. */
  async enqueue(email: EmailDecision, now: number): Promise<boolean> {
    const at = new Date(now).toISOString();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...outboxKey(email.key),
            ...timerKeys("OUTBOX", email.key, at),
            type: "email",
            key: email.key,
            status: "pending",
            recipientId: email.recipientId,
            to: email.to,
            subject: email.subject,
            text: email.text,
            html: email.html,
            reason: email.reason,
            attempts: 0,
            createdAt: at,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  async get(key: string): Promise<OutboxItem | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: outboxKey(key), ConsistentRead: true }),
    );
    return Item as OutboxItem | undefined;
  }

  private async dueKeys(now: number): Promise<string[]> {
    const items = await queryDue(this.db, this.tableName, "OUTBOX", new Date(now).toISOString(), {
      expression: "#key",
      names: { "#key": "key" },
    });
    return items.map((item) => String(item.key));
  }

  /** Sends every pending email that is due; failures stay pending with a later retry time. */
  async drain(now: number): Promise<DrainResult> {
    const result: DrainResult = { sent: [], failed: [] };
    for (const key of await this.dueKeys(now)) {
      const item = await this.get(key);
      if (item === undefined || item.status !== "pending") continue;
      try {
        const messageId = await this.mailer.send({
          from: this.sender,
          to: item.to,
          subject: item.subject,
          text: item.text,
          html: item.html,
        });
        await this.markSent(key, messageId, now);
        result.sent.push({ key, to: item.to, subject: item.subject });
      } catch (error) {
        const nextAttemptAt = new Date(
          now + Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** item.attempts),
        ).toISOString();
        await this.markFailed(key, error, nextAttemptAt);
        result.failed.push({ key, error: (error as Error).message, nextAttemptAt });
      }
    }
    return result;
  }

  private async markSent(key: string, messageId: string, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: outboxKey(key),
        UpdateExpression:
          "SET #status = :sent, sentAt = :at, messageId = :id, expiresAt = :expires REMOVE duePk, dueSk",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":sent": "sent",
          ":pending": "pending",
          ":at": new Date(now).toISOString(),
          ":id": messageId,
          ":expires": Math.floor(now / 1000) + SENT_RETENTION_DAYS * 86_400,
        },
      }),
    );
  }

  private async markFailed(key: string, error: unknown, nextAttemptAt: string): Promise<void> {
    const keys = timerKeys("OUTBOX", key, nextAttemptAt);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: outboxKey(key),
        UpdateExpression:
          "SET attempts = attempts + :one, lastError = :error, duePk = :duePk, dueSk = :dueSk",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":one": 1,
          ":error": String((error as Error)?.message ?? error).slice(0, 500),
          ":duePk": keys.duePk,
          ":dueSk": keys.dueSk,
          ":pending": "pending",
        },
      }),
    );
  }
}
