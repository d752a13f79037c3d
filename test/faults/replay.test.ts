import type { DynamoDBStreamEvent } from "aws-lambda";
import { describe, expect, it, onTestFinished } from "vitest";
import type { DepartureStore } from "../../functions/adapters/departure-store";
import type { LeadStore } from "../../functions/adapters/lead-store";
import type { Outbox } from "../../functions/adapters/outbox";
import type { Runtime } from "../../functions/adapters/runtime";
import type { Lead } from "../../functions/core/records/lead";
import { logger } from "../../functions/handlers/runtime-from-env";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { createStreamPoller, type StreamPoller } from "../../functions/local/stream-poller";
import { expectAggregatesMatchRecount } from "../support/aggregate-recount";
import { anEventPath, type EventPath } from "../support/event-path";
import { aFreshLead, anEventPathRuleSet, aSeller, aTeam } from "../support/event-path-factories";
import { faultFigures, faultSeed, trials } from "../support/fault-figures";
import { withStores } from "../support/faulty-stores";
import { useLocalStack } from "../support/local-stack";
import { seededRandom } from "../support/scheduled-path-factories";

/*
 * One seeded workload of a CRM and an HR sync — new leads, stage changes forward, back and
 * skipping stages, abandoned leads, sales, owners changed by hand, a rep leaving — written to two
 * fresh tables. The first table's stream is delivered once, to a healthy handler. The second's
 * delivers every batch twice, and its stores fail at random — before the write, or after it with
 * the answer lost — on applyChange, on a departure's move and on the outbox, so the handler
 * reports batch item failures and the poller redelivers from the failed record. After both drain,
 * the second table must hold exactly what the first holds.
 *
 * Both tables must see the same "now" for each change, or entry times, due times, flow-counter
 * weeks and pool-notice days would differ by the wall clock between the two runs: every write
 * carries the writer's logical time (`syncedAt`, epoch seconds), and both pollers hand the handler
 * each record with its creation time set to it — the engine's own write-backs keep the `syncedAt`
 * of the write they answer. Sequence numbers (history keys, departure ids) differ between tables
 * and are compared as "<seq>".
 */

const stack = useLocalStack("faults");
const figures = faultFigures("replay");
// The suite provokes thousands of expected failures; the handler's error log would drown the output.
logger.setLogLevel("SILENT");

type Item = Record<string, unknown>;

const STAGES = [
  "resource",
  "graded",
  "contacted",
  "lead",
  "intent",
  "signed",
  "implemented",
  "abandoned",
] as const;
const SIGNED = 5;
const IMPLEMENTED = 6;
const ABANDONED = 7;
const LEAVER = "rep-x";
const SELLERS = ["rep-a", "rep-b", "rep-c", "rep-s", LEAVER];
/** Logical time of the first write: Monday 2026-11-02 09:00 in Shanghai. */
const START = Date.parse("2026-11-02T01:00:00.000Z") / 1000;

/** Leads distributed least-loaded, at most 3 open per rep; the rest waits in the pool. */
const rules = anEventPathRuleSet({ steps: [{ use: "least-loaded" }], capacity: { maxOpen: 3 } });

const org = (suffix: string) =>
  aTeam(suffix, [
    aSeller("rep-a", suffix, { team: "north" }),
    aSeller("rep-b", suffix, { team: "north" }),
    aSeller("rep-c", suffix, { team: "north" }),
    aSeller("rep-s", suffix, { team: "south" }),
    aSeller(LEAVER, suffix, { team: "north" }),
  ]);

// ---- the workload -----------------------------------------------------------------------------

type Write =
  | { kind: "lead"; lead: Lead }
  | { kind: "update"; leadId: string; changes: Item }
  | { kind: "rep"; repId: string; changes: Item };

/**
 * The writes, in phases; the stream is drained between phases (a CRM sync's burst, then the next
 * one), never inside one. Each write is decided from the writer's own view of its leads (the stage
 * it last wrote), never from what the engine did, so both tables get the very same writes.
 */
