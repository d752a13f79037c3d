import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import type { AggregateDelta } from "../core/decisions";
import type { FlowDelta } from "../core/flow";
import { aggregateKey, flowKey, kindKeys } from "./item-keys";

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

/** One week's flow counters for one rep and stage (see core/flow.ts), added to, never set. */
export function flowUpdate(tableName: string, delta: FlowDelta): TransactItem {
  const counters = Object.entries(delta.counts).filter(([, n]) => n !== 0);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {
    ":rep": delta.repId,
    ":week": delta.week,
    ":funnel": delta.funnel,
    ":stage": delta.stage,
    ":kindPk": `FLOW#${delta.week}`,
    ":kindSk": `${delta.repId}#${delta.funnel}#${delta.stage}`,
  };
  counters.forEach(([counter, n], i) => {
    names[`#c${i}`] = counter;
    values[`:c${i}`] = n;
  });
  const add = counters.map((_, i) => `#c${i} :c${i}`).join(", ");
  return {
    Update: {
      TableName: tableName,
      Key: flowKey(delta.repId, delta.week, delta.funnel, delta.stage),
      UpdateExpression: `${add ? `ADD ${add} ` : ""}SET repId = :rep, week = :week, funnel = :funnel, stage = :stage, kindPk = :kindPk, kindSk = :kindSk`,
      ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
      ExpressionAttributeValues: values,
    },
  };
}
