import { Duration, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { OUTBOX_OLDEST_PENDING_FIELD } from "../functions/adapters/outbox";

/** How far behind the lead changes the stream function may fall before someone is told. */
export const ITERATOR_AGE_LIMIT = Duration.minutes(15);
/**
 * How long an email may stay pending. Failed sends are retried with a backoff of 1, 2, 4 … 60
 * minutes, so an email still pending after an hour has failed about six times: SES is refusing it
 * (sandbox, unverified sender, suppressed address) or the outbox is not being drained.
 */
export const OUTBOX_PENDING_LIMIT = Duration.hours(1);
export const OUTBOX_METRIC_NAME = "OutboxOldestPendingSeconds";

export interface FunnelAlarmsProps {
  stage: string;
  /** Subscribed to the topic by email when given. */
  alarmEmail?: string;
  /** Every function of the deployment, by a name used in the alarm descriptions. */
  functions: Record<string, lambda.IFunction>;
  /** The function whose iterator age is watched. */
  streamFunction: lambda.IFunction;
  /** Where the scheduled function logs its "outbox backlog" line. */
  scheduledLogGroup: logs.ILogGroup;
  /** Dead-letter and on-failure queues, by name: a message in any of them is work that was dropped. */
  failureQueues: Record<string, sqs.IQueue>;
}

/**
 * The deployment's alarms, all sent to one SNS topic: work dropped into a failure queue, function
 * errors and throttles, a stream function that falls behind, and emails that stay unsent.
 */
export class FunnelAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: FunnelAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", {
      displayName: `funnel-rules ${props.stage} alarms`,
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "Alarm notifications carry only alarm names and metric values, no lead data. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key would cost more than everything else this stack runs at small scale.",
    });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    for (const [name, queue] of Object.entries(props.failureQueues)) {
      this.add(`${name}DeadLettersAlarm`, {
        alarmDescription: `Messages in the ${name} dead-letter queue: funnel work was dropped after its retries. Inspect and replay them (README, "Deploy to AWS").`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 1,
      });
    }

    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}ErrorsAlarm`, {
        alarmDescription: `The ${name} function failed (an uncaught error or a timeout); its logs say why.`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
      this.add(`${name}ThrottlesAlarm`, {
        alarmDescription: `The ${name} function was throttled: the account's Lambda concurrency is exhausted.`,
        metric: fn.metricThrottles({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 1,
      });
    }

    this.add("streamIteratorAgeAlarm", {
      alarmDescription: `The stream function is more than ${ITERATOR_AGE_LIMIT.toMinutes()} minutes behind the lead changes for 10 minutes: a record keeps failing or the function is too slow.`,
      metric: props.streamFunction.metric("IteratorAge", {
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: ITERATOR_AGE_LIMIT.toMilliseconds(),
      // One slow batch (a large departure runs up to the 5-minute timeout) is not an incident.
      evaluationPeriods: 2,
    });

    // The scheduled function logs the oldest pending email's age on every run; a metric filter
    // turns that structured log line into a metric, with no metrics library in the bundle.
    const outboxAge = new logs.MetricFilter(this, "OutboxOldestPending", {
      logGroup: props.scheduledLogGroup,
      filterPattern: logs.FilterPattern.numberValue(`$.${OUTBOX_OLDEST_PENDING_FIELD}`, ">=", 0),
      metricNamespace: `FunnelRules/${props.stage}`,
      metricName: OUTBOX_METRIC_NAME,
      metricValue: `$.${OUTBOX_OLDEST_PENDING_FIELD}`,
      unit: cloudwatch.Unit.SECONDS,
    });
    this.add("outboxPendingAlarm", {
      alarmDescription: `An email has been pending for more than ${OUTBOX_PENDING_LIMIT.toHours()} hour(s): SES keeps refusing it or the outbox is not drained. The outbox item's lastError says why.`,
      metric: outboxAge.metric({
        period: Duration.minutes(15),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: OUTBOX_PENDING_LIMIT.toSeconds(),
    });
  }

  private add(
    id: string,
    props: Pick<cloudwatch.AlarmProps, "alarmDescription" | "metric" | "threshold"> & {
      evaluationPeriods?: number;
    },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened: no messages, no invocations, no scheduled run.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    const action = new cloudwatchActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    // Also say when it is over, so an alarm email is never the last word.
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}