function aWorkload(seed: number): Write[][] {
  const random = seededRandom(seed);
  const below = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
  const stageOf = new Map<string, number>();
  let nextId = 1;

  const newLead = (sellers: string[]): Write => {
    const id = `L${String(nextId).padStart(2, "0")}`;
    nextId += 1;
    const stage = random() < 0.08 ? SIGNED : below(5);
    stageOf.set(id, stage);
    // The first leads are the leaver's, so there is always something to hand over.
    const owner =
      nextId <= 4 && sellers.includes(LEAVER)
        ? LEAVER
        : random() < 0.35
          ? sellers.includes(LEAVER) && random() < 0.35
            ? LEAVER
            : pick(sellers)
          : undefined;
    const lead = aFreshLead(id, {
      stage: STAGES[stage],
      amount: 1_000 * (1 + below(60)),
      ...(owner === undefined ? {} : { owner }),
      ...(random() < 0.15 ? { source: "inbound" } : {}),
      ...(random() < 0.3 ? { employees: 50 + below(500) } : {}),
    });
    return { kind: "lead", lead };
  };

  const change = (sellers: string[]): Write | undefined => {
    const open = [...stageOf].filter(([, stage]) => stage <= SIGNED).map(([id]) => id);
    if (open.length === 0) return undefined;
    const leadId = pick(open);
    const stage = stageOf.get(leadId) ?? 0;
    const move = (to: number): Write => {
      stageOf.set(leadId, to);
      return { kind: "update", leadId, changes: { stage: STAGES[to], updatedBy: "crm-sync" } };
    };
    const r = random();
    if (r < 0.35) return move(Math.min(stage + 1, IMPLEMENTED));
    if (r < 0.5) return move(Math.max(stage - 1, 0));
    if (r < 0.6) return move(Math.min(stage + 2 + below(2), SIGNED));
    if (r < 0.68) return move(ABANDONED);
    if (r < 0.76) return move(stage < SIGNED ? SIGNED : IMPLEMENTED);
    if (r < 0.92)
      return { kind: "update", leadId, changes: { owner: pick(sellers), updatedBy: "crm-sync" } };
    return { kind: "update", leadId, changes: { amount: 1_000 * (1 + below(60)) } };
  };

  const changes = (count: number, sellers: string[]) =>
    Array.from({ length: count }, () => change(sellers)).filter(
      (write): write is Write => write !== undefined,
    );
  const leads = (count: number, sellers: string[]) =>
    Array.from({ length: count }, () => newLead(sellers));

  const staying = SELLERS.filter((id) => id !== LEAVER);
  const first = 10 + below(6);
  return [
    leads(first, SELLERS),
    changes(first, SELLERS),
    [...leads(2 + below(3), SELLERS), ...changes(Math.ceil(first / 2), SELLERS)],
    [{ kind: "rep", repId: LEAVER, changes: { status: "left", updatedBy: "hr-sync" } }],
    [...changes(Math.ceil(first / 3), staying), ...leads(2 + below(3), staying)],
  ];
}

// ---- delivery ---------------------------------------------------------------------------------

/** FNV-1a of a string as a number in [0, 1): the same fault for the same call, however timed. */
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 4_294_967_296;
}

interface Faults {
  runtime: Runtime;
  injected: { before: number; after: number };
  /** Waits until no write the faulty stores started is still running. */
  quiesce(): Promise<void>;
}

/**
 * The runtime with stores that fail as DynamoDB does under load: a call is refused before it
 * writes (throttled), or its write lands and the answer is lost (a timeout). Whether a call fails
 * depends on the seed, the call and how often the same call was made — never on timing — and the
 * same call fails at most once, so every record goes through in the end. Departure moves only
 * lose their answer: a move refused before it writes is planned again on the redelivery with the
 * loads of that moment, a legitimate outcome that a single-delivery run cannot be compared with.
 */
