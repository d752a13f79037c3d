import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Runtime } from "./runtime";

export interface TableAccess {
  db: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * The DynamoDB client and table behind a runtime's stores. The roll-up's snapshot store and
 * byOwner reads and the reconcile scan are not fields of Runtime yet (runtime.ts is shared with
 * other work in progress; adding them there is the follow-up, see docs/rollup.md), so they are
 * built on the aggregate store's client: whatever table a runtime points at — AWS, the local
 * stack, a test's fresh table — they point at too.
 */
export function tableAccessOf(runtime: Runtime): TableAccess {
  const store = runtime.aggregates as unknown as Partial<TableAccess>;
  if (store.db === undefined || typeof store.tableName !== "string") {
    throw new Error("the runtime's aggregate store does not expose its DynamoDB client and table");
  }
  return { db: store.db, tableName: store.tableName };
}
