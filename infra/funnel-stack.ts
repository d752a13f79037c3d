import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, TimeZone } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { tableDesign } from "../functions/adapters/table-design";
import type { RuleSet } from "../functions/core/rules/rule-set";
import { toEventBridgeCron } from "../functions/core/time/schedule";
import { type FunnelConfig, isThrowawayStage } from "./config";
import { FunnelFunction } from "./funnel-function";

export interface FunnelStackProps extends StackProps {
  config: FunnelConfig;
  /** The validated rules: their schedules become EventBridge schedules. */
  rules: RuleSet;
  /** The directory `rules` was loaded from (absolute); it ships inside both functions. */
  rulesDir: string;
}

/**
 * One funnel deployment: the table, the function that reacts to lead changes on its stream, and
 * the function EventBridge Scheduler runs for each schedule in the rules.
 */
export class FunnelStack extends Stack {
  readonly table: dynamodb.Table;
  readonly streamFunction: FunnelFunction;
  readonly scheduledFunction: FunnelFunction;
  /** Failed stream batches and undeliverable schedule runs land here; alarms watch them. */
  readonly deadLetterQueues: { stream: sqs.Queue; scheduler: sqs.Queue };
  /** The From address the functions send with and the only one SES lets them use. */
  readonly sender: string;

  constructor(scope: Construct, id: string, props: FunnelStackProps) {
    super(scope, id, props);
    const { config, rules } = props;
    const removalPolicy = isThrowawayStage(config.stage)
      ? RemovalPolicy.DESTROY
      : RemovalPolicy.RETAIN;
    this.sender = config.sender ?? rules.settings.sender;

    this.table = createTable(this, config, removalPolicy);

    const environment = { FUNNEL_SENDER: this.sender };
    this.streamFunction = new FunnelFunction(this, "StreamFunction", {
      entry: "functions/handlers/stream.ts",
      description: "Applies the funnel rules to lead changes from the table's stream",
      // Departures run here: a rep with thousands of leads is reassigned in one invocation.
      timeout: Duration.minutes(5),
      tableName: this.table.tableName,
      rulesDir: props.rulesDir,
      environment,
      removalPolicy,
    });
    this.scheduledFunction = new FunnelFunction(this, "ScheduledFunction", {
      entry: "functions/handlers/scheduled.ts",
      description: "Runs the scheduled jobs of the funnel rules (sweeps, reports, outbox)",
      timeout: Duration.minutes(5),
      tableName: this.table.tableName,
      rulesDir: props.rulesDir,
      environment,
      removalPolicy,
    });

    const sendEmail = new iam.PolicyStatement({
      actions: ["ses:SendEmail", "ses:SendRawEmail"],
      resources: [this.formatArn({ service: "ses", resource: "identity", resourceName: "*" })],
      // Whatever identities the account has verified, these functions can only send as the sender.
      conditions: { StringEquals: { "ses:FromAddress": this.sender } },
    });
    for (const fn of [this.streamFunction.function, this.scheduledFunction.function]) {
      this.table.grantReadWriteData(fn);
      fn.addToRolePolicy(sendEmail);
    }

    this.deadLetterQueues = {
      stream: deadLetterQueue(this, "StreamDeadLetterQueue"),
      scheduler: deadLetterQueue(this, "SchedulerDeadLetterQueue"),
    };
    this.connectStream(this.deadLetterQueues.stream);
    this.createSchedules(rules, this.deadLetterQueues.scheduler);
    if (config.alarmEmail !== undefined) this.alarmOnDeadLetters(config.alarmEmail);

    new CfnOutput(this, "TableName", { value: this.table.tableName });
    new CfnOutput(this, "StreamFunctionName", { value: this.streamFunction.function.functionName });
    new CfnOutput(this, "ScheduledFunctionName", {
      value: this.scheduledFunction.function.functionName,
    });
  }

  private connectStream(onFailure: sqs.Queue): void {
    this.streamFunction.function.addEventSource(
      new DynamoEventSource(this.table, {
        // A new stream mapping must not skip changes written while the stack was deploying.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // One poison record is isolated by halving the batch instead of blocking its shard; with
        // partial batch responses only the records after a failure are retried, in order.
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 3,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(onFailure),
        // Leads and reps drive the engine. History, aggregates and outbox items are written by
        // the functions themselves; waking up for them would only cost invocations (the handler
        // ignores them too).
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { sk: { S: lambda.FilterRule.or("LEAD", "REP") } } },
          }),
        ],
      }),
    );
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
  }

  private alarmOnDeadLetters(email: string): void {
    const topic = new sns.Topic(this, "AlarmTopic", { enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const [name, queue] of Object.entries(this.deadLetterQueues)) {
      const alarm = new cloudwatch.Alarm(this, `${name}DeadLettersAlarm`, {
        alarmDescription: `Messages in the ${name} dead-letter queue: funnel work was dropped after retries`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
    }
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

function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    // SQS-managed keys: no KMS key policy to keep in step with Lambda and Scheduler.
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // The longest SQS allows, to leave time to inspect and replay what failed.
    retentionPeriod: Duration.days(14),
  });
}