function aFaultyRuntime(real: Runtime, seed: number, rate: number): Faults {
  const calls = new Map<string, number>();
  const injected = { before: 0, after: 0 };
  const running = new Set<Promise<unknown>>();
  const fault = (site: string, key: string, kinds: "both" | "after") => {
    const id = `${site}|${key.replace(/\d{15,}/g, "<seq>")}`;
    const call = (calls.get(id) ?? 0) + 1;
    calls.set(id, call);
    const draw = unitHash(`${seed}|${id}|${call}`);
    if (call > 1 || draw >= rate) return undefined;
    return kinds === "after" || draw >= rate / 2 ? ("after" as const) : ("before" as const);
  };
  const refused = (site: string) => {
    injected.before += 1;
    const error = new Error(`simulated throttling before ${site} wrote`);
    error.name = "ProvisionedThroughputExceededException";
    return error;
  };
  const lost = (site: string) => {
    injected.after += 1;
    const error = new Error(`simulated timeout: ${site} wrote, its answer was lost`);
    error.name = "TimeoutError";
    return error;
  };
  const tracked = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => {});
    return work;
  };

  const leads = Object.create(real.leads) as LeadStore;
  leads.applyChange = async (parts, changeId) => {
    const key = `${parts.ledger.leadId}@${parts.ledger.at}#${parts.ledger.entry}`;
    const kind = fault("applyChange", key, "both");
    if (kind === "before") throw refused("applyChange");
    const outcome = await real.leads.applyChange(parts, changeId);
    if (kind === "after") throw lost("applyChange");
    return outcome;
  };
  const departures = Object.create(real.departures) as DepartureStore;
  departures.move = (lead, decision, departureId, at) =>
    tracked(
      (async () => {
        const kind = fault("move", lead.id, "after");
        const moved = await real.departures.move(lead, decision, departureId, at);
        if (kind === "after") throw lost("move");
        return moved;
      })(),
    );
  const outbox = Object.create(real.outbox) as Outbox;
  outbox.enqueue = async (email, now) => {
    const kind = fault("enqueue", email.key, "both");
    if (kind === "before") throw refused("enqueue");
    const queued = await real.outbox.enqueue(email, now);
    if (kind === "after") throw lost("enqueue");
    return queued;
  };

  return {
    runtime: withStores(real, { leads, departures, outbox }),
    injected,
    async quiesce() {
      // A departure's other moves go on after one failed (the handler has already answered):
      // like Lambda, the redelivery comes once the failed invocation has ended.
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        if (running.size === 0) return;
        await Promise.allSettled([...running]);
      }
    },
  };
}

interface Delivery {
  poller: StreamPoller;
  stats: { records: number; deliveries: number; failedDeliveries: number };
}

/** The record's creation time becomes the logical time of the write it carries. */
function retimed(event: DynamoDBStreamEvent): DynamoDBStreamEvent {
  const copy = structuredClone(event);
  for (const record of copy.Records) {
    const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
    const synced = Number(image?.syncedAt?.N ?? START);
    if (record.dynamodb !== undefined) record.dynamodb.ApproximateCreationDateTime = synced;
  }
  return copy;
}

/**
 * A Lambda-like poller (retrying a batch from its first failed record until it goes through) whose
 * handler is the real stream handler; `times` hands each batch over that many times in a row.
 */
function aDelivery(
  path: EventPath,
  runtime: Runtime,
  options: { times: number; quiesce?: () => Promise<void> },
): Delivery {
  const stats = { records: 0, deliveries: 0, failedDeliveries: 0 };
  const poller = createStreamPoller({
    clientConfig: stack.clientConfig,
    tableName: path.tableName,
    maxRetries: -1,
    handler: async (event) => {
      const batch = retimed(event);
      stats.records += batch.Records.length;
      let response = { batchItemFailures: [] as { itemIdentifier: string }[] };
      for (let i = 0; i < options.times; i += 1) {
        response = await handleStreamEvent(runtime, structuredClone(batch));
        await options.quiesce?.();
        stats.deliveries += 1;
        if (response.batchItemFailures.length > 0) {
          stats.failedDeliveries += 1;
          break;
        }
      }
      return response;
    },
  });
  onTestFinished(() => poller.stop());
  return { poller, stats };
}

async function apply(path: EventPath, writes: Write[], clock: { at: number }) {
  for (const write of writes) {
    clock.at += 60;
    const syncedAt = clock.at;
    if (write.kind === "lead") await path.putLeadsInOrder([{ ...write.lead, syncedAt }]);
    else if (write.kind === "update")
      await path.updateLead(write.leadId, { ...write.changes, syncedAt });
    else await path.updateRep(write.repId, { ...write.changes, syncedAt });
  }
}

// ---- comparison -------------------------------------------------------------------------------

const withoutSequence = (value: unknown): unknown => {
  if (typeof value === "string") return value.replace(/\d{15,}/g, "<seq>");
  if (Array.isArray(value)) return value.map(withoutSequence);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSequence(v)]));
  return value;
};

/** JSON with sorted keys, so equal items print equal. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/**
 * An item as both tables must hold it: sequence numbers masked; an outbox item without the time the
 * runtime's wall clock queued it at (and the timer key built from it and the masked key).
 */
