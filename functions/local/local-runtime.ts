import { QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { putItems } from "../adapters/batch-writer";
import type { Clock } from "../adapters/clock";
import { createDocumentClient } from "../adapters/dynamo-client";
import { repKey } from "../adapters/item-keys";
import { leadItem, repItem } from "../adapters/items";
import { createRuntime, type DecisionReporter, type Runtime } from "../adapters/runtime";
import { STREAM_SOURCE } from "../adapters/stream-source";
import type { RuleSet } from "../core/rules/rule-set";
import { type JobResult, runScheduledJob, type ScheduledEvent } from "../handlers/scheduled";
import { handleStreamEvent } from "../handlers/stream";
import { buildDemoOrg } from "./demo-org";
import { createLocalScheduler, type LocalScheduler } from "./local-scheduler";
import type { LocalStack } from "./local-stack";
import { createStreamPoller, type StreamFailure, type StreamPoller } from "./stream-poller";

export interface LocalRuntime {
  runtime: Runtime;
  poller: StreamPoller;
  scheduler: LocalScheduler;
  /** Seeds the demo org when the table has no reps; returns what it wrote. */
  seedIfEmpty(): Promise<{ reps: number; leads: number; leaverId: string } | undefined>;
  /** Marks a rep as left, as an HR sync would; the stream handler takes it from there. */
  markLeft(repId: string): Promise<void>;
  /** One catch-up cycle: drain the stream, fire every schedule once, drain again. */
  runOnce(now: number): Promise<JobResult[]>;
  /** Keeps polling the stream and firing schedules at their times until stop(). */
  startLoop(): void;
  stop(): Promise<void>;
}

/**
 * The Lambda functions, run on one machine: the stream handler behind a poller with Lambda's
 * semantics, and the scheduled handler behind a scheduler with EventBridge's.
 */
export function createLocalRuntime(options: {
  stack: Pick<
    LocalStack,
    "tableName" | "region" | "dynamoEndpoint" | "sesEndpoint" | "clientConfig"
  >;
  rules: RuleSet;
  clock: Clock;
  report: DecisionReporter;
  onJob?: (result: JobResult) => void;
  onStreamFailure?: (failure: StreamFailure) => void;
  log?: (line: string) => void;
}): LocalRuntime {
  const { stack, rules, clock } = options;
  const config = {
    tableName: stack.tableName,
    rulesDir: "rules",
    region: stack.region,
    dynamoEndpoint: stack.dynamoEndpoint,
    sesEndpoint: stack.sesEndpoint,
  };
  const runtime = createRuntime(config, rules, { clock, report: options.report });
  const db = createDocumentClient(config);
  const poller = createStreamPoller({
    clientConfig: stack.clientConfig,
    tableName: stack.tableName,
    handler: (event) => handleStreamEvent(runtime, event),
    batchSize: STREAM_SOURCE.batchSize,
    maxRetries: STREAM_SOURCE.retryAttempts,
    bisectOnError: STREAM_SOURCE.bisectBatchOnError,
    onFailure: options.onStreamFailure,
    log: options.log,
  });
  const fire = async (event: ScheduledEvent) => {
    const result = await runScheduledJob(runtime, event);
    options.onJob?.(result);
    return result;
  };
  const results: JobResult[] = [];
  const scheduler = createLocalScheduler({
    rules,
    now: () => clock.now(),
    fire: async (event) => {
      await poller.drain();
      results.push(await fire(event));
    },
  });

  return {
    runtime,
    poller,
    scheduler,
    async seedIfEmpty() {
      const { Count } = await db.send(
        new QueryCommand({
          TableName: stack.tableName,
          IndexName: "byKind",
          KeyConditionExpression: "kindPk = :rep",
          ExpressionAttributeValues: { ":rep": "REP" },
          Limit: 1,
        }),
      );
      if ((Count ?? 0) > 0) return undefined;
      const org = buildDemoOrg(rules, clock.now());
      await putItems(db, stack.tableName, [...org.reps.map(repItem), ...org.leads.map(leadItem)]);
      return { reps: org.reps.length, leads: org.leads.length, leaverId: org.leaverId };
    },
    async markLeft(repId) {
      await db.send(
        new UpdateCommand({
          TableName: stack.tableName,
          Key: repKey(repId),
          UpdateExpression: "SET #status = :left, updatedBy = :by",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":left": "left", ":by": "demo" },
        }),
      );
    },
    async runOnce(now) {
      results.length = 0;
      await poller.drain();
      await scheduler.catchUp(now);
      await poller.drain();
      return [...results];
    },
    startLoop() {
      poller.start();
      scheduler.start();
    },
    async stop() {
      scheduler.stop();
      await poller.stop();
    },
  };
}
