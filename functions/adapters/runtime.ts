import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Decision } from "../core/decisions";
import type { RuleSet } from "../core/rules/rule-set";
import { AggregateStore } from "./aggregate-store";
import { type Clock, systemClock } from "./clock";
import { CursorStore } from "./cursor-store";
import { DepartureStore } from "./departure-store";
import { createDocumentClient } from "./dynamo-client";
import type { RuntimeConfig } from "./env";
import { FlowStore } from "./flow-store";
import { LeadStore } from "./lead-store";
import { createSesMailer, type Mailer } from "./mailer";
import { MatchIndex } from "./match-index";
import { Outbox } from "./outbox";
import { OwnerIndex } from "./owner-index";
import { Quarantine } from "./quarantine";
import { ReconcileStore } from "./reconcile-store";
import { RepStore } from "./rep-store";
import { SnapshotStore } from "./snapshot-store";

/** Where decisions are reported once applied: structured logs on Lambda, the console locally. */
export type DecisionReporter = (decision: Decision, context: { source: string }) => void;

/** Everything a handler works with; built once per Lambda container or local runtime. */
export interface Runtime {
  rules: RuleSet;
  leads: LeadStore;
  reps: RepStore;
  aggregates: AggregateStore;
  cursors: CursorStore;
  matches: MatchIndex;
  departures: DepartureStore;
  flows: FlowStore;
  snapshots: SnapshotStore;
  owners: OwnerIndex;
  reconcile: ReconcileStore;
  outbox: Outbox;
  quarantine: Quarantine;
  clock: Clock;
  report: DecisionReporter;
}

export function createRuntime(
  config: RuntimeConfig,
  rules: RuleSet,
  options: {
    clock?: Clock;
    mailer?: Mailer;
    report?: DecisionReporter;
    /** A client of one's own, e.g. one that meters every call (npm run bench). */
    db?: DynamoDBDocumentClient;
  } = {},
): Runtime {
  const db = options.db ?? createDocumentClient(config);
  const mailer = options.mailer ?? createSesMailer(config);
  return {
    rules,
    leads: new LeadStore(db, config.tableName),
    reps: new RepStore(db, config.tableName),
    aggregates: new AggregateStore(db, config.tableName),
    cursors: new CursorStore(db, config.tableName),
    matches: new MatchIndex(db, config.tableName),
    departures: new DepartureStore(db, config.tableName),
    flows: new FlowStore(db, config.tableName),
    snapshots: new SnapshotStore(db, config.tableName),
    owners: new OwnerIndex(db, config.tableName),
    reconcile: new ReconcileStore(db, config.tableName),
    outbox: new Outbox(db, config.tableName, mailer, config.sender ?? rules.settings.sender),
    quarantine: new Quarantine(db, config.tableName),
    clock: options.clock ?? systemClock,
    report: options.report ?? (() => {}),
  };
}
