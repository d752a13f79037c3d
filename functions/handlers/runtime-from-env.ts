import { Logger } from "@aws-lambda-powertools/logger";
import { readConfig } from "../adapters/env";
import { loadRulesSync } from "../adapters/rules-loader";
import { createRuntime, type Runtime } from "../adapters/runtime";

export const logger = new Logger({ serviceName: "funnel-rules" });

let runtime: Runtime | undefined;

/**
 * The Lambda runtime, built on first use in a container: configuration is read once and missing
 * variables or invalid rules fail the first invocation loudly, before any record is touched.
 */
export function runtimeFromEnv(): Runtime {
  if (runtime === undefined) {
    const config = readConfig();
    const rules = loadRulesSync(config.rulesDir).rules;
    runtime = createRuntime(config, rules, {
      report: (decision, context) => logger.info(decision.reason, { decision, ...context }),
    });
  }
  return runtime;
}
