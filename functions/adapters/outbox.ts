import { randomUUID } from "node:crypto";
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
/** Longer than any send takes; a drain that died holding a claim is retried after it. */
const LEASE_MS = 5 * 60 * 1000;

/**
 * The field of the scheduled function's "outbox backlog" log line that the CDK stack's metric
 * filter turns into a metric, alarmed on when an email has been pending too long.
 */
export const OUTBOX_OLDEST_PENDING_FIELD = "outboxOldestPendingSeconds";

export interface OutboxItem {
  key: string;
  status: "pending" | "sending" | "sent";
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

  /**
   * How many emails are unsent and when the oldest was queued, due or not (one waiting for its
   * next retry or claimed by a drain counts too). Reads only the outbox timers, which exist for
   * unsent emails alone.
   */
  async backlog(): Promise<{ pending: number; oldestCreatedAt?: string }> {
    // "9999" sorts after every ISO time: no upper bound.
    const items = await queryDue(this.db, this.tableName, "OUTBOX", "9999", {
      expression: "#createdAt",
      names: { "#createdAt": "createdAt" },
    });
    const created = items.map((item) => String(item.createdAt)).sort();
    return { pending: items.length, oldestCreatedAt: created[0] };
  }

  /**
   * Sends every pending email that is due; failures stay pending with a later retry time. Each
   * item is claimed before it is sent (a lease), so two drains running at once — the sweep's and
   * the outbox job's, both due at 09:00 — never send the same email twice. A drain that dies
   * between claiming and marking leaves the lease to expire; the next drain sends it then.
   */
  async drain(now: number): Promise<DrainResult> {
    const result: DrainResult = { sent: [], failed: [] };
    for (const key of await this.dueKeys(now)) {
      const claim = randomUUID();
      const item = await this.claim(key, claim, now);
      if (item === undefined) continue;
      let messageId: string;
      try {
        messageId = await this.mailer.send({
          from: this.sender,
          to: item.to,
          subject: item.subject,
          text: item.text,
          html: item.html,
        });
      } catch (error) {
        const nextAttemptAt = new Date(
          now + Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** item.attempts),
        ).toISOString();
        await this.release(key, claim, error, nextAttemptAt);
        result.failed.push({ key, error: (error as Error).message, nextAttemptAt });
        continue;
      }
      await this.markSent(key, claim, messageId, now);
      result.sent.push({ key, to: item.to, subject: item.subject });
    }
    return result;
  }

  /** Takes a pending item (or one whose lease ran out) for this drain; undefined if another has it. */
  private async claim(key: string, claim: string, now: number): Promise<OutboxItem | undefined> {
    const leaseUntil = new Date(now + LEASE_MS).toISOString();
    const timer = timerKeys("OUTBOX", key, leaseUntil);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: outboxKey(key),
          UpdateExpression:
            "SET #status = :sending, claim = :claim, leaseUntil = :lease, duePk = :duePk, dueSk = :dueSk",
          ConditionExpression: "#status = :pending OR (#status = :sending AND leaseUntil < :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sending": "sending",
            ":pending": "pending",
            ":claim": claim,
            ":lease": leaseUntil,
            ":now": new Date(now).toISOString(),
            ":duePk": timer.duePk,
            ":dueSk": timer.dueSk,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes as OutboxItem | undefined;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return undefined;
      throw error;
    }
  }

  /** Only the drain holding the claim marks the item; anything else means it was handled. */
  private async conditional(command: UpdateCommand): Promise<void> {
    try {
      await this.db.send(command);
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }

  private async markSent(
    key: string,
    claim: string,
    messageId: string,
    now: number,
  ): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: outboxKey(key),
        UpdateExpression:
          "SET #status = :sent, sentAt = :at, messageId = :id, expiresAt = :expires REMOVE duePk, dueSk, claim, leaseUntil",
        ConditionExpression: "claim = :claim",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":sent": "sent",
          ":claim": claim,
          ":at": new Date(now).toISOString(),
          ":id": messageId,
          ":expires": Math.floor(now / 1000) + SENT_RETENTION_DAYS * 86_400,
        },
      }),
    );
  }

  private async release(
    key: string,
    claim: string,
    error: unknown,
    nextAttemptAt: string,
  ): Promise<void> {
    const timer = timerKeys("OUTBOX", key, nextAttemptAt);
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: outboxKey(key),
        UpdateExpression:
          "SET #status = :pending, attempts = attempts + :one, lastError = :error, duePk = :duePk, dueSk = :dueSk REMOVE claim, leaseUntil",
        ConditionExpression: "claim = :claim",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":pending": "pending",
          ":one": 1,
          ":error": String((error as Error)?.message ?? error).slice(0, 500),
          ":duePk": timer.duePk,
          ":dueSk": timer.dueSk,
          ":claim": claim,
        },
      }),
    );
  }
}
