import type { TestProject } from "vitest/node";
import { type LocalStack, startLocalStack } from "../functions/local/local-stack";

/** What tests get from `inject("localStack")`: plain data, since it crosses into the workers. */
export type ProvidedLocalStack = Omit<LocalStack, "stop">;

declare module "vitest" {
  export interface ProvidedContext {
    localStack: ProvidedLocalStack;
    faultLocalStack: ProvidedLocalStack;
  }
}

const provided = (stack: LocalStack): ProvidedLocalStack => ({
  dynamoEndpoint: stack.dynamoEndpoint,
  sesEndpoint: stack.sesEndpoint,
  region: stack.region,
  tableName: stack.tableName,
  inboxUrl: stack.inboxUrl,
  clientConfig: stack.clientConfig,
});

/**
 * Boots the local stacks for the whole run: the JVM takes a few seconds to start, too long to pay
 * per test file. The fault suite gets a DynamoDB Local of its own: DynamoDB Local keeps every
 * stream record even after its table is deleted, and looks the stream up on each write, so the
 * suite's many thousand writes would slow every test file after it. Set FUNNEL_DEBUG=1 to see
 * DynamoDB Local's output.
 */
export default async function setup(project: TestProject) {
  const log = process.env.FUNNEL_DEBUG ? (line: string) => console.error(line) : undefined;
  const started = await Promise.allSettled([
    startLocalStack({ tableName: "funnel-rules-test", log }),
    startLocalStack({ tableName: "funnel-rules-faults", log }),
  ]);
  const stacks = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(stacks.map((stack) => stack.stop()));
    throw failed.reason;
  }
  const [shared, faults] = stacks as [LocalStack, LocalStack];
  project.provide("localStack", provided(shared));
  project.provide("faultLocalStack", provided(faults));
  return async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
  };
}
