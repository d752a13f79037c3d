import { AggregateStore } from "../adapters/aggregate-store";
import { concurrently } from "../adapters/concurrently";
import { CursorStore } from "../adapters/cursor-store";
import { FlowStore } from "../adapters/flow-store";
import { Outbox } from "../adapters/outbox";
import { ReconcileStore } from "../adapters/reconcile-store";
import { RepStore } from "../adapters/rep-store";
import { SnapshotStore } from "../adapters/snapshot-store";
import {
  checkTable,
  describeAccessError,
  type OpenTable,
  openTable,
  TableAccessError,
  type TableTarget,
} from "../adapters/table-access";
import type { PlanRecords } from "../core/plan/plan-types";
import type { Rep } from "../core/records/rep";
import type { WeekSnapshot } from "../core/rollup/snapshot";

export type TableLocation = TableTarget;

/** What a plan needs beyond the leads and reps, which depends on the rule versions compared. */
export interface RecordNeeds {
  flowWeeks: readonly string[];
  snapshotWeeks: readonly string[];
  /** The outbox keys to look up, once the organisation is known. */
  outboxKeys(reps: ReadonlyMap<string, Rep>): string[];
}

/** The source could not be read: one line for the person at the terminal, exit 1. */
export class SourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SourceError";
  }
}

/** The only operations `funnel plan` sends; anything else is refused before it leaves. */
const READS = new Set([
  "GetItemCommand",
  "BatchGetItemCommand",
  "QueryCommand",
  "ScanCommand",
  "DescribeTableCommand",
]);

/**
 * The shared maintenance clients (adapters/table-access.ts), made read-only: every write (Put,
 * Update, Delete, BatchWrite, Transact…) fails before it is sent, so a plan never changes the
 * table whatever code path runs.
 */
export function openReadOnly(location: TableLocation): OpenTable {
  // The SDK warns on every start that its 2027 releases need Node 22; the README says so once.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const open = openTable(location);
  for (const stack of new Set([open.client.middlewareStack, open.db.middlewareStack])) {
    stack.add(
      (next, context) => async (args) => {
        if (!READS.has(context.commandName ?? "")) {
          throw new Error(`funnel plan only reads; it refused to send ${context.commandName}`);
        }
        return next(args);
      },
      { step: "initialize", name: "funnelPlanReadOnly" },
    );
  }
  return open;
}

export function describeTable(location: TableLocation): string {
  const where =
    location.endpoint ?? (location.region === undefined ? "AWS" : `AWS ${location.region}`);
  return `table ${location.table} (${where})`;
}

/**
 * Everything a plan evaluates, read from the table through the engine's own stores (read only):
 * a consistent scan of the leads (as `funnel reconcile` does), the organisation, aggregates and
 * cursors from byKind, the flow counters and snapshots of the weeks the rules need, and which
 * roll-ups are already in the outbox.
 */
export async function readTableRecords(
  location: TableLocation,
  needs: RecordNeeds,
): Promise<PlanRecords> {
  const open = openReadOnly(location);
  const { db } = open;
  const { table } = location;
  try {
    await checkTable(open, location);
    const reps = await new RepStore(db, table).all();
    const [scan, holdings, flows, cursors] = await Promise.all([
      new ReconcileStore(db, table).scanLeads(),
      new AggregateStore(db, table).all(),
      new FlowStore(db, table).weeks(needs.flowWeeks),
      new CursorStore(db, table).all(),
    ]);
    const snapshotStore = new SnapshotStore(db, table);
    const snapshots = new Map<string, ReadonlyMap<string, WeekSnapshot>>();
    for (const week of needs.snapshotWeeks) snapshots.set(week, await snapshotStore.week(week));
    const outbox = new Outbox(
      db,
      table,
      { send: () => Promise.reject(new Error("funnel plan sends no email")) },
      "",
    );
    const keys = [...new Set(needs.outboxKeys(reps))];
    const found = await concurrently(keys, 16, async (key) =>
      (await outbox.get(key)) === undefined ? undefined : key,
    );
    return {
      leads: scan.leads,
      reps,
      holdings,
      flows,
      cursors,
      snapshots,
      outboxKeys: new Set(found.filter((key): key is string => key !== undefined)),
      unreadable: scan.unreadable,
    };
  } catch (error) {
    if (error instanceof TableAccessError) throw new SourceError(error.message, { cause: error });
    throw new SourceError(describeAccessError(error, location), { cause: error });
  } finally {
    open.close();
  }
}
