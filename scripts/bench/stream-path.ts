import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { putItems } from "../../functions/adapters/batch-writer";
import { concurrently } from "../../functions/adapters/concurrently";
import { leadKey } from "../../functions/adapters/item-keys";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { createStreamPoller } from "../../functions/local/stream-poller";
import {
  type BenchContext,
  type BenchResult,
  fmt,
  meteredRuntime,
  withTable,
} from "./bench-context";
import { emptyMeter, type Meter } from "./metered-client";
import { openStages, repItems, sellersOf, settledLead, syntheticReps } from "./synthetic-org";

const NOW = Date.parse("2026-11-23T01:00:00.000Z");
const EVENTS = 2_000;
/** Rounds of EVENTS changes; the round with the median ratio is reported. */
const ROUNDS = 3;

interface Round {
  rate: number;
  raw: number;
  rawBefore: number;
  rawAfter: number;
  perEvent: number;
  ratio: number;
  handled: Meter;
  handler: { ms: number; records: number };
  elapsedMs: number;
  writeMs: number;
}

/**
 * Benchmark 3: stage changes a CRM writes, carried through DynamoDB Streams, the Lambda-faithful
 * poller and the real stream handler, per second; against single writes to DynamoDB Local one
 * after another (the handler applies a shard's records in order), in the same run.
 */
