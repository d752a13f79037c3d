import { type BaseFigures, baseFigures } from "./figures";
import { ownSet, teamSet } from "./member-set";
import type { RollupData } from "./rollup-data";

/** The figures of one week kept for next week's progress and growth. */
export interface SnapshotFigures {
  forecast: number;
  /** Sales of the quarter through the end of the week (out-of-funnel included). */
  salesQuarter: number;
  salesOutOfFunnelQuarter: number;
  salesWeek: number;
  quota: number | null;
  /** "<funnel>#<stage>" → what was held, for stages holding anything. */
  stages: Record<string, { count: number; amount: number }>;
}

/**
 * One person's figures at the end of a reported week, stored as `SNAP#<rep id>` / `<week>`. `own`
 * is what the person holds and sells themselves (weekly progress sums these over a team's current
 * members); a manager's `team` keeps the whole subtree as it was, for the record.
 * The first roll-up run after the week writes it and later runs keep it, so every level's report
 * that week, and next week's progress, use the same cut-off.
 */
export interface WeekSnapshot {
  repId: string;
  /** The reported week (its Monday) whose end this records. */
  week: string;
  /** When it was taken: the first roll-up run after the week. */
  takenAt: string;
  own: SnapshotFigures;
  team?: SnapshotFigures & { members: number };
}

export function snapshotFigures(base: BaseFigures): SnapshotFigures {
  const stages: SnapshotFigures["stages"] = {};
  for (const stage of base.stages) {
    if (stage.count === 0 && stage.amount === 0) continue;
    stages[`${stage.funnel}#${stage.stage}`] = { count: stage.count, amount: stage.amount };
  }
  return {
    forecast: base.forecast,
    salesQuarter: base.sales.quarter,
    salesOutOfFunnelQuarter: base.sales.quarterOutOfFunnel,
    salesWeek: base.sales.week,
    quota: base.quota,
    stages,
  };
}

/** The reported week's snapshot of every person in the organisation (or of those `wanted`). */
export function takeSnapshots(
  data: RollupData,
  takenAt: string,
  wanted: (repId: string) => boolean = () => true,
): WeekSnapshot[] {
  const snapshots: WeekSnapshot[] = [];
  for (const rep of data.reps.values()) {
    if (!wanted(rep.id)) continue;
    const own = snapshotFigures(baseFigures(data, ownSet(data.tree, rep)));
    const manages = data.tree.reports(rep.id).length > 0;
    const team = manages ? teamSet(data.tree, rep) : undefined;
    snapshots.push({
      repId: rep.id,
      week: data.week,
      takenAt,
      own,
      ...(team === undefined
        ? {}
        : {
            team: { ...snapshotFigures(baseFigures(data, team)), members: team.memberIds.length },
          }),
    });
  }
  return snapshots.sort((a, b) => (a.repId < b.repId ? -1 : a.repId > b.repId ? 1 : 0));
}
