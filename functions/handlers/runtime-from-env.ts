import { Logger } from "@aws-lambda-powertools/logger";
import { loadBundledRulesSync } from "../adapters/bundled-rules";
import { readConfig } from "../adapters/env";
import { createRuntime, type Runtime } from "../adapters/runtime";

export const logger = new Logger({ serviceName: "funnel-rules" });

let runtime: Runtime | undefined;

/**
 * The Lambda runtime, built on first use in a container: configuration is read once and missing
 * variables or invalid rules fail the first invocation loudly, before any record is touched.
 * The rules are the JSON rule set `cdk synth` validated and bundled (RULES_DIR/rule-set.json), not
 * the YAML files: the YAML parser and the schema validator stay out of the Lambda bundles.
 */
export function runtimeFromEnv(): Runtime {
  if (runtime === undefined) {
    const config = readConfig();
    const { rules } = loadBundledRulesSync(config.rulesDir);
    runtime = createRuntime(config, rules, {
      report: (decision, context) => logger.info(decision.reason, { decision, ...context }),
    });
  }
  return runtime;
}
