import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import type { AggregateDelta } from "../core/decisions";
import { aggregateKey, kindKeys } from "./item-keys";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** One aggregate change as a transaction item; always in the same transaction as `counted`. */
export function aggregateUpdate(tableName: string, delta: AggregateDelta): TransactItem {
  const { repId, funnel, stage } = delta;
  const kind = kindKeys("AGG", `${repId}#${funnel}#${stage}`);
  return {
    Update: {
      TableName: tableName,
      Key: aggregateKey(repId, funnel, stage),
      UpdateExpression:
        "ADD #count :count, #amount :amount SET kindPk = :kindPk, kindSk = :kindSk, repId = :rep, funnel = :funnel, stage = :stage",
      ExpressionAttributeNames: { "#count": "count", "#amount": "amount" },
      ExpressionAttributeValues: {
        ":count": delta.count,
        ":amount": delta.amount,
        ":rep": repId,
        ":funnel": funnel,
        ":stage": stage,
        ":kindPk": kind.kindPk,
        ":kindSk": kind.kindSk,
      },
    },
  };
}
