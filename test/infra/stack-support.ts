import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { expect } from "vitest";
import type { LoadedRules } from "../../functions/adapters/rules-loader";
import { readFunnelConfig } from "../../infra/config";
import { FunnelStack } from "../../infra/funnel-stack";

export const ROOT = join(import.meta.dirname, "../..");
export const RULES_DIR = join(ROOT, "rules");
/** cdk.json's context (stage, feature flags), so the tests synthesize what `cdk synth` does. */
export const CDK_CONTEXT = JSON.parse(readFileSync(join(ROOT, "cdk.json"), "utf8"))
  .context as Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: template JSON is untyped; the assertions check its shape.
export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** The app as infra/app.ts builds it, with extra context on top of cdk.json's. */
export function synthesize(context: Record<string, unknown>, outdir: string, rules: LoadedRules) {
  const app = new App({ outdir, context: { ...CDK_CONTEXT, ...context } });
  const config = readFunnelConfig((key) => app.node.tryGetContext(key));
  const stack = new FunnelStack(app, `FunnelRules-${config.stage}`, { config, rules });
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * Every cdk-nag AWS Solutions finding that is not acknowledged, as "rule at construct path"; the
 * same pack infra/app.ts registers, run directly so a failure lists the findings.
 */
export function unacknowledgedNagFindings(app: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.ruleName} at ${resource.constructPath}: ${violation.description}`,
    ),
  );
}

export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

export function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

export function logicalIdOf(template: Template, type: string, pathPart: string): string {
  const found = Object.entries(template.findResources(type)).filter(([id]) =>
    id.startsWith(pathPart),
  );
  return only(found)[0];
}

export function statementsOf(template: Template, roleId?: string): Statement[] {
  return resourcesOf(template, "AWS::IAM::Policy")
    .filter(
      ([, policy]) =>
        roleId === undefined || JSON.stringify(policy.Properties.Roles).includes(roleId),
    )
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statement: Statement): string[] {
  return typeof statement.Action === "string" ? [statement.Action] : statement.Action;
}

/**
 * A copy of a function's bundle laid out as Lambda runs it: the bundle is the working directory
 * (/var/task), and only the AWS SDK v3 is there besides it, as the Node.js runtime provides it.
 * Any other module the bundle failed to include would not resolve.
 */
export function lambdaTaskDir(bundleDir: string): string {
  const task = mkdtempSync(join(tmpdir(), "funnel-task-"));
  cpSync(bundleDir, task, { recursive: true });
  mkdirSync(join(task, "node_modules"));
  symlinkSync(join(ROOT, "node_modules/@aws-sdk"), join(task, "node_modules/@aws-sdk"), "dir");
  return task;
}
