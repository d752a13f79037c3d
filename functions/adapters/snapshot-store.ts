import { type DynamoDBDocumentClient, PutCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { SnapshotFigures, WeekSnapshot } from "../core/rollup/snapshot";
import { concurrently } from "./concurrently";
import { snapshotKey, snapshotKindKeys } from "./item-keys";

// Two years: next week's progress needs only last week's, the rest is history for whoever wants
// to chart a team's quarters; the TTL keeps the table from growing with it forever.
const RETENTION_DAYS = 730;
const PARALLEL_WRITES = 16;

/**
 * Snapshot figures as stored. An empty `stages` map is left out: the local stream poller cannot
 * convert an empty nested map (it throws "Unknown attribute value type"), and nothing is lost.
 */
function storedFigures<T extends SnapshotFigures>(
  figures: T,
): Omit<T, "stages"> & {
  stages?: SnapshotFigures["stages"];
} {
  const { stages, ...rest } = figures;
  return Object.keys(stages).length === 0 ? rest : { ...rest, stages };
}

function figuresOf(value: unknown): SnapshotFigures {
  const item = (value ?? {}) as Record<string, unknown>;
  return {
    forecast: Number(item.forecast ?? 0),
    salesQuarter: Number(item.salesQuarter ?? 0),
    salesOutOfFunnelQuarter: Number(item.salesOutOfFunnelQuarter ?? 0),
    salesWeek: Number(item.salesWeek ?? 0),
    quota: item.quota === undefined || item.quota === null ? null : Number(item.quota),
    stages: (item.stages ?? {}) as SnapshotFigures["stages"],
  };
}

/** The roll-up's weekly snapshots (`SNAP#<rep id>` / `<week>`), a week at a time via byKind. */
export class SnapshotStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every person's snapshot of one reported week, by rep id. */
  async week(week: string): Promise<Map<string, WeekSnapshot>> {
    const snapshots = new Map<string, WeekSnapshot>();
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: "byKind",
        KeyConditionExpression: "kindPk = :kind",
        ExpressionAttributeValues: { ":kind": snapshotKindKeys("", week).kindPk },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const repId = String(item.repId);
        snapshots.set(repId, {
          repId,
          week: String(item.week),
          takenAt: String(item.takenAt),
          own: figuresOf(item.own),
          ...(item.team === undefined
            ? {}
            : { team: { ...figuresOf(item.team), members: Number(item.team.members ?? 0) } }),
        });
      }
    }
    return snapshots;
  }

  /**
   * Writes the snapshots that do not exist yet; one already written for that person and week is
   * kept (the first run after a week fixes its figures). Returns how many were written.
   */
  async putNew(snapshots: readonly WeekSnapshot[], now: number): Promise<number> {
    const expiresAt = Math.floor(now / 1000) + RETENTION_DAYS * 86_400;
    const written = await concurrently(snapshots, PARALLEL_WRITES, async (snapshot) => {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...snapshotKey(snapshot.repId, snapshot.week),
              ...snapshotKindKeys(snapshot.repId, snapshot.week),
              type: "snapshot",
              repId: snapshot.repId,
              week: snapshot.week,
              takenAt: snapshot.takenAt,
              own: storedFigures(snapshot.own),
              team: snapshot.team === undefined ? undefined : storedFigures(snapshot.team),
              expiresAt,
            },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") return false;
        throw error;
      }
    });
    return written.filter(Boolean).length;
  }
}
