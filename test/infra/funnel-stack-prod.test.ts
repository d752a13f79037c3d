import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "aws-cdk-lib";
import type { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRulesSync } from "../../functions/adapters/rules-loader";
import {
  actionsOf,
  only,
  RULES_DIR,
  resourcesOf,
  statementsOf,
  synthesize,
  unacknowledgedNagFindings,
} from "./stack-support";

describe("FunnelStack for a stage whose data matters (bundling skipped)", () => {
  let outdir: string;
  let app: App;
  let template: Template;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "funnel-synth-"));
    ({ app, template } = synthesize(
      {
        // Bundling is covered by funnel-stack.test.ts; skipping it keeps this synth fast.
        "aws:cdk:bundling-stacks": [],
        stage: "prod",
        sender: "sales@corp.example",
        alarmEmail: "ops@corp.example",
      },
      outdir,
      loadRulesSync(RULES_DIR),
    ));
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

  it("sends as the deployment's sender instead of the rules' one, through its identities only", () => {
    const ses = statementsOf(template).filter((s) => actionsOf(s).includes("ses:SendEmail"));
    expect(ses).toHaveLength(2);
    for (const statement of ses) {
      expect(statement.Condition?.StringEquals?.["ses:FromAddress"]).toBe("sales@corp.example");
      const resources = JSON.stringify(statement.Resource);
      expect(resources).toContain(":identity/sales@corp.example");
      expect(resources).toContain(":identity/corp.example");
      expect(resources).not.toContain("example.com");
    }
    template.allResourcesProperties("AWS::Lambda::Function", {
      Environment: { Variables: { FUNNEL_SENDER: "sales@corp.example" } },
    });
  });

  it("emails every alarm to the alarm address, which must confirm the subscription", () => {
    const [, subscription] = only(resourcesOf(template, "AWS::SNS::Subscription"));
    expect(subscription.Properties).toMatchObject({
      Protocol: "email",
      Endpoint: "ops@corp.example",
    });
    const topic = subscription.Properties.TopicArn.Ref as string;
    const alarms = resourcesOf(template, "AWS::CloudWatch::Alarm");
    expect(alarms).toHaveLength(8);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it("names its outbox metric after the stage, so two stages in one account do not mix", () => {
    const [, filter] = only(resourcesOf(template, "AWS::Logs::MetricFilter"));
    expect(filter.Properties.MetricTransformations[0].MetricNamespace).toBe("FunnelRules/prod");
  });

  it("has no cdk-nag AWS Solutions finding that is not acknowledged next to its resource", () => {
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });
});