function comparable(item: Item): Item {
  const masked = withoutSequence(item) as Item;
  if (!String(masked.pk).startsWith("OUTBOX#")) return masked;
  const { createdAt: _created, duePk, dueSk: _due, ...rest } = masked;
  return { ...rest, timer: duePk !== undefined };
}

function categoryOf(item: Item): string {
  const pk = String(item.pk);
  const sk = String(item.sk);
  if (pk.startsWith("LEAD#"))
    return sk === "LEAD" ? "lead" : (sk.split("#")[0]?.toLowerCase() ?? sk);
  return pk.split("#")[0]?.toLowerCase() ?? pk;
}

function byCategory(items: Item[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const item of items) {
    const category = categoryOf(item);
    grouped.set(category, [...(grouped.get(category) ?? []), canonical(comparable(item))]);
  }
  for (const list of grouped.values()) list.sort();
  return grouped;
}

/** What one multiset holds that the other does not, a few of each. */
function difference(single: string[], redelivered: string[]): string {
  const count = (list: string[]) => {
    const counts = new Map<string, number>();
    for (const entry of list) counts.set(entry, (counts.get(entry) ?? 0) + 1);
    return counts;
  };
  const a = count(single);
  const b = count(redelivered);
  const missing = [...a].filter(([k, n]) => (b.get(k) ?? 0) < n).map(([k]) => k);
  const extra = [...b].filter(([k, n]) => (a.get(k) ?? 0) < n).map(([k]) => k);
  return [
    ...missing.slice(0, 3).map((k) => `  only after single delivery: ${k}`),
    ...extra.slice(0, 3).map((k) => `  only after redelivery:      ${k}`),
  ].join("\n");
}

// ---- the trials -------------------------------------------------------------------------------

/** A fresh table with the org written (people's addresses end in `suffix`, shared by both tables). */
async function aTable(prefix: string, suffix?: string): Promise<EventPath> {
  const path = await anEventPath(stack, { prefix, rules });
  await path.putReps(org(suffix ?? path.suffix));
  return path;
}

