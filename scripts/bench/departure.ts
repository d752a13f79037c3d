import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { putItems } from "../../functions/adapters/batch-writer";
import { concurrently } from "../../functions/adapters/concurrently";
import { leadKey } from "../../functions/adapters/item-keys";
import type { Rep } from "../../functions/core/records/rep";
import { MOVE_CONCURRENCY, runDeparture } from "../../functions/handlers/jobs/run-departure";
import {
  type BenchContext,
  type BenchResult,
  fmt,
  meteredRuntime,
  withTable,
} from "./bench-context";
import { emptyMeter } from "./metered-client";
import { repItems, settledAggregates, settledLead, syntheticReps, writeAll } from "./synthetic-org";

const NOW = Date.parse("2026-11-23T01:00:00.000Z");
const LEADS = 10_000;

/**
 * Benchmark 4: a rep with 10,000 leads leaves; the departure job reassigns every one by the
 * distribution rules (conditional on each lead still being theirs). Against the raw rate of
 * conditional single-item updates on the same leads at the same concurrency.
 */
export async function departure(context: BenchContext): Promise<BenchResult> {
  return withTable(
    context,
    "bench-departure",
    async (tableName) => {
      const { runtime, db, meter, decisions } = meteredRuntime(context, tableName, NOW);
      const people = syntheticReps({ people: 56 });
      const sellers = people.filter((r) => r.id.startsWith("rep-"));
      const leaver = sellers[0] as Rep;
      const team = sellers.filter((r) => r.manager === leaver.manager);
      await putItems(db, tableName, [
        ...repItems(people.map((r) => (r.id === leaver.id ? { ...r, status: "left" } : r))),
      ]);
      const plan = { rules: context.rules, now: NOW, sellers: [leaver], dueEvery: 1_000_000 };
      await putItems(db, tableName, settledAggregates(plan, LEADS));
      await writeAll(db, tableName, LEADS, (i) => settledLead(plan, i));

      // The raw comparison: the same leads, the same concurrency, one conditional update each, as
      // the cheapest correct reassignment could be. Its condition holds before the departure
      // (`=`) or after it (`<>`); it changes no engine attribute, so the departure's conditions
      // still hold.
      const ids = Array.from({ length: LEADS }, (_, i) => String(settledLead(plan, i).id));
      const rawPass = async (comparison: "=" | "<>") => {
        const started = performance.now();
        await concurrently(ids, MOVE_CONCURRENCY, async (id) => {
          await db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: leadKey(id),
              UpdateExpression: "SET touchedBy = :by",
              ConditionExpression: `attribute_exists(pk) AND #owner ${comparison} :leaver`,
              ExpressionAttributeNames: { "#owner": "owner" },
              ExpressionAttributeValues: { ":by": "bench", ":leaver": leaver.id },
            }),
          );
        });
        return LEADS / ((performance.now() - started) / 1000);
      };
      // DynamoDB Local's JIT keeps compiling for the first tens of thousands of updates, so every
      // later phase runs faster: a warm-up first, then the raw rate before and after the departure.
      await rawPass("=");
      const rawBefore = await rawPass("=");

      // Where the job's time goes: the moves run 16 at a time, so theirs is a window, not a sum.
      const store = runtime.departures;
      const spans = { read: 0, journal: 0, firstMove: Number.POSITIVE_INFINITY, lastMove: 0 };
      const ownedBy = store.ownedBy.bind(store);
      const move = store.move.bind(store);
      const journal = store.journal.bind(store);
      store.ownedBy = async (...args) => {
        const t = performance.now();
        const leads = await ownedBy(...args);
        spans.read += performance.now() - t;
        return leads;
      };
      store.move = async (...args) => {
        spans.firstMove = Math.min(spans.firstMove, performance.now());
        const moved = await move(...args);
        spans.lastMove = Math.max(spans.lastMove, performance.now());
        return moved;
      };
      store.journal = async (repId, departureId) => {
        const t = performance.now();
        const entries = await journal(repId, departureId);
        spans.journal += performance.now() - t;
        return entries;
      };

      meter.current = emptyMeter();
      const started = performance.now();
      await runDeparture(runtime, { ...leaver, status: "left" }, "bench-departure", NOW);
      const seconds = (performance.now() - started) / 1000;
      Object.assign(store, { ownedBy, move, journal });
      const moveSeconds = (spans.lastMove - spans.firstMove) / 1000;
      const job = meter.current;
      // The raw comparison below must not add to the job's figures.
      meter.current = emptyMeter();
      const moved = decisions.get("reassign") ?? 0;
      if (moved !== LEADS) throw new Error(`the departure reassigned ${moved} of ${LEADS} leads`);
      const left = await runtime.departures.ownedBy(leaver.id);
      if (left.length > 0) throw new Error(`${left.length} leads are still the leaver's`);

      const rawAfter = await rawPass("<>");
      const rawRate = (rawBefore + rawAfter) / 2;

      // For context, not the target: the same update when it also moves the lead's byOwner entry,
      // which any reassignment must (DynamoDB Local maintains the index inside the write).
      const indexedStarted = performance.now();
      const numbered = ids.map((id, i) => ({ id, i }));
      await concurrently(numbered, MOVE_CONCURRENCY, async ({ id, i }) => {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: leadKey(id),
            UpdateExpression: "SET touchedBy = :by, ownerPk = :pk, ownerSk = :sk",
            ConditionExpression: "attribute_exists(pk) AND #owner <> :leaver",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: {
              ":by": "bench-indexed",
              ":leaver": leaver.id,
              ":pk": `OWNER#bench-${i % 4}`,
              ":sk": `bench#${id}`,
            },
          }),
        );
      });
      const indexedRate = LEADS / ((performance.now() - indexedStarted) / 1000);
      const rate = LEADS / seconds;
      const ratio = rate / rawRate;
      return {
        id: "departure",
        title: "Departure",
        figures: [
          [
            "Leads of the leaver, reassigned within a team of",
            `${fmt(LEADS)} → ${team.length - 1} reps`,
          ],
          ["Departure job", `${fmt(rate)} leads/s (${seconds.toFixed(1)} s)`],
          [
            "The same update also moving the lead's byOwner entry (context)",
            `${fmt(indexedRate)} updates/s; the moves reach ${((LEADS / moveSeconds / indexedRate) * 100).toFixed(0)} % of it`,
          ],
          [
            "Where the job's time went",
            `reading the leaver's leads ${(spans.read / 1000).toFixed(1)} s, the moves ${moveSeconds.toFixed(1)} s (${fmt(LEADS / moveSeconds)} moves/s = ${((LEADS / moveSeconds / rawRate) * 100).toFixed(0)} % of the raw rate), the journal ${(spans.journal / 1000).toFixed(1)} s, the rest (plan, people, emails) ${(seconds - spans.read / 1000 - moveSeconds - spans.journal / 1000).toFixed(1)} s`,
          ],
          [
            `Raw conditional UpdateItem, ${MOVE_CONCURRENCY} in flight`,
            `${fmt(rawRate)} updates/s (the mean of ${fmt(rawBefore)} before the departure and ${fmt(rawAfter)} after it)`,
          ],
          [
            "Items written per lead",
            `${(job.itemsWritten / LEADS).toFixed(2)} (the lead, which carries the departure's journal keys)`,
          ],
          [
            "Calls",
            [...job.byCommand].map(([c, n]) => `${c.replace("Command", "")} ${fmt(n)}`).join(", "),
          ],
          ["Items read per lead", (job.itemsRead / LEADS).toFixed(2)],
        ],
        ratio: `${(ratio * 100).toFixed(0)} % of the raw conditional-update rate`,
        target: "≥ 70 % of the raw conditional-update rate at the same concurrency",
        met: ratio >= 0.7,
        notes: [
          "Each move is one conditional UpdateItem of the lead (still the leaver's, at its version) that also sets the departure's journal keys (kindPk HANDOFF#<rep>#<departure>, listed by the byKind index), so a crash or a replay never moves a lead twice and a move cannot lose its journal entry. The handoff emails read the journal back in one query.",
          "The move leaves `counted` as it was: each lead's own stream record then moves the aggregates and writes the owner-change history, as for an owner change a CRM writes, off the departure's path; that is the stream path's cost (benchmark 3).",
          "Before: one transaction per move of lead, journal item and aggregates. DynamoDB Local serialises transactions, and the moves all updated the leaver's aggregate items, so DynamoDB cancelled them against each other: 22 % of the raw rate.",
          "The moves alone run at about three quarters of the raw rate (69–79 % over several runs): each changes two index keys (the lead leaves the leaver's byOwner partition and joins the journal on byKind), which DynamoDB Local maintains inside the write; the plain raw update changes none. Leaving the journal keys out of the move was tried and measured no faster (76 %), so the journal stays on the lead. The rest of the gap is the job's own work before and after the moves: reading the leaver's 10,000 leads (about 0.8 s, in sort-key ranges split at the stages and read side by side; 1.0 s page after page), planning them (about 0.25 s of CPU: A-grade leads first, so the plan needs every lead before the first move) and queuing the handoff emails (now side by side). A first run reads no journal back (a retry does).",
        ],
      };
    },
    // No stream: DynamoDB Local looks the stream up on every write, slower with every record it
    // keeps (an emulator cost AWS does not have), so the raw phases, run after the departure's
    // writes, would be slowed by them. The aggregates' follow-up through each lead's stream record
    // is the stream path's cost, benchmark 3.
    { stream: false },
  );
}
