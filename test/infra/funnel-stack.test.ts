import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { App } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED_RULES_FILE,
  type BundledRules,
  sourceDigest,
} from "../../functions/adapters/bundled-rules";
import { Outbox } from "../../functions/adapters/outbox";
import { type LoadedRules, loadRulesSync } from "../../functions/adapters/rules-loader";
import { createTableInput } from "../../functions/adapters/table-design";
import { toEventBridgeCron } from "../../functions/core/time/schedule";
import { ITERATOR_AGE_LIMIT, OUTBOX_PENDING_LIMIT } from "../../infra/funnel-alarms";
import { TABLE_ACTIONS } from "../../infra/funnel-stack";
import { useLocalStack } from "../support/local-stack";
import {
  actionsOf,
  lambdaTaskDir,
  logicalIdOf,
  only,
  type Resource,
  RULES_DIR,
  resourcesOf,
  statementsOf,
  synthesize,
  unacknowledgedNagFindings,
} from "./stack-support";

/** The budget per function bundle (index.mjs, minified), in bytes. */
const MAX_BUNDLE_BYTES = 250_000;

const localStack = useLocalStack();

describe("FunnelStack as `cdk synth` builds it (dev, real bundling)", () => {
  let outdir: string;
  let loaded: LoadedRules;
  let app: App;
  let template: Template;
  let streamFn: string;
  let scheduledFn: string;
  const taskDirs: string[] = [];

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "funnel-synth-"));
    loaded = loadRulesSync(RULES_DIR);
    ({ app, template } = synthesize({}, outdir, loaded));
    streamFn = logicalIdOf(template, "AWS::Lambda::Function", "StreamFunction");
    scheduledFn = logicalIdOf(template, "AWS::Lambda::Function", "ScheduledFunction");
  });

  afterAll(() => {
    for (const dir of [outdir, ...taskDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function assetDirOf(functionId: string): string {
    const fn = template.toJSON().Resources[functionId] as Resource;
    const key = fn.Properties.Code.S3Key as string;
    return join(outdir, `asset.${key.replace(/\.zip$/, "")}`);
  }

  function taskDirOf(functionId: string): string {
    const dir = lambdaTaskDir(assetDirOf(functionId));
    taskDirs.push(dir);
    return dir;
  }

  function roleOf(functionId: string): string {
    const fn = template.toJSON().Resources[functionId] as Resource;
    return fn.Properties.Role["Fn::GetAtt"][0] as string;
  }

  /** Runs `script` as an ES module in `cwd` with only the given environment, as Lambda would. */
  function runInTask(cwd: string, script: string, env: Record<string, string>) {
    return spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd,
      env: { PATH: process.env.PATH ?? "", RULES_DIR: "rules", AWS_REGION: "us-east-1", ...env },
      encoding: "utf8",
    });
  }

  it("builds the table exactly as createTableInput describes it", () => {
    const expected = createTableInput("x");
    const table = only(resourcesOf(template, "AWS::DynamoDB::Table"))[1].Properties;
    const byName = <T extends { AttributeName?: string; IndexName?: string }>(items: T[]) =>
      [...items].sort((a, b) =>
        (a.AttributeName ?? a.IndexName ?? "").localeCompare(b.AttributeName ?? b.IndexName ?? ""),
      );

    expect(table.KeySchema).toEqual(expected.KeySchema);
    expect(byName(table.AttributeDefinitions)).toEqual(byName(expected.AttributeDefinitions ?? []));
    expect(byName(table.GlobalSecondaryIndexes)).toEqual(
      byName(expected.GlobalSecondaryIndexes ?? []),
    );
    expect(table.BillingMode).toBe(expected.BillingMode);
    // CloudFormation has no StreamEnabled: a StreamSpecification means the stream is on.
    expect(expected.StreamSpecification?.StreamEnabled).toBe(true);
    expect(table.StreamSpecification).toEqual({
      StreamViewType: expected.StreamSpecification?.StreamViewType,
    });
  });

  it("expires items by TTL, keeps point-in-time recovery, and lets a dev table go with the stack", () => {
    const [, table] = only(resourcesOf(template, "AWS::DynamoDB::Table"));
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: "expiresAt",
      Enabled: true,
    });
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(table.Properties.TableName).toBe("funnel-rules-dev");
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    expect(table.DeletionPolicy).toBe("Delete");
    for (const [, group] of resourcesOf(template, "AWS::Logs::LogGroup")) {
      expect(group.DeletionPolicy).toBe("Delete");
    }
  });

  it("creates one schedule per rules schedule, in the rules' time zone, with the job's input", () => {
    const schedules = resourcesOf(template, "AWS::Scheduler::Schedule").map(
      ([, s]) => s.Properties,
    );
    expect(schedules).toHaveLength(loaded.rules.schedules.length);
    const roleId = logicalIdOf(template, "AWS::IAM::Role", "SchedulerRole");
    const dlqId = logicalIdOf(template, "AWS::SQS::Queue", "SchedulerDeadLetterQueue");

    for (const rule of loaded.rules.schedules) {
      const schedule = schedules.find((s) => JSON.parse(s.Target.Input).scheduleId === rule.id);
      expect(schedule, rule.id).toBeDefined();
      expect(schedule?.ScheduleExpression).toBe(toEventBridgeCron(rule.cron));
      expect(schedule?.ScheduleExpressionTimezone).toBe(loaded.rules.timeZone);
      expect(schedule?.FlexibleTimeWindow).toEqual({ Mode: "OFF" });
      expect(JSON.parse(schedule?.Target.Input)).toEqual({
        scheduleId: rule.id,
        job: rule.job,
        scheduledTime: "<aws.scheduler.scheduled-time>",
      });
      expect(schedule?.Target).toMatchObject({
        Arn: { "Fn::GetAtt": [scheduledFn, "Arn"] },
        RoleArn: { "Fn::GetAtt": [roleId, "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [dlqId, "Arn"] } },
      });
      // EventBridge's six fields, exactly one of the two day fields "?".
      const fields = /^cron\((.+)\)$/.exec(schedule?.ScheduleExpression)?.[1]?.split(" ") ?? [];
      expect(fields).toHaveLength(6);
      expect([fields[2], fields[4]].filter((field) => field === "?")).toHaveLength(1);
    }
  });

  it("lets the scheduler role invoke only the scheduled function (and dead-letter its runs)", () => {
    const roleId = logicalIdOf(template, "AWS::IAM::Role", "SchedulerRole");
    const role = template.toJSON().Resources[roleId] as Resource;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "scheduler.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      }),
    ]);
    const statements = statementsOf(template, roleId);
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      "lambda:InvokeFunction",
      "sqs:SendMessage",
    ]);
    const invoke = statements.find((s) => actionsOf(s).includes("lambda:InvokeFunction"));
    expect(JSON.stringify(invoke?.Resource)).toContain(scheduledFn);
    expect(JSON.stringify(invoke?.Resource)).not.toContain(streamFn);
  });

  it("feeds the stream function lead changes only, with retries, bisection and a dead-letter queue", () => {
    const dlqId = logicalIdOf(template, "AWS::SQS::Queue", "StreamDeadLetterQueue");
    const mapping = only(resourcesOf(template, "AWS::Lambda::EventSourceMapping"))[1].Properties;
    expect(mapping).toMatchObject({
      FunctionName: { Ref: streamFn },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 86_400,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [dlqId, "Arn"] } } },
    });
    const filter = only(mapping.FilterCriteria.Filters as { Pattern: string }[]);
    expect(JSON.parse(filter.Pattern)).toEqual({
      dynamodb: { Keys: { sk: { S: ["LEAD", "REP"] } } },
    });
  });

  it("encrypts both dead-letter queues and keeps their messages 14 days", () => {
    const queues = resourcesOf(template, "AWS::SQS::Queue");
    expect(queues).toHaveLength(2);
    for (const [, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
    }
  });

  it("lets both functions send email only as the rules' sender, through its address or domain identity", () => {
    for (const fn of [streamFn, scheduledFn]) {
      const ses = only(
        statementsOf(template, roleOf(fn)).filter((s) =>
          actionsOf(s).some((action) => action.startsWith("ses:")),
        ),
      );
      expect(actionsOf(ses).sort()).toEqual(["ses:SendEmail", "ses:SendRawEmail"]);
      expect(ses.Condition).toEqual({
        StringEquals: { "ses:FromAddress": loaded.rules.settings.sender },
      });
      const identities = (ses.Resource as unknown[]).map((arn) =>
        JSON.stringify(arn).replace(/^.*:identity\/(.*?)"\]\]\}$/, "$1"),
      );
      expect(identities.sort()).toEqual(["example.com", "funnel@example.com"]);
    }
  });

  it("gives each function the table's item actions and only Query on its declared indexes", () => {
    const tableId = logicalIdOf(template, "AWS::DynamoDB::Table", "Table");
    for (const fn of [streamFn, scheduledFn]) {
      const dynamo = statementsOf(template, roleOf(fn)).filter((s) =>
        actionsOf(s).some((a) =>
          /^dynamodb:(?!ListStreams|DescribeStream|GetRecords|GetShard)/.test(a),
        ),
      );
      const onTable = dynamo.find(
        (s) => JSON.stringify(s.Resource) === JSON.stringify({ "Fn::GetAtt": [tableId, "Arn"] }),
      );
      expect(actionsOf(onTable as never).sort()).toEqual([...TABLE_ACTIONS].sort());
      const onIndexes = dynamo.filter((s) => s !== onTable);
      expect(onIndexes.flatMap(actionsOf)).toEqual(["dynamodb:Query"]);
      const indexNames = JSON.stringify(only(onIndexes).Resource).match(/\/index\/[A-Za-z]+/g);
      expect(indexNames?.sort()).toEqual(["/index/byDue", "/index/byKind", "/index/byOwner"]);
    }
    const actions = statementsOf(template).flatMap(actionsOf);
    expect(actions).not.toContain("dynamodb:Scan");
    for (const action of actions) expect(action).not.toContain("*");
  });

  it("lets each function write its own log group only, with no managed policies", () => {
    for (const fn of [streamFn, scheduledFn]) {
      const role = template.toJSON().Resources[roleOf(fn)] as Resource;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logsStatement = only(
        statementsOf(template, roleOf(fn)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith("logs:")),
        ),
      );
      expect(actionsOf(logsStatement).sort()).toEqual([
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ]);
      const fnProps = (template.toJSON().Resources[fn] as Resource).Properties;
      const group = fnProps.LoggingConfig.LogGroup.Ref as string;
      expect(logsStatement.Resource).toEqual({ "Fn::GetAtt": [group, "Arn"] });
    }
  });

  it("gives both functions the runtime, arm64, JSON logs and the environment", () => {
    for (const id of [streamFn, scheduledFn]) {
      const fn = template.toJSON().Resources[id] as Resource;
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        MemorySize: 512,
        Timeout: 300,
        LoggingConfig: { LogFormat: "JSON" },
        Environment: {
          Variables: {
            RULES_DIR: "rules",
            NODE_OPTIONS: "--enable-source-maps",
            POWERTOOLS_SERVICE_NAME: "funnel-rules",
            FUNNEL_SENDER: loaded.rules.settings.sender,
            TABLE_NAME: { Ref: logicalIdOf(template, "AWS::DynamoDB::Table", "Table") },
          },
        },
      });
    }
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("alarms to one topic on dead letters, errors, throttles, iterator age and old pending emails", () => {
    const topicId = logicalIdOf(template, "AWS::SNS::Topic", "AlarmsTopic");
    // Without alarmEmail the topic has no subscription; subscribe it another way.
    expect(resourcesOf(template, "AWS::SNS::Subscription")).toEqual([]);
    const alarms = resourcesOf(template, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    const summary = alarms
      .map((a) => {
        const dimensions = JSON.stringify(a.Dimensions ?? []);
        const subject = [streamFn, scheduledFn, "StreamDeadLetterQueue", "SchedulerDeadLetterQueue"]
          .filter((id) => dimensions.includes(id))
          .join("");
        return `${a.MetricName} ${a.Statistic} ${subject} >= ${a.Threshold}`;
      })
      .sort();
    expect(summary).toEqual(
      [
        `ApproximateNumberOfMessagesVisible Maximum StreamDeadLetterQueue >= 1`,
        `ApproximateNumberOfMessagesVisible Maximum SchedulerDeadLetterQueue >= 1`,
        `Errors Sum ${streamFn} >= 1`,
        `Errors Sum ${scheduledFn} >= 1`,
        `Throttles Sum ${streamFn} >= 1`,
        `Throttles Sum ${scheduledFn} >= 1`,
        `IteratorAge Maximum ${streamFn} >= ${ITERATOR_AGE_LIMIT.toMilliseconds()}`,
        `OutboxOldestPendingSeconds Maximum  >= ${OUTBOX_PENDING_LIMIT.toSeconds()}`,
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.ComparisonOperator).toBe("GreaterThanOrEqualToThreshold");
      expect(alarm.TreatMissingData).toBe("notBreaching");
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.AlarmDescription).toEqual(expect.any(String));
    }
    const [, topicPolicy] = only(resourcesOf(template, "AWS::SNS::TopicPolicy"));
    expect(JSON.stringify(topicPolicy.Properties)).toContain('"aws:SecureTransport":"false"');
  });

  it("turns the scheduled function's outbox backlog log line into the alarmed metric", () => {
    const [, filter] = only(resourcesOf(template, "AWS::Logs::MetricFilter"));
    const scheduled = (template.toJSON().Resources[scheduledFn] as Resource).Properties;
    expect(filter.Properties).toEqual({
      LogGroupName: scheduled.LoggingConfig.LogGroup,
      FilterPattern: "{ $.outboxOldestPendingSeconds >= 0 }",
      MetricTransformations: [
        {
          MetricNamespace: "FunnelRules/dev",
          MetricName: "OutboxOldestPendingSeconds",
          MetricValue: "$.outboxOldestPendingSeconds",
          Unit: "Seconds",
        },
      ],
    });
    const alarm = resourcesOf(template, "AWS::CloudWatch::Alarm")
      .map(([, a]) => a.Properties)
      .find((a) => a.MetricName === "OutboxOldestPendingSeconds");
    expect(alarm).toMatchObject({ Namespace: "FunnelRules/dev", Period: 900 });
  });

  it("has no cdk-nag AWS Solutions finding that is not acknowledged next to its resource", () => {
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });

  it("ships the validated rule set, traceable to the rule files, inside both bundles", () => {
    const validated = loaded.files.map((file) => basename(file)).sort();
    for (const id of [streamFn, scheduledFn]) {
      const dir = assetDirOf(id);
      expect(readdirSync(dir).sort()).toEqual(["index.mjs", "index.mjs.map", "rules"]);
      expect(readdirSync(join(dir, "rules"))).toEqual([BUNDLED_RULES_FILE]);
      const bundle = JSON.parse(
        readFileSync(join(dir, "rules", BUNDLED_RULES_FILE), "utf8"),
      ) as BundledRules;
      expect(bundle.source).toEqual(loaded.source);
      expect(bundle.sourceSha256).toBe(sourceDigest(loaded.source));
      expect(bundle.files.map((f) => f.name)).toEqual(validated);
      for (const file of bundle.files) {
        const text = readFileSync(join(RULES_DIR, file.name));
        expect(file.sha256).toBe(createHash("sha256").update(text).digest("hex"));
      }
    }
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.RuleSetSha256?.Value).toBe(sourceDigest(loaded.source));
  });

  it("keeps each bundle within 250 KB minified, with the AWS SDK left to the Lambda runtime", () => {
    for (const id of [streamFn, scheduledFn]) {
      const code = join(assetDirOf(id), "index.mjs");
      expect(statSync(code).size, `${id} index.mjs`).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      const source = readFileSync(code, "utf8");
      expect(source).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
      // Neither the YAML parser nor the JSON Schema validator is in a bundle.
      expect(source).not.toContain("YAMLParseError");
      expect(source).not.toContain("strictSchema");
    }
  });

  it("bundles a stream handler that runs from its bundle with only the runtime's SDK beside it", () => {
    // An aggregate item (the engine's own) is ignored, so the run touches no AWS.
    const script = `
      const { handler } = await import("./index.mjs");
      const record = { eventID: "1", eventName: "INSERT",
        dynamodb: { Keys: { pk: { S: "AGG#r1" }, sk: { S: "standard" } }, NewImage: { pk: { S: "AGG#r1" } } } };
      console.log(JSON.stringify(await handler({ Records: [record] })));`;
    const run = runInTask(taskDirOf(streamFn), script, { TABLE_NAME: "t" });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ batchItemFailures: [] });
  });

  it("refuses to start on a bundled rule set that is not the one synth validated", () => {
    const task = taskDirOf(streamFn);
    const path = join(task, "rules", BUNDLED_RULES_FILE);
    const bundle = JSON.parse(readFileSync(path, "utf8")) as BundledRules;
    bundle.source.schedules = [];
    writeFileSync(path, JSON.stringify(bundle));
    const script = `
      const { handler } = await import("./index.mjs");
      await handler({ Records: [] });`;
    const run = runInTask(task, script, { TABLE_NAME: "t" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("the rules differ from the ones synth validated");
  });

  it("bundles a scheduled handler that logs how long the oldest unsent email has waited", async () => {
    const table = await localStack.freshTable("infra-outbox");
    const outbox = new Outbox(localStack.documents, table, { send: async () => "" }, "x@y.z");
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    await outbox.enqueue(
      {
        kind: "email",
        key: "digest#rep-1#run-1",
        recipientId: "rep-1",
        to: ["rep-1@example.com"],
        subject: "s",
        text: "t",
        html: "<p>t</p>",
        reason: "test",
      },
      twoHoursAgo,
    );
    // A Saturday: the working-days-only sweep skips the run without touching the table, so the
    // email stays unsent and the backlog line reports it.
    const event = {
      scheduleId: "dwell-sweep",
      job: "sweep",
      scheduledTime: "2026-11-28T01:00:00.000Z",
    };
    const script = `
      const { handler } = await import("./index.mjs");
      console.log(JSON.stringify({ result: await handler(${JSON.stringify(event)}) }));`;
    const run = runInTask(taskDirOf(scheduledFn), script, {
      TABLE_NAME: table,
      DYNAMODB_ENDPOINT: localStack.dynamoEndpoint,
      SES_ENDPOINT: localStack.sesEndpoint,
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)?.result).toMatchObject({ status: "skipped" });

    const [, filter] = only(resourcesOf(template, "AWS::Logs::MetricFilter"));
    const field = String(filter.Properties.MetricTransformations[0].MetricValue).replace("$.", "");
    const backlog = only(lines.filter((line) => line.message === "outbox backlog"));
    expect(backlog.outboxPending).toBe(1);
    expect(backlog[field]).toBeGreaterThanOrEqual(7200);
    expect(backlog[field]).toBeLessThan(7200 + 60);
  });

  it("outputs the table, function names, alarm topic and rule set digest", () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual([
      "AlarmTopicArn",
      "RuleSetSha256",
      "ScheduledFunctionName",
      "StreamFunctionName",
      "TableName",
    ]);
  });
});
