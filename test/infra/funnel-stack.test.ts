import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadedRules, loadRulesSync } from "../../functions/adapters/rules-loader";
import { createTableInput } from "../../functions/adapters/table-design";
import { toEventBridgeCron } from "../../functions/core/time/schedule";
import { InfraConfigError, readFunnelConfig } from "../../infra/config";
import { FunnelStack } from "../../infra/funnel-stack";

const ROOT = join(import.meta.dirname, "../..");
const RULES_DIR = join(ROOT, "rules");
/** cdk.json's context (stage, feature flags), so the test synthesizes what `cdk synth` does. */
const CDK_CONTEXT = JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8")).context as Record<
  string,
  unknown
>;

// biome-ignore lint/suspicious/noExplicitAny: template JSON is untyped; the assertions check its shape.
type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

function synthesize(context: Record<string, unknown>, outdir: string, loaded: LoadedRules) {
  const app = new App({ outdir, context: { ...CDK_CONTEXT, ...context } });
  const config = readFunnelConfig((key) => app.node.tryGetContext(key));
  const stack = new FunnelStack(app, `FunnelRules-${config.stage}`, {
    config,
    rules: loaded.rules,
    rulesDir: RULES_DIR,
  });
  return { stack, template: Template.fromStack(stack) };
}

function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

function logicalIdOf(template: Template, type: string, pathPart: string): string {
  const found = Object.entries(template.findResources(type)).filter(([id]) =>
    id.startsWith(pathPart),
  );
  return only(found)[0];
}

function statementsOf(template: Template): Statement[] {
  return resourcesOf(template, "AWS::IAM::Policy").flatMap(
    ([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
}

function actionsOf(statement: Statement): string[] {
  return typeof statement.Action === "string" ? [statement.Action] : statement.Action;
}

describe("FunnelStack as `cdk synth` builds it (dev, real bundling)", () => {
  let outdir: string;
  let loaded: LoadedRules;
  let template: Template;
  let streamFn: string;
  let scheduledFn: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "funnel-synth-"));
    loaded = loadRulesSync(RULES_DIR);
    template = synthesize({}, outdir, loaded).template;
    streamFn = logicalIdOf(template, "AWS::Lambda::Function", "StreamFunction");
    scheduledFn = logicalIdOf(template, "AWS::Lambda::Function", "ScheduledFunction");
  });

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  function assetDirOf(functionId: string): string {
    const fn = template.toJSON().Resources[functionId] as Resource;
    const key = fn.Properties.Code.S3Key as string;
    return join(outdir, `asset.${key.replace(/\.zip$/, "")}`);
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
    const [roleId, role] = only(
      resourcesOf(template, "AWS::IAM::Role").filter(([id]) => id.startsWith("SchedulerRole")),
    );
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: "scheduler.amazonaws.com" } }),
    ]);
    const policy = only(
      resourcesOf(template, "AWS::IAM::Policy").filter(([, p]) =>
        JSON.stringify(p.Properties.Roles).includes(roleId),
      ),
    )[1];
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
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

  it("encrypts both dead-letter queues", () => {
    const queues = resourcesOf(template, "AWS::SQS::Queue");
    expect(queues).toHaveLength(2);
    for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it("lets both functions send email only as the rules' sender, and grants no wildcard actions", () => {
    const statements = statementsOf(template);
    const ses = statements.filter((s) => actionsOf(s).some((action) => action.startsWith("ses:")));
    expect(ses).toHaveLength(2);
    for (const statement of ses) {
      expect(actionsOf(statement).sort()).toEqual(["ses:SendEmail", "ses:SendRawEmail"]);
      expect(statement.Condition).toEqual({
        StringEquals: { "ses:FromAddress": loaded.rules.settings.sender },
      });
      expect(JSON.stringify(statement.Resource)).toMatch(/:ses:.*:identity\/\*"/);
    }
    for (const action of statements.flatMap(actionsOf)) expect(action).not.toContain("*");
  });

  it("gives both functions table access, the runtime, arm64, JSON logs and the environment", () => {
    const statements = statementsOf(template);
    expect(statements.filter((s) => actionsOf(s).includes("dynamodb:PutItem"))).toHaveLength(2);
    for (const id of [streamFn, scheduledFn]) {
      const fn = template.toJSON().Resources[id] as Resource;
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        MemorySize: 512,
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
    expect((template.toJSON().Resources[scheduledFn] as Resource).Properties.Timeout).toBe(300);
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("ships exactly the rule files it validated inside both bundles", () => {
    const validated = loaded.files.map((file) => basename(file)).sort();
    for (const id of [streamFn, scheduledFn]) {
      const dir = assetDirOf(id);
      expect(readdirSync(dir)).toEqual(
        expect.arrayContaining(["index.mjs", "index.mjs.map", "rules"]),
      );
      expect(readdirSync(join(dir, "rules")).sort()).toEqual(validated);
      for (const name of validated) {
        expect(readFileSync(join(dir, "rules", name), "utf8")).toBe(
          readFileSync(join(RULES_DIR, name), "utf8"),
        );
      }
    }
  });

  it("bundles a stream handler that starts in its bundle directory and finds the rules there", () => {
    // Lambda runs the handler with the bundle (/var/task) as cwd; an aggregate item (the engine's
    // own) is ignored, so the run touches no AWS.
    const script = `
      const { handler } = await import("./index.mjs");
      const record = { eventID: "1", eventName: "INSERT",
        dynamodb: { Keys: { pk: { S: "AGG#r1" }, sk: { S: "standard#lead" } }, NewImage: { pk: { S: "AGG#r1" } } } };
      console.log(JSON.stringify(await handler({ Records: [record] })));`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: assetDirOf(streamFn),
      env: { PATH: process.env.PATH, TABLE_NAME: "t", RULES_DIR: "rules", AWS_REGION: "us-east-1" },
      encoding: "utf8",
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ batchItemFailures: [] });
  });

  it("outputs the table and function names", () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual([
      "ScheduledFunctionName",
      "StreamFunctionName",
      "TableName",
    ]);
  });
});

describe("FunnelStack for a stage whose data matters (bundling skipped)", () => {
  let template: Template;
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "funnel-synth-"));
    template = synthesize(
      {
        // Bundling is covered above; skipping it keeps this synth fast.
        "aws:cdk:bundling-stacks": [],
        stage: "prod",
        sender: "sales@corp.example",
        alarmEmail: "ops@corp.example",
      },
      outdir,
      loadRulesSync(RULES_DIR),
    ).template;
  });

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  it("retains the table and its logs, with deletion protection on", () => {
    const [, table] = only(resourcesOf(template, "AWS::DynamoDB::Table"));
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties.TableName).toBe("funnel-rules-prod");
    for (const [, group] of resourcesOf(template, "AWS::Logs::LogGroup")) {
      expect(group.DeletionPolicy).toBe("Retain");
    }
  });

  it("sends as the deployment's sender instead of the rules' one", () => {
    const ses = statementsOf(template).filter((s) => actionsOf(s).includes("ses:SendEmail"));
    expect(ses).toHaveLength(2);
    for (const statement of ses) {
      expect(statement.Condition?.StringEquals?.["ses:FromAddress"]).toBe("sales@corp.example");
    }
    template.allResourcesProperties("AWS::Lambda::Function", {
      Environment: { Variables: { FUNNEL_SENDER: "sales@corp.example" } },
    });
  });

  it("emails an alarm when either dead-letter queue receives a message", () => {
    template.resourceCountIs("AWS::CloudWatch::Alarm", 2);
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@corp.example",
    });
  });
});