describe("at-least-once delivery with redeliveries after partial failures", () => {
  it("ends in the same table when every batch is delivered twice and stores fail at random: same leads, history, aggregates, journal and outbox, nothing twice", async () => {
    const base = faultSeed(20261102);
    const violations: string[] = [];
    const check = (seed: number, holds: boolean, what: string) => {
      if (!figures.check(holds)) violations.push(`seed ${seed}: ${what}`);
    };

    for (let trial = 0; trial < trials(3); trial += 1) {
      const seed = base + trial;
      figures.trial();
      const workload = aWorkload(seed);
      const single = await aTable("fault-replay-once");
      // The same addresses in both tables, so that their outboxes compare.
      const twice = await aTable("fault-replay-twice", single.suffix);
      const faults = aFaultyRuntime(twice.runtime, seed, 0.15);
      const once = aDelivery(single, single.runtime, { times: 1 });
      const again = aDelivery(twice, faults.runtime, { times: 2, quiesce: faults.quiesce });

      const clocks = { single: { at: START }, twice: { at: START } };
      for (const phase of workload) {
        await Promise.all([apply(single, phase, clocks.single), apply(twice, phase, clocks.twice)]);
        await Promise.all([
          once.poller.drain({ timeoutMs: 60_000 }),
          again.poller.drain({ timeoutMs: 60_000 }),
        ]);
      }

      figures.count("writes", workload.flat().length);
      figures.count("stream records handled", again.stats.records);
      figures.count("deliveries", again.stats.deliveries);
      figures.count("redeliveries after a failure", again.stats.failedDeliveries);
      figures.count("faults before the write", faults.injected.before);
      figures.count("faults after the write (answer lost)", faults.injected.after);
      check(
        seed,
        faults.injected.before > 0 && faults.injected.after > 0 && again.stats.failedDeliveries > 0,
        `the faulty run failed no call (${JSON.stringify(faults.injected)}), so it proves nothing`,
      );

      const [a, b] = await Promise.all([single.scan(), twice.scan()]);
      const left = byCategory(a);
      const right = byCategory(b);
      for (const category of new Set([...left.keys(), ...right.keys()])) {
        const x = left.get(category) ?? [];
        const y = right.get(category) ?? [];
        check(
          seed,
          canonical(x) === canonical(y),
          `${category} items differ between single delivery and redelivery:\n${difference(x, y)}`,
        );
      }
      check(seed, (left.get("lead")?.length ?? 0) > 0, "the single-delivery table holds no lead");
      check(seed, !left.has("problem") && !right.has("problem"), "a record was quarantined");

      // The redelivered table on its own: each change once, each move once, each email once.
      for (const lead of b.filter((item) => categoryOf(item) === "lead")) {
        // Two owner or amount entries may share a time (a superseded record and the recount of
        // the engine's own write-back); a stage change is only ever one record's.
        const transitions = b
          .filter((item) => item.pk === lead.pk && item.type === "transition")
          .map((entry) => canonical([entry.from, entry.to, entry.at]));
        check(
          seed,
          new Set(transitions).size === transitions.length,
          `${String(lead.id)} has a transition twice: ${transitions.join(" ")}`,
        );
        check(seed, lead.owner !== LEAVER, `${String(lead.id)} is still owned by the leaver`);
        check(
          seed,
          (lead.owner === undefined) !== (lead.pool === undefined),
          `${String(lead.id)} has ${lead.owner === undefined ? "neither owner nor pool" : "an owner and a pool"}`,
        );
      }
      const moved = b
        .filter(
          (item) => item.sk === "LEAD" && String(item.kindPk).startsWith(`HANDOFF#${LEAVER}#`),
        )
        .map((item) => String(item.id));
      check(seed, moved.length > 0, "the leaver had no lead to hand over");
      check(
        seed,
        new Set(moved).size === moved.length,
        `a lead is in the departure journal twice: ${moved.sort().join(", ")}`,
      );
      const emails = b
        .filter((item) => categoryOf(item) === "outbox")
        .map((item) => String(withoutSequence(item.key)));
      check(
        seed,
        new Set(emails).size === emails.length,
        `an email is queued twice under different keys: ${emails.sort().join(", ")}`,
      );
      for (const key of emails) figures.count(`${key.split("#")[0]} emails compared`);

      // Each table's aggregates equal a recount of its leads (the helper throws when they differ).
      const [recountA, recountB] = await Promise.all([
        expectAggregatesMatchRecount(stack, single.tableName),
        expectAggregatesMatchRecount(stack, twice.tableName),
      ]);
      figures.check(true);
      figures.check(true);
      check(
        seed,
        canonical(recountA.aggregates) === canonical(recountB.aggregates),
        "the aggregates differ between single delivery and redelivery",
      );
    }

    expect(violations, `replay seeds from ${base} (FUNNEL_FAULT_SEED)`).toEqual([]);
  });
});

describe("a redelivery after a failure between two writes of one record", () => {
  it("still queues the pool's notice when the delivery failed after the lead was pooled and before the notice was queued", async () => {
    // One seller, away: every new lead is pooled and the pool's manager (the head) is told.
    const path = await anEventPath(stack, {
      prefix: "fault-replay-pool",
      rules,
      reps: (s) =>
        aTeam(s, [aSeller("rep-a", s, { status: "away", awayUntil: "2099-01-01T00:00:00.000Z" })]),
    });
    let refusals = 0;
    const outbox = Object.create(path.runtime.outbox) as Outbox;
    outbox.enqueue = async (email, now) => {
      if (email.key.startsWith("no-rep#") && refusals === 0) {
        refusals += 1;
        throw new Error("simulated throttling before the notice was queued");
      }
      return path.runtime.outbox.enqueue(email, now);
    };
    const delivery = aDelivery(path, withStores(path.runtime, { outbox }), { times: 1 });
    await apply(path, [{ kind: "lead", lead: aFreshLead("P1") }], { at: START });
    await delivery.poller.drain({ timeoutMs: 30_000 });
    figures.trial();

    expect(refusals, "the notice's first enqueue failed").toBe(1);
    expect(delivery.stats.failedDeliveries, "the record was redelivered").toBe(1);
    expect(await path.lead("P1")).toMatchObject({ pool: "unassigned" });
    const notices = (await path.outbox()).filter((item) => String(item.key).startsWith("no-rep#"));
    expect(
      figures.check(notices.length === 1),
      "the redelivery finds the lead pooled already and queues no notice: the head is never told",
    ).toBe(true);
  });
});
