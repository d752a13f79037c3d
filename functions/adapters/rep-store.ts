import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { RecordError } from "../core/records/record-error";
import { parseRep, type Rep } from "../core/records/rep";
import { kindKeys, repKey } from "./item-keys";

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
        // A malformed rep is left out: its own stream record was quarantined with the reason, and
        // one bad rep must not stop every lead from being distributed.
        try {
          const rep = parseRep(item);
          reps.set(rep.id, rep);
        } catch (error) {
          if (!(error instanceof RecordError)) throw error;
        }
      }
    }
    return reps;
  }

  /** One person, read consistently; undefined when absent or malformed. */
  async get(repId: string): Promise<Rep | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: repKey(repId), ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    try {
      return parseRep(Item);
    } catch (error) {
      if (error instanceof RecordError) return undefined;
      throw error;
    }
  }

  /**
   * A rep written without the byKind keys (a CRM sync that does not know them) is listed; the
   * organisation is read from that index.
   */
  async ensureListed(repId: string): Promise<void> {
    const keys = kindKeys("REP", repId);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: repKey(repId),
          UpdateExpression: "SET kindPk = :kindPk, kindSk = :kindSk",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(kindPk)",
          ExpressionAttributeValues: { ":kindPk": keys.kindPk, ":kindSk": keys.kindSk },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
    }
  }
}
