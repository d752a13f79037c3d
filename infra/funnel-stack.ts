import { join } from "node:path";
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Stage,
  TimeZone,
  Validations,
} from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { LoadedRules } from "../functions/adapters/rules-loader";
import { STREAM_SOURCE } from "../functions/adapters/stream-source";
import { STREAM_SORT_KEYS, tableDesign } from "../functions/adapters/table-design";
import type { RuleSet } from "../functions/core/rules/rule-set";
import { toEventBridgeCron } from "../functions/core/time/schedule";
import type { FunnelConfig } from "./config";
import { FunnelAlarms } from "./funnel-alarms";
import { FunnelFunction } from "./funnel-function";
import { writeRulesBundle } from "./rules-bundle";

export interface FunnelStackProps extends StackProps {
  config: FunnelConfig;
  /**
   * The rules as loadRulesSync() validated them: their schedules become EventBridge schedules and
   * the validated set ships inside both functions.
   */
  rules: LoadedRules;
}

/**
 * The DynamoDB actions the functions' code uses (Get, BatchGet, Put, Update, TransactWrite and
 * BatchWrite of puts, updates, deletes and condition checks, Query) and nothing else: no Scan
 * (`funnel reconcile` scans, from an operator's machine), no table management. A new kind of
 * DynamoDB call in functions/ needs its action here.
 */
export const TABLE_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:UpdateItem",
];

/**
 * One funnel deployment: the table, the function that reacts to lead changes on its stream, the
 * function EventBridge Scheduler runs for each schedule in the rules, and the alarms.
 */
export class FunnelStack extends Stack {
  readonly table: dynamodb.Table;
  readonly streamFunction: FunnelFunction;
  readonly scheduledFunction: FunnelFunction;
  /** Failed stream batches and undeliverable schedule runs land here; alarms watch them. */
  readonly deadLetterQueues: { stream: sqs.Queue; scheduler: sqs.Queue };
  readonly alarms: FunnelAlarms;
  /** The From address the functions send with and the only one SES lets them use. */
  readonly sender: string;

  constructor(scope: Construct, id: string, props: FunnelStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { rules } = props.rules;
    const removalPolicy =
      config.removalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.sender = config.sender ?? rules.settings.sender;

    this.table = createTable(this, config, removalPolicy);

    // Written next to the cloud assembly, then copied into each bundle by its bundling hook.
    const outdir = Stage.of(this)?.outdir ?? ".";
    const rulesBundle = writeRulesBundle(props.rules, join(outdir, `${this.artifactId}.rules`));

    const environment = { FUNNEL_SENDER: this.sender };
    this.streamFunction = new FunnelFunction(this, "StreamFunction", {
      entry: "functions/handlers/stream.ts",
      description: "Applies the funnel rules to lead changes from the table's stream",
      // Departures run here: a rep with thousands of leads is reassigned in one invocation.
      timeout: Duration.minutes(5),
      tableName: this.table.tableName,
      rulesBundle: rulesBundle.path,
      environment,
      removalPolicy,
    });
    this.scheduledFunction = new FunnelFunction(this, "ScheduledFunction", {
      entry: "functions/handlers/scheduled.ts",
      description: "Runs the scheduled jobs of the funnel rules (sweeps, reports, outbox)",
      timeout: Duration.minutes(5),
      tableName: this.table.tableName,
      rulesBundle: rulesBundle.path,
      environment,
      removalPolicy,
    });

    const tableAccess = [
      new iam.PolicyStatement({ actions: TABLE_ACTIONS, resources: [this.table.tableArn] }),
      // The indexes are only queried, and only the ones the table design declares.
      new iam.PolicyStatement({
        actions: ["dynamodb:Query"],
        resources: Object.keys(tableDesign.indexes).map(
          (name) => `${this.table.tableArn}/index/${name}`,
        ),
      }),
    ];
    const sendEmail = new iam.PolicyStatement({
      actions: ["ses:SendEmail", "ses:SendRawEmail"],
      // SES authorizes a send against the address's own identity when it is verified, else against
      // its domain's: both are listed, whichever of them the account has verified.
      resources: [this.sender, domainOf(this.sender)].map((identity) =>
        this.formatArn({ service: "ses", resource: "identity", resourceName: identity }),
      ),
      // Even with a verified domain, these functions can only send as the sender.
      conditions: { StringEquals: { "ses:FromAddress": this.sender } },
    });
    for (const fn of [this.streamFunction, this.scheduledFunction]) {
      for (const statement of [...tableAccess, sendEmail]) fn.role.addToPolicy(statement);
    }

    this.deadLetterQueues = {
      stream: deadLetterQueue(this, "StreamDeadLetterQueue", "failed stream batches"),
      scheduler: deadLetterQueue(this, "SchedulerDeadLetterQueue", "undeliverable schedule runs"),
    };
    this.connectStream(this.deadLetterQueues.stream);
    this.createSchedules(rules, this.deadLetterQueues.scheduler);

    this.alarms = new FunnelAlarms(this, "Alarms", {
      stage: config.stage,
      alarmEmail: config.alarmEmail,
      functions: {
        stream: this.streamFunction.function,
        scheduled: this.scheduledFunction.function,
      },
      streamFunction: this.streamFunction.function,
      scheduledLogGroup: this.scheduledFunction.logGroup,
      failureQueues: this.deadLetterQueues,
    });

    new CfnOutput(this, "TableName", { value: this.table.tableName });
    new CfnOutput(this, "StreamFunctionName", { value: this.streamFunction.function.functionName });
    new CfnOutput(this, "ScheduledFunctionName", {
      value: this.scheduledFunction.function.functionName,
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.alarms.topic.topicArn });
    new CfnOutput(this, "RuleSetSha256", {
      description: "SHA-256 of the validated rule set both functions run (rules/rule-set.json)",
      value: rulesBundle.bundle.sourceSha256,
    });
  }

