import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { parseRep, type Rep } from "../core/records/rep";

/** The sales organisation is small next to the leads: it is read whole, from the byKind index. */
export class RepStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async all(): Promise<Map<string, Rep>> {
    const reps = new Map<string, Rep>();
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: "byKind",
        KeyConditionExpression: "kindPk = :kind",
        ExpressionAttributeValues: { ":kind": "REP" },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const rep = parseRep(item);
        reps.set(rep.id, rep);
      }
    }
    return reps;
  }
}
