import type { TestProject } from "vitest/node";
import { type LocalStack, startLocalStack } from "../functions/local/local-stack";

/** What tests get from `inject("localStack")`: plain data, since it crosses into the workers. */
export type ProvidedLocalStack = Omit<LocalStack, "stop">;

declare module "vitest" {
  export interface ProvidedContext {
    localStack: ProvidedLocalStack;
  }
}

/**
 * Boots one DynamoDB Local and one SES stand-in for the whole run: the JVM takes a few seconds to
 * start, too long to pay per test file. Set FUNNEL_DEBUG=1 to see DynamoDB Local's output.
 */
export default async function setup(project: TestProject) {
  const stack = await startLocalStack({
    tableName: "funnel-rules-test",
    log: process.env.FUNNEL_DEBUG ? (line) => console.error(line) : undefined,
  });
  project.provide("localStack", {
    dynamoEndpoint: stack.dynamoEndpoint,
    sesEndpoint: stack.sesEndpoint,
    region: stack.region,
    tableName: stack.tableName,
    inboxUrl: stack.inboxUrl,
    clientConfig: stack.clientConfig,
  });
  return async () => {
    await stack.stop();
  };
}
