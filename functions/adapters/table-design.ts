import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The single-table design, declared once: the CDK stack (infra/) and the local stack both build the
 * table from this object, and a test checks that the synthesized template matches it.
 * docs/data-model.md explains each item type and index.
 */
export const tableDesign = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  indexes: {
    /** Leads by owner, so a departure reads one rep's leads without a scan. */
    byOwner: { partitionKey: "ownerPk", sortKey: "ownerSk" },
    /**
     * Sparse, sharded timers: only items with something due (a dwell check, a cooldown end, a pending
     * email) carry duePk/dueSk, so a sweep reads what is due and nothing else. Sharding spreads the
     * write load of "everything due tomorrow morning" over several partitions.
     */
    byDue: { partitionKey: "duePk", sortKey: "dueSk" },
    /** Small item families listed whole (reps, aggregates) without a scan. */
    byKind: { partitionKey: "kindPk", sortKey: "kindSk" },
  },
} as const;

export type IndexName = keyof typeof tableDesign.indexes;

/**
 * The items whose stream records drive the engine: leads and reps. History, counters, outbox and
 * the rest are written by the functions themselves, so the stream function's event source filters
 * them out (infra) and the local poller does the same.
 */
export const STREAM_SORT_KEYS = ["LEAD", "REP"] as const;

/** Number of shards of the byDue index; a sweep queries each shard once. */
export const DUE_SHARDS = 8;

/**
 * The table as deployed. `stream: false` is for benchmark tables that only measure reads: DynamoDB
 * Local looks up the stream on every write, and with hundreds of thousands of stream records that
 * lookup slows every later write on the same JVM to a crawl.
 */
export function createTableInput(
  tableName: string,
  options: { stream?: boolean } = {},
): CreateTableCommandInput {
  const keyAttributes = new Set<string>([tableDesign.partitionKey, tableDesign.sortKey]);
  for (const index of Object.values(tableDesign.indexes)) {
    keyAttributes.add(index.partitionKey);
    keyAttributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [...keyAttributes].map((name) => ({
      AttributeName: name,
      AttributeType: "S",
    })),
    KeySchema: [
      { AttributeName: tableDesign.partitionKey, KeyType: "HASH" },
      { AttributeName: tableDesign.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: Object.entries(tableDesign.indexes).map(([name, index]) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: "HASH" },
        { AttributeName: index.sortKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
    StreamSpecification:
      options.stream === false
        ? { StreamEnabled: false }
        : { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  };
}
