import { App, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import {
  type LoadedRules,
  loadRulesSync,
  RulesInvalidError,
} from "../functions/adapters/rules-loader";
import { type FunnelConfig, InfraConfigError, readFunnelConfig } from "./config";
import { FunnelStack } from "./funnel-stack";

/** The rules the functions will run; relative to the cwd, which the cdk CLI sets to the repo root. */
const RULES_DIR = "rules";

/**
 * Problems an operator can fix (invalid rules, bad context) end the synth with their own message
 * and exit code 1; a stack trace would only bury the `file:line:col` lines.
 */
function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof RulesInvalidError || error instanceof InfraConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const app = new App();
const config: FunnelConfig = orExit(() => readFunnelConfig((key) => app.node.tryGetContext(key)));
const loaded: LoadedRules = orExit(() => loadRulesSync(RULES_DIR));

// Env-agnostic: synth needs no credentials, and the account and region come from the deploy.
const stack = new FunnelStack(app, `FunnelRules-${config.stage}`, {
  description: `funnel-rules (${config.stage}): sales-funnel rules engine`,
  config,
  rules: loaded,
});
// cdk-nag's AWS Solutions checks run on every synth: a finding that is neither fixed nor
// acknowledged next to its resource, with a reason, fails the synth and so the deploy.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
Tags.of(stack).add("project", "funnel-rules");
Tags.of(stack).add("stage", config.stage);

app.synth();
