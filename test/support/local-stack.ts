import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESClient } from "@aws-sdk/client-ses";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, inject } from "vitest";
import { createTable, deleteTable } from "../../functions/local/local-stack";
import type { ProvidedLocalStack } from "../global-setup";

export interface TestLocalStack extends ProvidedLocalStack {
  /** Low-level client, e.g. for DescribeTable. */
  dynamo: DynamoDBClient;
  /** Document client; drops undefined attributes instead of rejecting them. */
  documents: DynamoDBDocumentClient;
  /** SES client pointed at the stand-in. */
  ses: SESClient;
  /**
   * Creates a table of the shared design under a unique name (`prefix-<random>`) and returns the
   * name. Callable anywhere in the file; every table made this way is deleted after the file.
   */
  freshTable(prefix: string): Promise<string>;
}

let current: TestLocalStack | undefined;

/**
 * A run-wide local stack started by test/global-setup.ts, with clients: the shared one, or the
 * fault suite's own. Call it at the top level of a test file (or in a describe body): it registers
 * the file's cleanup with afterAll.
 */
export function useLocalStack(which: "shared" | "faults" = "shared"): TestLocalStack {
  if (current !== undefined) return current;
  const provided = inject(which === "faults" ? "faultLocalStack" : "localStack");
  if (provided === undefined) {
    throw new Error("No local stack was provided: is test/global-setup.ts the globalSetup?");
  }
  const dynamo = new DynamoDBClient(provided.clientConfig);
  const documents = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const ses = new SESClient({
    endpoint: provided.sesEndpoint,
    region: provided.region,
    credentials: provided.clientConfig.credentials,
  });
  const tables = new Set<string>();

  const stack: TestLocalStack = {
    ...provided,
    dynamo,
    documents,
    ses,
    async freshTable(prefix) {
      const name = `${prefix}-${randomUUID().slice(0, 8)}`;
      tables.add(name);
      await createTable(provided.clientConfig, name);
      return name;
    },
  };

  afterAll(async () => {
    await Promise.all([...tables].map((name) => deleteTable(provided.clientConfig, name)));
    dynamo.destroy();
    ses.destroy();
    current = undefined;
  });
  current = stack;
  return stack;
}
