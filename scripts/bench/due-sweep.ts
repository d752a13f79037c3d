import { paginateScan } from "@aws-sdk/lib-dynamodb";
import { putItems } from "../../functions/adapters/batch-writer";
import { queryDue } from "../../functions/adapters/due-index";
import { dueUpTo } from "../../functions/adapters/item-keys";
import { DUE_SHARDS } from "../../functions/adapters/table-design";
import { runSweep } from "../../functions/handlers/jobs/run-sweep";
import {
  type BenchContext,
  type BenchResult,
  fmt,
  meteredRuntime,
  withTable,
} from "./bench-context";
import { emptyMeter } from "./metered-client";
import {
  repItems,
  sellersOf,
  settledAggregates,
  settledLead,
  syntheticReps,
  writeAll,
} from "./synthetic-org";

const NOW = Date.parse("2026-11-23T01:00:00.000Z");
const DUE_EVERY = 100;

interface SweepFigures {
  leads: number;
  due: number;
  indexRead: number;
  indexPages: number;
  indexBytes: number;
  indexUnits: number;
  scanUnits: number;
  jobRead: number;
  scanRead: number;
  scanPages: number;
  loadRate: number;
}

/**
 * Benchmark 1: items (and bytes) the dwell sweep reads per item due, on the sparse sharded byDue
 * index, against a Scan-and-filter sweep of the same table, at each size.
 */
export async function dueSweep(context: BenchContext): Promise<BenchResult> {
  const rows: SweepFigures[] = [];
  for (const size of context.sizes) {
    rows.push(
      await withTable(context, `bench-sweep-${size}`, async (tableName) => {
        const { runtime, db, meter } = meteredRuntime(context, tableName, NOW);
        const reps = syntheticReps({ people: context.people });
        const plan = {
          rules: context.rules,
          now: NOW,
          sellers: sellersOf(reps),
          dueEvery: DUE_EVERY,
        };
        await putItems(db, tableName, [...repItems(reps), ...settledAggregates(plan, size)]);
        context.log(`sweep: writing ${fmt(size)} leads…`);
        const loadRate = await writeAll(
          db,
          tableName,
          size,
          (i) => settledLead(plan, i),
          8,
          (n) => context.log(`sweep: ${fmt(n)} of ${fmt(size)} leads written`),
        );
        const due = Math.ceil(size / DUE_EVERY);

        meter.current = emptyMeter();
        const found = await queryDue(db, tableName, "DWELL", new Date(NOW).toISOString());
        const index = meter.current;
        if (found.length !== due)
          throw new Error(`the due index found ${found.length} leads, ${due} are due`);

        meter.current = emptyMeter();
        await runSweep(runtime, NOW, `bench@${size}`);
        const job = meter.current;

        meter.current = emptyMeter();
        let naiveDue = 0;
        for await (const page of paginateScan(
          { client: db },
          {
            TableName: tableName,
            FilterExpression: "begins_with(duePk, :dwell) AND dueSk <= :upTo",
            ExpressionAttributeValues: {
              ":dwell": "DWELL#",
              ":upTo": dueUpTo(new Date(NOW).toISOString()),
            },
          },
        ))
          naiveDue += page.Items?.length ?? 0;
        const scan = meter.current;
        // The sweep moved the due leads' timers on, so the scan finds none left: it still reads all.
        context.log(
          `sweep: ${fmt(size)} leads, ${fmt(due)} due, scan still found ${fmt(naiveDue)}`,
        );
        return {
          leads: size,
          due,
          indexRead: index.itemsRead,
          indexPages: index.pages,
          indexBytes: index.bytesRead,
          jobRead: job.itemsRead,
          scanRead: scan.itemsRead,
          indexUnits: index.readUnits,
          scanUnits: scan.readUnits,
          scanPages: scan.pages,
          loadRate,
        };
      }),
    );
  }
  const figures: [string, string][] = [];
  for (const r of rows) {
    const label = `${fmt(r.leads)} leads, ${fmt(r.due)} due`;
    figures.push(
      [
        `${label}: byDue index, items read ÷ due`,
        `${(r.indexRead / r.due).toFixed(3)} (${fmt(r.indexRead)} items, ${r.indexPages} pages, ${fmt(r.indexBytes / 1024)} KiB, ${fmt(r.indexUnits)} read units)`,
      ],
      [
        `${label}: whole sweep job, items read ÷ due`,
        `${(r.jobRead / r.due).toFixed(3)} (${fmt(r.jobRead)} items incl. ${fmt(context.people)} people)`,
      ],
      [
        `${label}: Scan-and-filter, items read ÷ due`,
        `${(r.scanRead / r.due).toFixed(1)} (${fmt(r.scanRead)} items, ${r.scanPages} pages, ${fmt(r.scanUnits)} read units)`,
      ],
      [
        `${label}: Scan ÷ byDue`,
        `${(r.scanRead / r.indexRead).toFixed(1)}× the items, ${(r.scanUnits / Math.max(r.indexUnits, 0.5)).toFixed(1)}× the read units`,
      ],
      [`${label}: load rate (BatchWriteItem, 8 in flight)`, `${fmt(r.loadRate)} items/s`],
    );
  }
  const ratios = rows.map((r) => r.indexRead / r.due);
  const first = ratios[0] ?? 0;
  const last = ratios[ratios.length - 1] ?? 0;
  const pagesOk = rows.every(
    (r) => r.indexPages <= Math.ceil(r.indexBytes / 1_048_576) + DUE_SHARDS,
  );
  const met = ratios.every((x) => x <= 1.05) && pagesOk && Math.abs(last - first) <= 0.01;
  return {
    id: "due-sweep",
    title: "Due sweep cost",
    figures,
    ratio: `${ratios.map((x) => x.toFixed(3)).join(" → ")} items read per item due (${rows.map((r) => fmt(r.leads)).join(" → ")} leads)`,
    target: `≤ 1.05 items read per item due plus one page per shard (${DUE_SHARDS}), unchanged when the table grows 10×`,
    met,
    notes: [
      "Leads are written in the state the stream path leaves them (owner keys, dwell timer, counted), 1 % with a timer in the past.",
      "The whole job also reads every person once (the digests need names and managers), which is a cost per organisation, not per lead.",
      "The Scan-and-filter sweep is what a table without the byDue index would need; it runs after the real sweep on the same table.",
    ],
  };
}