export async function streamPath(context: BenchContext): Promise<BenchResult> {
  return withTable(context, "bench-stream", async (tableName) => {
    const { runtime, db, meter, decisions } = meteredRuntime(context, tableName, NOW);
    // The raw comparison runs on the same table, around each round of the engine: DynamoDB Local
    // slows down as its stream records pile up (docs/reliability.md), so a rate measured once,
    // first, would compare a fresh store with the one the engine met.
    const rawPass = async (stage: string) => {
      const started = performance.now();
      for (let i = 0; i < EVENTS; i += 1)
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `RAW#${i}`, sk: "RAW" },
            UpdateExpression: "SET stage = :stage, updatedBy = :by",
            ExpressionAttributeValues: { ":stage": stage, ":by": "bench" },
          }),
        );
      return EVENTS / ((performance.now() - started) / 1000);
    };
    // The first pass warms DynamoDB Local's JIT up and is not counted; the engine runs warm too.
    await rawPass("contacted");
    const people = syntheticReps({ people: 56 });
    const sellers = sellersOf(people);
    await putItems(db, tableName, repItems(people));
    // Each round moves leads of its own, settled in an open stage that has a next one, as the
    // stream path would have left them; all are written before the poller starts reading.
    const stages = openStages(context.rules);
    const rounds = Array.from({ length: ROUNDS }, (_, r) => {
      const plan = {
        rules: context.rules,
        now: NOW,
        sellers,
        dueEvery: 1_000_000,
        prefix: `R${r}L`,
      };
      return Array.from({ length: EVENTS }, (_, i) => settledLead(plan, i * stages.length));
    });
    for (const leads of rounds) await putItems(db, tableName, leads);

    const inHandler = { ms: 0, records: 0 };
    const poller = createStreamPoller({
      clientConfig: context.stack.clientConfig,
      tableName,
      handler: async (event) => {
        const t = performance.now();
        try {
          return await handleStreamEvent(runtime, event);
        } finally {
          inHandler.ms += performance.now() - t;
          inHandler.records += event.Records.length;
        }
      },
      startAt: "LATEST",
      batchSize: 100,
    });
    // Fixes the shards' starting point after the seed, which the benchmark does not time.
    await poller.pollOnce();

    const next = new Map(stages.map((s, i) => [s.id, stages[i + 1]?.id ?? s.id]));
    const measured: Round[] = [];
    let rawBefore = await rawPass("lead");
    for (const leads of rounds) {
      // The raw pass's own stream records are read (and filtered out) here, not in the timed drain.
      await poller.drain({ timeoutMs: 600_000 });
      const writesStarted = performance.now();
      await concurrently(leads, 8, async (item) => {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: leadKey(String(item.id)),
            UpdateExpression: "SET stage = :stage, updatedBy = :by",
            ExpressionAttributeValues: { ":stage": next.get(String(item.stage)), ":by": "crm" },
          }),
        );
      });
      const writeMs = performance.now() - writesStarted;

      meter.current = emptyMeter();
      inHandler.ms = 0;
      inHandler.records = 0;
      const started = performance.now();
      await poller.drain({ timeoutMs: 600_000 });
      const elapsedMs = performance.now() - started;
      const handled = meter.current;
      const handler = { ...inHandler };
      meter.current = emptyMeter();
      const rawAfter = await rawPass(measured.length % 2 === 0 ? "contacted" : "lead");
      const rate = EVENTS / (elapsedMs / 1000);
      const raw = (rawBefore + rawAfter) / 2;
      const perEvent = handled.itemsWritten / EVENTS;
      measured.push({
        rate,
        raw,
        rawBefore,
        rawAfter,
        perEvent,
        ratio: (rate * perEvent) / raw,
        handled,
        handler,
        elapsedMs,
        writeMs,
      });
      rawBefore = rawAfter;
    }
    await poller.stop();

    const transitions = decisions.get("transition") ?? 0;
    if (transitions !== EVENTS * ROUNDS)
      throw new Error(
        `the handler reported ${transitions} transitions for ${EVENTS * ROUNDS} stage changes`,
      );
    const median = [...measured].sort((a, b) => a.ratio - b.ratio)[Math.floor(ROUNDS / 2)] as Round;
    const { rate, raw, rawAfter, perEvent, handled, handler, elapsedMs, writeMs } = median;
    const target = (0.7 * raw) / perEvent;
    context.log(
      `stream: ${fmt(EVENTS)} changes written by the CRM stand-in in ${fmt(writeMs)} ms (median round)`,
    );
    return {
      id: "stream-path",
      title: "Stream path",
      figures: [
        [
          "Stage changes (one per lead, each to the next stage)",
          `${fmt(EVENTS)} in each of ${ROUNDS} rounds; the round with the median ratio is shown`,
        ],
        [
          "Engine rate ÷ (raw rate ÷ items written per change), each round",
          measured.map((m) => m.ratio.toFixed(2)).join(", "),
        ],
        ["Processed end to end (stream → poller → handler → table)", `${fmt(rate)} changes/s`],
        [
          "Raw write rate of DynamoDB Local (UpdateItem, one after another, same table)",
          `${fmt(raw)} writes/s (${fmt(median.rawBefore)} before the round, ${fmt(rawAfter)} after)`,
        ],
        [
          "Items written per change",
          `${perEvent.toFixed(2)} (${fmt(handled.itemsWritten)} items in ${fmt(handled.writeRequests)} transactions or batches)`,
        ],
        ["Items read per change", (handled.itemsRead / EVENTS).toFixed(2)],
        [
          "Where the time went",
          `${fmt(handler.records)} stream records (each change, then the engine's own write-back of it); in the handler ${((handler.ms / elapsedMs) * 100).toFixed(0)} % of the time, ${(handler.ms / handler.records).toFixed(1)} ms per record; the rest is reading the stream`,
        ],
        [
          "Items written per change, by kind",
          [...handled.writesByKind]
            .map(([kind, n]) => `${kind} ${(n / EVENTS).toFixed(2)}`)
            .join(", "),
        ],
        [
          "Calls",
          [...handled.byCommand]
            .map(
              ([c, n]) =>
                `${c.replace("Command", "")} ${fmt(n)} (${((handled.msByCommand.get(c) ?? 0) / n).toFixed(1)} ms each)`,
            )
            .join(", "),
        ],
        [
          "Engine rate ÷ (raw rate ÷ items written per change)",
          `${((rate * perEvent) / raw).toFixed(2)}`,
        ],
      ],
      ratio: `${fmt(rate)} changes/s = ${(((rate * perEvent) / raw) * 100).toFixed(0)} % of raw ÷ ${perEvent.toFixed(2)} writes per change (the rate ${rate >= target ? "meets" : "misses"} its part, the writes per change ${perEvent <= 3 ? "meet" : "miss"} theirs)`,
      target: "≥ 70 % of the raw write rate ÷ writes per change, ≤ 3 writes per change",
      met: rate >= target && perEvent <= 3,
      notes: [
        "One change is one TransactWriteItems request of 4 items: the lead's engine attributes, its history entry (keyed by the stream record, which makes a replay a no-op), the rep's one aggregate item for the funnel (from-stage −1 and to-stage +1 are attributes of it) and the rep's one flow item for the week and funnel (the counters of both stages); each item counts as a write.",
        "The raw rate is measured on the same table before and after each round of the engine, and the mean is compared; of three rounds the median ratio is reported, since one round's ratio varied by ±5 points from run to run. It used to be measured on a table of its own, first: DynamoDB Local keeps every stream record, even a deleted table's, and slows down as they pile up (docs/reliability.md), so the engine ran on a slower store than the raw writes had and this benchmark reported 86 changes/s = 45 %.",
        "A stage change that keeps the lead with its owner reads nothing: whether the owner has left is checked only when a change moves the lead's count to another rep (before, every change read the owner's rep item, 1 read and about 1.2 ms per change here). The raw write is one item with no index keys; a change's lead write moves its byDue and byOwner entries. The counter items keep no index copy (each kind is one partition). The local poller filters records as the deployed event source does (leads and reps only), so the engine's own items do not reach the handler.",
        "The duplicate index is written only when a lead's match keys or openness change (most stage changes write none); the bench found it rewritten on every change before.",
        "≤ 3 is missed by one item, by choice. Earlier designs wrote 6 items (an aggregate and a flow item per stage) and 8 (the duplicate index on every change). The history entry is the lead's audit trail and is keyed by the stream record, so a replay adds none; it stays an item. The one way to 3 is to keep the current week's flow counters on the aggregate item and move them to a weekly item afterwards. DynamoDB bills a write by the size of the whole item, so that item (about 2.5 KB with a week of counters) would cost what the two small items cost now, and it would need a compaction job that, if it ever stopped running, would let every rep's item grow towards the 400 KB limit and every write's cost with it. One item fewer in the count, none in the bill, and a new way to fail: not done.",
      ],
    };
  });
}
