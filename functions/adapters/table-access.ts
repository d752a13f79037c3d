import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** A table named on the command line: DynamoDB Local with an endpoint, AWS otherwise. */
export interface TableTarget {
  table: string;
  endpoint?: string;
  region?: string;
}

/** The table cannot be used; the message is one line for the terminal, no stack. */
export class TableAccessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TableAccessError";
  }
}

export interface OpenTable {
  client: DynamoDBClient;
  db: DynamoDBDocumentClient;
  /** For the first call only: few attempts, so an endpoint nobody answers on fails in a second. */
  probe: DynamoDBClient;
  close(): void;
}

/**
 * Clients for a maintenance command. Connections time out after a few seconds so that an endpoint
 * nobody answers on fails soon instead of hanging; the writing client retries throttling patiently
 * (adaptive, 8 attempts), the probe does not. On AWS the normal credential chain applies.
 */
export function openTable(target: TableTarget): OpenTable {
  const local = target.endpoint !== undefined;
  const config = {
    region: target.region ?? (local ? "us-east-1" : undefined),
    endpoint: target.endpoint,
    credentials: local ? { accessKeyId: "local", secretAccessKey: "local" } : undefined,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  };
  const client = new DynamoDBClient({ ...config, maxAttempts: 8, retryMode: "adaptive" });
  const probe = new DynamoDBClient({ ...config, maxAttempts: 2 });
  const db = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return {
    client,
    db,
    probe,
    close: () => {
      client.destroy();
      probe.destroy();
    },
  };
}

/** Checks that the table exists and answers, before anything is read or written. */
export async function checkTable(open: OpenTable, target: TableTarget): Promise<void> {
  try {
    await open.probe.send(new DescribeTableCommand({ TableName: target.table }));
  } catch (error) {
    throw new TableAccessError(describeAccessError(error, target), { cause: error });
  }
}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "TimeoutError",
]);

/** One line saying why the table could not be used, naming where it was looked for. */
export function describeAccessError(error: unknown, target: TableTarget): string {
  const where =
    target.endpoint ?? (target.region === undefined ? "AWS" : `AWS region ${target.region}`);
  const e = error as { name?: string; code?: string; message?: string };
  const message = (e.message ?? String(error)).split("\n")[0] ?? "";
  const code = e.code ?? e.name ?? "";
  if (e.name === "ResourceNotFoundException")
    return `table ${target.table} does not exist at ${where}`;
  if (UNREACHABLE.has(code) || UNREACHABLE.has(e.name ?? ""))
    return `cannot reach DynamoDB at ${where} (${code || e.name})`;
  if (e.name === "CredentialsProviderError") return `no AWS credentials for ${where}: ${message}`;
  if (/region is missing/i.test(message)) return "no AWS region: pass --region or set AWS_REGION";
  return `DynamoDB at ${where}: ${message}`;
}

const GET_LIMIT = 100;
const MAX_ATTEMPTS = 8;

/** Reads up to 100 items by key, strongly consistent, retrying keys DynamoDB leaves unprocessed. */
export async function getItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: { pk: string; sk: string }[],
): Promise<Record<string, unknown>[]> {
  if (keys.length > GET_LIMIT) throw new Error(`getItems takes at most ${GET_LIMIT} keys`);
  const items: Record<string, unknown>[] = [];
  let pending: Record<string, unknown>[] = keys;
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    if (attempt > MAX_ATTEMPTS)
      throw new Error(
        `DynamoDB left ${pending.length} keys unprocessed after ${MAX_ATTEMPTS} attempts`,
      );
    const result = await db.send(
      new BatchGetCommand({
        RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } },
      }),
    );
    items.push(...((result.Responses?.[tableName] ?? []) as Record<string, unknown>[]));
    pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
  }
  return items;
}
