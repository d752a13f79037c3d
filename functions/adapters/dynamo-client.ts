import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { RuntimeConfig } from "./env";

export function createDocumentClient(
  config: Pick<RuntimeConfig, "region" | "dynamoEndpoint">,
): DynamoDBDocumentClient {
  const local = config.dynamoEndpoint !== undefined;
  const client = new DynamoDBClient({
    region: config.region ?? (local ? "us-east-1" : undefined),
    endpoint: config.dynamoEndpoint,
    // DynamoDB Local accepts any credentials; on AWS the default provider chain applies.
    credentials: local ? { accessKeyId: "local", secretAccessKey: "local" } : undefined,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
