import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { fixedClock } from "../../functions/adapters/clock";
import type { Mailer } from "../../functions/adapters/mailer";
import { createRuntime, type Runtime } from "../../functions/adapters/runtime";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { createTable, deleteTable, type LocalStack } from "../../functions/local/local-stack";
import { emptyMeter, type Meter, meteredDocumentClient } from "./metered-client";

/** What every benchmark gets: the local stack, the shipped rules, sizes, and a place to log. */
export interface BenchContext {
  stack: LocalStack;
  rules: RuleSet;
  /** Lead counts for the size-dependent benchmarks, smallest first. */
  sizes: number[];
  /** People in the organisation (reps and managers). */
  people: number;
  log(line: string): void;
}

/** One benchmark's outcome: the figures it measured and whether its target holds. */
export interface BenchResult {
  id: string;
  title: string;
  /** Rows of the results table: what, then the measured value as text. */
  figures: [string, string][];
  /** The headline ratio and its target, e.g. "1.00 items read per item due" / "≤ 1.05". */
  ratio: string;
  target: string;
  met: boolean;
  /** Why a target is missed, or what the figure leaves out. */
  notes: string[];
}

export type Benchmark = (context: BenchContext) => Promise<BenchResult | BenchResult[]>;

/** An email sink: the benchmarks measure the store, not the SES stand-in. */
export const discardingMailer = (): Mailer & { sent: number } => {
  const mailer = {
    sent: 0,
    async send() {
      mailer.sent += 1;
      return `bench-${mailer.sent}`;
    },
  };
  return mailer;
};

/** A table of its own for one benchmark, deleted afterwards. */
export async function withTable<T>(
  context: BenchContext,
  name: string,
  work: (tableName: string) => Promise<T>,
  options: { stream?: boolean } = {},
): Promise<T> {
  await createTable(context.stack.clientConfig, name, options);
  try {
    return await work(name);
  } finally {
    await deleteTable(context.stack.clientConfig, name);
  }
}

/** The real runtime on a metered client; `meter.current` can be swapped between phases. */
export function meteredRuntime(
  context: BenchContext,
  tableName: string,
  now: number,
): {
  runtime: Runtime;
  db: DynamoDBDocumentClient;
  meter: { current: Meter };
  mailer: ReturnType<typeof discardingMailer>;
  /** Decisions the runtime reported, by kind. */
  decisions: Map<string, number>;
} {
  const meter = { current: emptyMeter() };
  const decisions = new Map<string, number>();
  const db = meteredDocumentClient(context.stack.clientConfig, meter);
  const mailer = discardingMailer();
  const runtime = createRuntime(
    {
      tableName,
      rulesDir: "rules",
      region: context.stack.region,
      dynamoEndpoint: context.stack.dynamoEndpoint,
      sesEndpoint: context.stack.sesEndpoint,
    },
    context.rules,
    {
      db,
      mailer,
      clock: fixedClock(now),
      report: (decision) => decisions.set(decision.kind, (decisions.get(decision.kind) ?? 0) + 1),
    },
  );
  return { runtime, db, meter, mailer, decisions };
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