  private connectStream(onFailure: sqs.Queue): void {
    this.streamFunction.function.addEventSource(
      new DynamoEventSource(this.table, {
        // A new stream mapping must not skip changes written while the stack was deploying.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: STREAM_SOURCE.batchSize,
        bisectBatchOnError: STREAM_SOURCE.bisectBatchOnError,
        reportBatchItemFailures: true,
        retryAttempts: STREAM_SOURCE.retryAttempts,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(onFailure),
        // Leads and reps drive the engine. History, aggregates and outbox items are written by
        // the functions themselves; waking up for them would only cost invocations (the handler
        // ignores them too).
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { sk: { S: lambda.FilterRule.or(...STREAM_SORT_KEYS) } } },
          }),
        ],
      }),
    );
    Validations.of(this.streamFunction.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "dynamodb:ListStreams, granted by the stream event source, has no resource-level permissions and needs Resource *; the stream's own actions (DescribeStream, GetRecords, GetShardIterator) are limited to this table's stream.",
    });
  }

  private createSchedules(rules: RuleSet, deadLetters: sqs.Queue): void {
    const role = new iam.Role(this, "SchedulerRole", {
      description: "Lets EventBridge Scheduler invoke the scheduled funnel function",
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        // Only schedules in this account may use the role (confused-deputy guard).
        conditions: { StringEquals: { "aws:SourceAccount": this.account } },
      }),
    });
    // Schedules keyed by their rules id: editing a schedule's cron updates it in place.
    const schedules = new Construct(this, "Schedules");
    for (const schedule of rules.schedules) {
      new scheduler.Schedule(schedules, schedule.id, {
        description: `${schedule.id}: job ${schedule.job} at "${schedule.cron}" ${rules.timeZone}${
          schedule.workingDaysOnly ? ", working days only (checked by the function)" : ""
        }`,
        schedule: scheduler.ScheduleExpression.expression(
          toEventBridgeCron(schedule.cron),
          // The rules' zone, so "0 9 * * *" is 09:00 local time through daylight-saving changes.
          TimeZone.of(rules.timeZone),
        ),
        timeWindow: scheduler.TimeWindow.off(),
        target: new LambdaInvoke(this.scheduledFunction.function, {
          role,
          input: scheduler.ScheduleTargetInput.fromObject({
            scheduleId: schedule.id,
            job: schedule.job,
            // Substituted by Scheduler; a retried delivery carries the same time, so the same run.
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: deadLetters,
        }),
      });
    }
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(
        this.scheduledFunction.function.node.defaultChild as lambda.CfnFunction,
      )}.Arn>:*]`,
      reason:
        "The scheduled function's ARN with :*, granted by the Scheduler target, covers that one function's versions and aliases only.",
    });
  }
}

function createTable(
  scope: Construct,
  config: FunnelConfig,
  removalPolicy: RemovalPolicy,
): dynamodb.Table {
  const key = (name: string): dynamodb.Attribute => ({
    name,
    type: dynamodb.AttributeType.STRING,
  });
  // Built from tableDesign, the same object the local stack creates its table from.
  const table = new dynamodb.Table(scope, "Table", {
    tableName: config.tableName,
    partitionKey: key(tableDesign.partitionKey),
    sortKey: key(tableDesign.sortKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    timeToLiveAttribute: tableDesign.ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: config.deletionProtection,
    removalPolicy,
  });
  for (const [indexName, index] of Object.entries(tableDesign.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: key(index.partitionKey),
      sortKey: key(index.sortKey),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}

function deadLetterQueue(scope: Construct, id: string, holds: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    // SQS-managed keys: no KMS key policy to keep in step with Lambda and Scheduler.
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // The longest SQS allows, to leave time to inspect and replay what failed.
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: "AwsSolutions-SQS3",
    reason: `This queue is itself a dead-letter queue (${holds}); nothing consumes it automatically, so a dead-letter queue behind it would never receive anything. An alarm fires on its first message.`,
  });
  return queue;
}

/** `corp.example` for `funnel@corp.example`: the domain identity that may cover the sender. */
function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1);
}