describe("readFunnelConfig", () => {
  const from = (values: Record<string, unknown>) => (key: string) => values[key];

  it("defaults to a throwaway dev stage with the rules' sender", () => {
    expect(readFunnelConfig(from({}))).toEqual({
      stage: "dev",
      sender: undefined,
      tableName: "funnel-rules-dev",
      alarmEmail: undefined,
      deletionProtection: false,
    });
  });

  it("protects the table of any other stage unless told otherwise, also from `-c` strings", () => {
    expect(readFunnelConfig(from({ stage: "prod" })).deletionProtection).toBe(true);
    expect(
      readFunnelConfig(from({ stage: "prod", deletionProtection: "false" })).deletionProtection,
    ).toBe(false);
  });

  it("rejects a stage, sender or flag it cannot use", () => {
    expect(() => readFunnelConfig(from({ stage: "Prod!" }))).toThrow(InfraConfigError);
    expect(() => readFunnelConfig(from({ sender: "not-an-email" }))).toThrow(/sender/);
    expect(() => readFunnelConfig(from({ deletionProtection: "yes" }))).toThrow(/true or false/);
  });
});

describe("infra/app.ts", () => {
  it("fails the synth on invalid rules with their file:line:col messages and no stack trace", () => {
    const cwd = mkdtempSync(join(tmpdir(), "funnel-app-"));
    try {
      mkdirSync(join(cwd, "rules"));
      writeFileSync(join(cwd, "rules", "settings.yaml"), "version: 1\nsettings:\n  locale: fr\n");
      const run = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "infra/app.ts")], {
        cwd,
        encoding: "utf8",
        env: { ...process.env, CDK_OUTDIR: join(cwd, "cdk.out") },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^rules\/settings\.yaml:3:\d+: /m);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
