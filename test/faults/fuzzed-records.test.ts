import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { aggregateRows } from "../../functions/adapters/counter-items";
import { loadRulesSync } from "../../functions/adapters/rules-loader";
import { decodeHolding, encodeHolding } from "../../functions/core/holding";
import { ENGINE_OWNED_LEAD_ATTRIBUTES } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { createStreamPoller, type StreamPoller } from "../../functions/local/stream-poller";
import { anEventPath, type EventPath } from "../support/event-path";
import { aSeller, aTeam, daysFromNow } from "../support/event-path-factories";
import { FAULT_SCALE, faultFigures, faultSeed, trials } from "../support/fault-figures";
import { repoRoot, STACK_LINE } from "../support/funnel-cli";
import { useLocalStack } from "../support/local-stack";

/*
 * Fuzzed lead and rep records — valid ones, broken ones and odd ones mixed in the same batches —
 * written to a fresh DynamoDB Local table and delivered through the table's stream to the real
 * stream handler with a real runtime and the shipped rules. Bad data must never stop a batch, every
 * broken record must end up quarantined with a reason a person can act on, every valid record must
 * be applied, and nothing may be left half-written.
 */

const stack = useLocalStack("faults");
const figures = faultFigures("fuzzed records");
const SEED = faultSeed(4_042);
const RECORDS = trials(1_000);

const rules = loadRulesSync(join(repoRoot, "rules")).rules;
// The shipped funnel's stages, so the fuzzer follows the rules when they change.
const FUNNEL = rules.funnels[0];
if (FUNNEL === undefined) throw new Error("rules/ defines no funnel");
const STAGES = FUNNEL.stages.map((stage) => stage.id);
const OPEN_STAGES = new Set(
  FUNNEL.stages.filter((stage) => stage.terminal === undefined).map((stage) => stage.id),
);
const REGIONS = ["华东", "华南", "华北", "西北"];
const SELLERS = ["rep-a", "rep-b", "rep-c", "rep-d", "rep-e"];

type Item = Record<string, unknown>;

/**
 * valid: well-formed; must be applied. bad: breaks a documented check of the data model; must be
 * quarantined. odd: nothing in the data model forbids or allows it; applied whole or quarantined
 * whole, never a stopped batch and never half of each.
 */
type Verdict = "valid" | "bad" | "odd";

interface Fuzzed {
  kind: "lead" | "rep";
  verdict: Verdict;
  /** What was done to the record, for messages: "amount is a list". */
  what: string;
  /** The field a bad record's reason must name. */
  field?: string;
  item: Item;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const printable = fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 });
const controls = fc.constantFrom(
  "\u0000",
  "\u0007",
  "\n",
  "\r\n",
  "\t",
  "\u001b[31m",
  "\u2028",
  "\u202e",
);
const oddText = fc.oneof(
  printable,
  fc.tuple(printable, controls, printable).map(([a, b, c]) => `${a}${b}${c}`),
  fc.constantFrom("😀🚀", "客户资源", "<b>bold</b>", "'; DROP TABLE leads; --", "   ", "#|#"),
);
const isoPast = fc
  .integer({ min: 1, max: 60 * 24 * 30 })
  .map((minutes) => new Date(Date.now() - minutes * 60_000).toISOString());
const isoFuture = fc
  .integer({ min: 1, max: 60 * 24 * 30 })
  .map((minutes) => new Date(Date.now() + minutes * 60_000).toISOString());
// Amounts as a CRM holds them: whole yuan or cents.
const amount = fc.oneof(
  fc.integer({ min: 0, max: 5_000_000 }),
  fc.integer({ min: 0, max: 500_000_000 }).map((cents) => cents / 100),
  fc.constant(0),
);
// Values DynamoDB can store: bounded numbers, non-empty map keys.
const storable: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    oddText,
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;
const wrongScalar = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.boolean(),
  fc.array(printable, { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), printable, { maxKeys: 3 }),
);

const contact = fc.record(
  {
    name: printable,
    phone: fc.stringMatching(/^1[3-9]\d{9}$/),
    email: fc.emailAddress(),
  },
  { requiredKeys: [] },
);

/** Extra attributes a CRM adds; none of them is a field the engine reads or owns. */
const extras = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 10 }).map((key) => `x_${key}`),
  storable,
  { maxKeys: 3 },
);

/** A well-formed lead: every field the data model names, of its type, in any combination. */
const validLeadFields = fc.record(
  {
    funnel: fc.constant("standard"),
    stage: fc.constantFrom(...STAGES),
    owner: fc.constantFrom(...SELLERS),
    name: oddText,
    company: oddText,
    contact,
    amount,
    region: fc.constantFrom(...REGIONS),
    source: fc.constantFrom("inbound", "trial", "fair", "cold-call"),
    employees: fc.integer({ min: 0, max: 100_000 }),
    productFit: fc.boolean(),
    contactVerified: fc.boolean(),
    discoveredBy: fc.constantFrom(...SELLERS),
    nextActionAt: isoFuture,
    stageEnteredAt: isoPast,
    updatedBy: fc.constantFrom("crm-sync", "web-form", "ops"),
    need: printable,
    authority: printable,
    budget: printable,
    timeline: printable,
  },
  { requiredKeys: ["stage"] },
);

const validLead = fc
  .tuple(validLeadFields, extras, fc.option(oddText, { nil: undefined }))
  .map(([fields, more, flavour]) => ({
    verdict: "valid" as const,
    what: "a well-formed lead",
    fields: { ...more, ...fields },
    idFlavour: flavour,
  }));

interface LeadFault {
  verdict: Verdict;
  what: string;
  field?: string;
  /** Changes to a valid lead; undefined removes the field. */
  patch: Item;
  /** The id is part of the fault: written as is, not numbered. */
  id?: { value: unknown } | "missing";
}

const STRING_FIELDS = [
  "funnel",
  "owner",
  "pool",
  "name",
  "company",
  "region",
  "source",
  "discoveredBy",
  "updatedBy",
];
const INSTANT_FIELDS = ["nextActionAt", "stageEnteredAt", "dueAt", "coldUntil", "soldAt"];

const badLead: fc.Arbitrary<LeadFault> = fc.oneof(
  fc.constant<LeadFault>({ verdict: "bad", what: "no id", field: "id", patch: {}, id: "missing" }),
  fc.constant<LeadFault>({
    verdict: "bad",
    what: "an empty id",
    field: "id",
    patch: {},
    id: { value: "" },
  }),
  wrongScalar.map<LeadFault>((value) => ({
    verdict: "bad",
    what: `an id of type ${typeName(value)}`,
    field: "id",
    patch: {},
    id: { value },
  })),
  fc.constant<LeadFault>({
    verdict: "bad",
    what: "no stage",
    field: "stage",
    patch: { stage: undefined },
  }),
  fc.constant<LeadFault>({
    verdict: "bad",
    what: "an empty stage",
    field: "stage",
    patch: { stage: "" },
  }),
  wrongScalar.map<LeadFault>((value) => ({
    verdict: "bad",
    what: `a stage of type ${typeName(value)}`,
    field: "stage",
    patch: { stage: value },
  })),
  fc
    .oneof(oddText, fc.constantFrom("contactd", "Graded", "won", "STANDARD", "graded "))
    .filter((stage) => !STAGES.includes(stage) && stage !== "")
    .map<LeadFault>((stage) => ({
      verdict: "bad",
      what: "an unknown stage",
      field: "stage",
      patch: { stage },
    })),
  fc
    .oneof(oddText, fc.constantFrom("premium", "Standard", "standard "))
    .filter((funnel) => funnel !== "standard")
    .map<LeadFault>((funnel) => ({
      verdict: "bad",
      what: "an unknown funnel",
      field: "funnel",
      patch: { funnel },
    })),
  fc.tuple(fc.constantFrom(...STRING_FIELDS), wrongScalar).map<LeadFault>(([field, value]) => ({
    verdict: "bad",
    what: `${field} of type ${typeName(value)}`,
    field,
    patch: { [field]: value },
  })),
  fc
    .tuple(
      fc.constantFrom(...INSTANT_FIELDS),
      fc.oneof(
        fc.constantFrom("tomorrow", "", "2026-13-45T99:00:00Z", "2026-11-23", "23/11/2026 09:00"),
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.boolean(),
      ),
    )
    .map<LeadFault>(([field, value]) => ({
      verdict: "bad",
      what: `${field} is not an ISO time`,
      field,
      patch: { [field]: value },
    })),
  fc
    .oneof(
      fc.integer({ min: -1_000_000, max: -1 }),
      fc.double({ min: -1e6, max: -0.001, noNaN: true }),
      fc.constantFrom("lots", "NaN", "Infinity", "-Infinity", "1e999", "", "12,000", "¥5000"),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
    )
    .map<LeadFault>((value) => ({
      verdict: "bad",
      what: `amount ${JSON.stringify(value)}`,
      field: "amount",
      patch: { amount: value },
    })),
  fc.integer({ min: 2_000, max: 20_000 }).map<LeadFault>((length) => ({
    verdict: "bad",
    what: `amount is a ${length}-character text`,
    field: "amount",
    patch: { amount: "9".repeat(length) },
  })),
);

const ENGINE_OWNED = ENGINE_OWNED_LEAD_ATTRIBUTES.filter(
  (name) => !["dueAt", "coldUntil", "soldAt"].includes(name),
);

const oddLead: fc.Arbitrary<LeadFault> = fc.oneof(
  fc.oneof(fc.constantFrom("13812345678", "n/a"), wrongScalar).map<LeadFault>((value) => ({
    verdict: "odd",
    what: `contact is ${typeName(value)}`,
    patch: { contact: value },
  })),
  wrongScalar.map<LeadFault>((value) => ({
    verdict: "odd",
    what: `contact.phone is ${typeName(value)}`,
    patch: { contact: { phone: value } },
  })),
  fc
    .tuple(fc.constantFrom("employees", "productFit", "source", "need", "budget"), storable)
    .map<LeadFault>(([field, value]) => ({
      verdict: "odd",
      what: `${field} is ${typeName(value)}`,
      patch: { [field]: value },
    })),
  // Non-negative and finite, so the data model allows them; DynamoDB numbers hold 38 digits.
  fc.constantFrom(1e-30, 1e-120, 123_456_789.123_456_78, 0.1 + 0.2).map<LeadFault>((value) => ({
    verdict: "odd",
    what: `amount ${value}`,
    patch: { amount: value },
  })),
  fc.constantFrom("owner", "discoveredBy", "pool").map<LeadFault>((field) => ({
    verdict: "odd",
    what: `${field} names nobody the engine knows`,
    patch: { [field]: `ghost-${field}` },
  })),
  fc.tuple(fc.constantFrom(...ENGINE_OWNED), storable).map<LeadFault>(([field, value]) => ({
    verdict: "odd",
    what: `the engine-owned ${field} is written as ${typeName(value)}`,
    patch: { [field]: value },
  })),
  oddText.map<LeadFault>((value) => ({
    verdict: "odd",
    what: "an id with unusual characters",
    patch: {},
    id: { value: `-${value}` },
  })),
  fc.integer({ min: 990, max: 1_200 }).map<LeadFault>((length) => ({
    verdict: "odd",
    what: `a ${length}-character id`,
    patch: {},
    id: { value: "i".repeat(length) },
  })),
  fc.constant<LeadFault>({
    verdict: "odd",
    what: "an id that differs from its key",
    patch: {},
    id: { value: "mismatch" },
  }),
  fc
    .tuple(fc.constantFrom("name", "company", "notes"), fc.integer({ min: 2_100, max: 30_000 }))
    .map<LeadFault>(([field, length]) => ({
      verdict: "odd",
      what: `${field} is a ${length}-character text`,
      patch: { [field]: "客".repeat(length) },
    })),
);

interface RepFault {
  verdict: Verdict;
  what: string;
  field?: string;
  patch: Item;
  id?: "missing";
  /** Written without the byKind keys, as an HR sync that does not know them would. */
  unlisted?: boolean;
}

const validRep = fc
  .record(
    {
      region: fc.constantFrom(...REGIONS),
      team: fc.constantFrom("north", "south", "key-accounts"),
      status: fc.constantFrom("active", "active", "active", "away", "left"),
      quota: fc.integer({ min: 0, max: 10_000_000 }),
      unlisted: fc.boolean(),
    },
    { requiredKeys: ["status", "unlisted"] },
  )
  .map<RepFault>(({ unlisted, ...patch }) => ({
    verdict: "valid",
    what: "a well-formed rep",
    patch: patch.status === "away" ? { ...patch, awayUntil: daysFromNow(3) } : patch,
    unlisted,
  }));

const badRep: fc.Arbitrary<RepFault> = fc.oneof(
  fc
    .oneof(fc.constantFrom("retired", "", "Active", "on-leave"), wrongScalar)
    .map<RepFault>((status) => ({
      verdict: "bad",
      what: `status ${JSON.stringify(status)}`,
      field: "status",
      patch: { status },
    })),
  fc.constant<RepFault>({
    verdict: "bad",
    what: "no name",
    field: "name",
    patch: { name: undefined },
  }),
  wrongScalar.map<RepFault>((name) => ({
    verdict: "bad",
    what: `a name of type ${typeName(name)}`,
    field: "name",
    patch: { name },
  })),
  fc
    .tuple(fc.constantFrom("email", "manager", "team", "region", "awayUntil"), wrongScalar)
    .map<RepFault>(([field, value]) => ({
      verdict: "bad",
      what: `${field} of type ${typeName(value)}`,
      field,
      patch: { [field]: value },
    })),
  fc
    .oneof(fc.integer({ min: -1e6, max: -1 }), fc.constantFrom("lots", "1e6", ""))
    .map<RepFault>((quota) => ({
      verdict: "bad",
      what: `quota ${JSON.stringify(quota)}`,
      field: "quota",
      patch: { quota },
    })),
  fc.constant<RepFault>({ verdict: "bad", what: "no id", field: "id", patch: {}, id: "missing" }),
);

const oddRep: fc.Arbitrary<RepFault> = fc.oneof(
  fc.constant<RepFault>({ verdict: "odd", what: "its own manager", patch: { manager: "SELF" } }),
  fc.constant<RepFault>({
    verdict: "odd",
    what: "a manager loop with the previous fuzzed rep",
    patch: { manager: "PREVIOUS" },
  }),
  fc.constant<RepFault>({
    verdict: "odd",
    what: "a manager nobody knows",
    patch: { manager: "ghost-mgr" },
  }),
  oddText.map<RepFault>((name) => ({ verdict: "odd", what: "an unusual name", patch: { name } })),
  fc.constant<RepFault>({
    verdict: "odd",
    what: "awayUntil that is not a time",
    patch: { status: "away", awayUntil: "next week" },
  }),
  extras.map<RepFault>((patch) => ({ verdict: "odd", what: "extra attributes", patch })),
);

type Draw = { kind: "lead"; fault: LeadFault; base: Item } | { kind: "rep"; fault: RepFault };

const leadBase = validLeadFields.map((fields) => fields as Item);
const draw: fc.Arbitrary<Draw> = fc.oneof(
  {
    weight: 32,
    arbitrary: validLead.map<Draw>((v) => ({
      kind: "lead",
      base: v.fields,
      fault: { verdict: "valid", what: v.what, patch: {} },
    })),
  },
  {
    weight: 32,
    arbitrary: fc
      .tuple(leadBase, badLead)
      .map<Draw>(([base, fault]) => ({ kind: "lead", base, fault })),
  },
  {
    weight: 20,
    arbitrary: fc
      .tuple(leadBase, oddLead)
      .map<Draw>(([base, fault]) => ({ kind: "lead", base, fault })),
  },
  { weight: 6, arbitrary: validRep.map<Draw>((fault) => ({ kind: "rep", fault })) },
  { weight: 6, arbitrary: badRep.map<Draw>((fault) => ({ kind: "rep", fault })) },
  { weight: 4, arbitrary: oddRep.map<Draw>((fault) => ({ kind: "rep", fault })) },
);

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}

/** The drawn records as items, numbered so each has its own key (F0001, R0002 …). */
function itemsOf(draws: Draw[], suffix: string): Fuzzed[] {
  const width = String(draws.length).length;
  let previousRep: string | undefined;
  return draws.map((d, index) => {
    const number = String(index + 1).padStart(Math.max(4, width), "0");
    if (d.kind === "rep") {
      const id = `R${number}`;
      const manager =
        d.fault.patch.manager === "SELF"
          ? id
          : d.fault.patch.manager === "PREVIOUS"
            ? (previousRep ?? id)
            : d.fault.patch.manager;
      const rep = {
        ...aSeller(id, suffix, { team: "north", region: "华东" }),
        ...d.fault.patch,
        ...(manager === undefined ? {} : { manager }),
      };
      previousRep = id;
      const item: Item = {
        pk: `REP#${id}`,
        sk: "REP",
        type: "rep",
        ...(d.fault.unlisted ? {} : { kindPk: "REP", kindSk: id }),
        ...rep,
      };
      if (d.fault.id === "missing") delete item.id;
      return {
        kind: "rep",
        verdict: d.fault.verdict,
        what: d.fault.what,
        field: d.fault.field,
        item: withoutUndefined(item),
      };
    }
    const key = `F${number}`;
    const fault = d.fault;
    // Odd ids are the record's number plus something unusual, so no two records share a key.
    const written = fault.id === undefined || fault.id === "missing" ? undefined : fault.id.value;
    const unusual =
      fault.verdict === "odd" && typeof written === "string" && written !== "mismatch";
    const id =
      fault.id === "missing"
        ? undefined
        : fault.id === undefined
          ? key
          : written === "mismatch"
            ? `${key}-other`
            : unusual
              ? `${key}${String(written)}`
              : written;
    // The item's key follows an unusual id, as every writer's does; a broken id keeps the number.
    const keyed = unusual;
    const item: Item = {
      pk: `LEAD#${keyed ? id : key}`,
      sk: "LEAD",
      type: "lead",
      ...d.base,
      ...fault.patch,
      ...(id === undefined ? {} : { id }),
    };
    return {
      kind: "lead",
      verdict: fault.verdict,
      what: fault.what,
      field: fault.field,
      item: withoutUndefined(item),
    };
  });
}

function withoutUndefined(item: Item): Item {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
}

// ---------------------------------------------------------------------------------------------
// Delivery: the table's stream, read by a Lambda-faithful poller, into the real handler. A record
// that fails its batch is isolated (each remaining record delivered alone) and set aside, as
// bisection and the on-failure destination would in AWS, so the rest of the sweep still runs.

interface BatchFailure {
  key: string;
  sequence: string | undefined;
  how: string;
}

interface Sweep {
  path: EventPath;
  team: Rep[];
  fuzzed: Fuzzed[];
  written: Fuzzed[];
  refused: { fuzzed: Fuzzed; why: string }[];
  batches: number;
  failures: BatchFailure[];
  items: Map<string, Item>;
  problems: Map<string, Item[]>;
  history: Map<string, Item[]>;
  seconds: number;
}

const keyOf = (record: DynamoDBRecord) =>
  `${record.dynamodb?.Keys?.pk?.S ?? "?"}|${record.dynamodb?.Keys?.sk?.S ?? "?"}`;

function isolatingPoller(
  path: EventPath,
  sweep: { batches: number; failures: BatchFailure[] },
): StreamPoller {
  const deliver = async (event: DynamoDBStreamEvent) => {
    try {
      return await handleStreamEvent(path.runtime, event);
    } catch (error) {
      return { thrown: error };
    }
  };
  return createStreamPoller({
    clientConfig: stack.clientConfig,
    tableName: path.tableName,
    handler: async (event) => {
      sweep.batches += 1;
      let rest = event.Records;
      while (rest.length > 0) {
        const outcome = await deliver({ Records: rest });
        if ("thrown" in outcome) {
          // A thrown handler names no record: each is delivered alone to find the culprit.
          for (const record of rest) {
            const alone = await deliver({ Records: [record] });
            if ("batchItemFailures" in alone && alone.batchItemFailures.length === 0) continue;
            sweep.failures.push({
              key: keyOf(record),
              sequence: record.dynamodb?.SequenceNumber,
              how:
                "thrown" in alone
                  ? `the handler threw: ${String((alone.thrown as Error)?.message ?? alone.thrown).slice(0, 200)}`
                  : "reported as a batch item failure",
            });
          }
          break;
        }
        const [failed] = outcome.batchItemFailures;
        if (failed === undefined) break;
        const index = rest.findIndex((r) => r.dynamodb?.SequenceNumber === failed.itemIdentifier);
        const record = rest[index];
        if (record === undefined)
          throw new Error(`the handler reported an unknown record ${failed.itemIdentifier}`);
        sweep.failures.push({
          key: keyOf(record),
          sequence: failed.itemIdentifier,
          how: "reported as a batch item failure",
        });
        // Records before it are applied; it is set aside; the batch goes on after it.
        rest = rest.slice(index + 1);
      }
      return { batchItemFailures: [] };
    },
  });
}

async function put(path: EventPath, item: Item): Promise<string | undefined> {
  try {
    await stack.documents.send(new PutCommand({ TableName: path.tableName, Item: item }));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function runSweep(): Promise<Sweep> {
  const started = Date.now();
  const path = await anEventPath(stack, { prefix: "fuzz", rules });
  const team = aTeam(path.suffix, [
    aSeller("rep-a", path.suffix, { region: "华东", team: "north" }),
    aSeller("rep-b", path.suffix, { region: "华南", team: "south" }),
    aSeller("rep-c", path.suffix, { region: "华北", team: "north" }),
    aSeller("rep-d", path.suffix, { region: "华东", team: "south" }),
    aSeller("rep-e", path.suffix, { team: "north" }),
  ]);
  const draws = fc.sample(draw, { seed: SEED, numRuns: RECORDS });
  const fuzzed = itemsOf(draws, path.suffix);
  const sweep: Sweep = {
    path,
    team,
    fuzzed,
    written: [],
    refused: [],
    batches: 0,
    failures: [],
    items: new Map(),
    problems: new Map(),
    history: new Map(),
    seconds: 0,
  };
  const poller = isolatingPoller(path, sweep);
  try {
    await path.putReps(team);
    await poller.drain({ timeoutMs: 60_000 });
    // Written in the order drawn, 25 at a time as an import would, while the stream is being
    // read: batches mix every kind of record.
    let writing = true;
    const writes = (async () => {
      for (let start = 0; start < fuzzed.length; start += 25) {
        const chunk = fuzzed.slice(start, start + 25);
        try {
          await putItems(
            stack.documents,
            path.tableName,
            chunk.map((f) => f.item),
          );
          sweep.written.push(...chunk);
        } catch {
          // One item DynamoDB refuses fails its whole batch: the rest are written one by one.
          for (const next of chunk) {
            const refused = await put(path, next.item);
            if (refused === undefined) sweep.written.push(next);
            else sweep.refused.push({ fuzzed: next, why: refused });
          }
        }
      }
    })().finally(() => {
      writing = false;
    });
    while (writing) if ((await poller.pollOnce()) === 0) await sleep(25);
    await writes;
    await poller.drain({ timeoutMs: 120_000 * FAULT_SCALE });
  } finally {
    await poller.stop();
  }
  for (const item of await path.scan()) {
    const pk = String(item.pk);
    if (pk.startsWith("PROBLEM#")) {
      const key = pk.slice("PROBLEM#".length);
      sweep.problems.set(key, [...(sweep.problems.get(key) ?? []), item]);
    } else if (String(item.sk).startsWith("HIST#")) {
      sweep.history.set(pk, [...(sweep.history.get(pk) ?? []), item]);
    } else if (item.sk === "LEAD" || item.sk === "REP") {
      sweep.items.set(`${pk}|${item.sk}`, item);
    }
  }
  sweep.seconds = (Date.now() - started) / 1000;
  return sweep;
}

// ---------------------------------------------------------------------------------------------
// Invariants

const keyOfItem = (item: Item) => `${String(item.pk)}|${String(item.sk)}`;

/** The id a reason must start with: the record's id, or its key when it has no usable id. */
function recordIdOf(item: Item): string {
  return typeof item.id === "string" && item.id !== "" ? item.id : String(item.pk);
}

/** A reason is one sentence for a person: the record, what is wrong, no trace, no dump. */
function reasonFaults(reason: unknown, fuzzed: Fuzzed): string[] {
  if (typeof reason !== "string" || reason.trim() === "") return ["has no reason"];
  const faults: string[] = [];
  const id = recordIdOf(fuzzed.item);
  if (!reason.startsWith(`${id}: `))
    faults.push(`does not start with the record id ${JSON.stringify(id.slice(0, 60))}`);
  if (STACK_LINE.test(reason) || /\n\s+at .+:\d+:\d+/.test(reason))
    faults.push("holds a stack trace");
  // Quoted values are the record's own data; the words around them must not leak placeholders.
  const words = reason.slice(id.length).replace(/"(?:[^"\\]|\\.)*"/g, '""');
  if (/\[object Object\]|\bundefined\b|\bNaN\b/.test(words))
    faults.push(`leaks a placeholder: ${words.slice(0, 120)}`);
  if (fuzzed.field !== undefined && !reason.slice(id.length).includes(fuzzed.field))
    faults.push(`does not name the field ${fuzzed.field}`);
  if (reason.length > 1_000 + id.length)
    faults.push(`is ${reason.length.toLocaleString("en-US")} characters long`);
  return faults;
}

/** The lead's engine-written state: graded, its first transition recorded, counted, placed. */
function appliedFaults(sweep: Sweep, fuzzed: Fuzzed): string[] {
  const key = keyOfItem(fuzzed.item);
  const stored = sweep.items.get(key);
  if (stored === undefined) return ["is not in the table"];
  const faults: string[] = [];
  if (fuzzed.kind === "rep") {
    if (stored.kindPk !== "REP") faults.push("is not listed on byKind");
    return faults;
  }
  if (typeof stored.grade !== "string" && fuzzed.item.grade === undefined)
    faults.push("has no grade");
  if (typeof stored.counted !== "string") faults.push("has no counted");
  if (typeof stored.stageEnteredAt !== "string") faults.push("has no stage entry time");
  const transitions = (sweep.history.get(String(fuzzed.item.pk)) ?? []).filter(
    (entry) => entry.type === "transition" && entry.to === fuzzed.item.stage,
  );
  if (transitions.length !== 1)
    faults.push(`has ${transitions.length} transitions into ${String(fuzzed.item.stage)}`);
  const stage = String(fuzzed.item.stage);
  if (stage === "abandoned") {
    if (stored.pool !== "cold" || stored.owner !== undefined)
      faults.push("abandoned but not in the cold pool");
  } else if (OPEN_STAGES.has(stage) && stored.owner === undefined && stored.pool === undefined) {
    faults.push("in an open stage with neither owner nor pool");
  }
  // Where the lead counts in the aggregates is where it is: its owner, funnel, stage and amount.
  const holding =
    typeof stored.owner === "string"
      ? {
          funnel: typeof stored.funnel === "string" ? stored.funnel : "standard",
          stage: String(stored.stage),
          amount: typeof stored.amount === "number" ? stored.amount : 0,
          repId: stored.owner,
        }
      : undefined;
  if (stored.counted !== encodeHolding(holding))
    faults.push(`counts as ${String(stored.counted)}, not as ${encodeHolding(holding)}`);
  faults.push(...duplicateFaults(sweep, stored));
  return faults;
}

/** Case, spaces and punctuation aside, as docs/decisions.md describes duplicate matching. */
const normalised = (value: string | number) =>
  String(value)
    .toLowerCase()
    .replace(/[\s\-()（）.,，_+/]/g, "");

/** A lead linked as a duplicate shares a company or a phone number with it, as text or a number. */
function duplicateFaults(sweep: Sweep, stored: Item): string[] {
  if (typeof stored.duplicateOf !== "string") return [];
  const other = sweep.items.get(`LEAD#${stored.duplicateOf}|LEAD`);
  if (other === undefined) return [`is linked to ${stored.duplicateOf}, which is not in the table`];
  const phone = (item: Item) =>
    typeof item.contact === "object" && item.contact !== null
      ? (item.contact as Item).phone
      : undefined;
  const same = (a: unknown, b: unknown) =>
    (typeof a === "string" || typeof a === "number") &&
    (typeof b === "string" || typeof b === "number") &&
    normalised(a) !== "" &&
    normalised(a) === normalised(b);
  if (same(stored.company, other.company) || same(phone(stored), phone(other))) return [];
  return [
    `is linked as a duplicate of ${stored.duplicateOf}, with which it shares no company or phone (${JSON.stringify(phone(stored))} / ${JSON.stringify(phone(other))})`,
  ];
}

/** A quarantined record is exactly as its writer left it: no engine attribute, no history. */
function untouchedFaults(sweep: Sweep, fuzzed: Fuzzed): string[] {
  const key = keyOfItem(fuzzed.item);
  const stored = sweep.items.get(key);
  const faults: string[] = [];
  if (stored === undefined) return ["vanished from the table"];
  const added = Object.keys(stored).filter((name) => !(name in fuzzed.item));
  if (added.length > 0) faults.push(`gained ${added.join(", ")}`);
  const changed = Object.keys(fuzzed.item).filter(
    (name) => canonical(stored[name]) !== canonical(fuzzed.item[name]),
  );
  if (changed.length > 0) faults.push(`had ${changed.join(", ")} rewritten`);
  const history = sweep.history.get(String(fuzzed.item.pk)) ?? [];
  if (history.length > 0) faults.push(`has ${history.length} history entries`);
  return faults;
}

/** JSON with sorted keys: DynamoDB keeps a map's entries, not their order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function failedBatch(sweep: Sweep, fuzzed: Fuzzed): boolean {
  const key = keyOfItem(fuzzed.item);
  return sweep.failures.some((failure) => failure.key === key);
}

function describeRecord(fuzzed: Fuzzed): string {
  return `${keyOfItem(fuzzed.item).slice(0, 50)} (${fuzzed.kind}, ${fuzzed.verdict}: ${fuzzed.what})`;
}

function report(violations: string[]): string {
  const shown = violations.slice(0, 25).join("\n");
  return `${violations.length} violations (seed ${SEED}, ${RECORDS} records):\n${shown}${violations.length > 25 ? "\n…" : ""}`;
}

describe(`${RECORDS.toLocaleString("en-US")} fuzzed lead and rep records through the stream handler (seed ${SEED})`, () => {
  let swept: Sweep | undefined;
  const sweepOf = (): Sweep => {
    if (swept === undefined) throw new Error("the sweep did not run");
    return swept;
  };

  // anEventPath needs a test around it; the tests after this one read what it left in the table.
  it(
    "writes a mix of valid, broken and odd leads and reps and drains them through the stream",
    async () => {
      const sweep = await runSweep();
      swept = sweep;
      const handled = sweep.written.filter((f) => !sweep.problems.has(keyOfItem(f.item))).length;
      for (const _ of sweep.written) figures.trial();
      figures.count("records written", sweep.written.length);
      figures.count("refused by DynamoDB", sweep.refused.length);
      figures.count("handled", handled);
      figures.count("quarantined", sweep.written.length - handled);
      figures.count("batches", sweep.batches);
      figures.count("batch failures", sweep.failures.length);
      for (const verdict of ["valid", "bad", "odd"] as const)
        figures.count(verdict, sweep.written.filter((f) => f.verdict === verdict).length);
      console.log(
        `fuzzed records: ${sweep.written.length} written and drained in ${sweep.seconds.toFixed(1)} s`,
      );
      const refusals = new Map<string, number>();
      for (const { fuzzed, why } of sweep.refused) {
        const key = `${fuzzed.verdict} ${fuzzed.what.replace(/\d+/g, "N")}: ${why.slice(0, 80)}`;
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
      }
      if (refusals.size > 0)
        console.log([...refusals].map(([key, n]) => `${n} × ${key}`).join("\n"));
      const written = sweep.written;
      expect(written.length).toBeGreaterThanOrEqual(Math.floor(RECORDS * 0.97));
      for (const verdict of ["valid", "bad", "odd"] as const) {
        for (const kind of ["lead", "rep"] as const) {
          expect(
            written.filter((f) => f.verdict === verdict && f.kind === kind).length,
            `${kind}s that are ${verdict}`,
          ).toBeGreaterThan(RECORDS / 100);
        }
      }
    },
    240_000 * FAULT_SCALE,
  );

  it("never fails a batch because of bad data: every record is either applied or quarantined", () => {
    const sweep = sweepOf();
    const violations = sweep.failures.map((failure) => {
      const fuzzed = sweep.written.find((f) => keyOfItem(f.item) === failure.key);
      return `${fuzzed ? describeRecord(fuzzed) : failure.key.slice(0, 60)} failed its batch (${failure.how})`;
    });
    for (const fuzzed of sweep.written) figures.check(!failedBatch(sweep, fuzzed));
    expect(violations, report(violations)).toEqual([]);
  });

  it("quarantines every broken record as a PROBLEM item whose reason names the record and what is wrong", () => {
    const sweep = sweepOf();
    const violations: string[] = [];
    for (const fuzzed of sweep.written.filter((f) => f.verdict === "bad")) {
      const problems = sweep.problems.get(keyOfItem(fuzzed.item)) ?? [];
      const faults =
        problems.length === 0
          ? ["was not quarantined"]
          : problems.flatMap((problem) => reasonFaults(problem.reason, fuzzed));
      if (!figures.check(faults.length === 0))
        violations.push(`${describeRecord(fuzzed)}: ${faults.join("; ")}`);
    }
    expect(violations, report(violations)).toEqual([]);
  });

  it("applies every valid record of the same batches: graded, history written, placed and counted", () => {
    const sweep = sweepOf();
    const violations: string[] = [];
    for (const fuzzed of sweep.written.filter(
      (f) => f.verdict === "valid" && !failedBatch(sweep, f),
    )) {
      const faults = [
        ...appliedFaults(sweep, fuzzed),
        ...(sweep.problems.has(keyOfItem(fuzzed.item)) ? ["was quarantined"] : []),
      ];
      if (!figures.check(faults.length === 0))
        violations.push(`${describeRecord(fuzzed)}: ${faults.join("; ")}`);
    }
    expect(violations, report(violations)).toEqual([]);
  });

  it("treats every odd record as a whole: applied completely or quarantined untouched with a reason", () => {
    const sweep = sweepOf();
    const violations: string[] = [];
    // Records that failed their batch are reported by the test above, not again here.
    for (const fuzzed of sweep.written.filter(
      (f) => f.verdict === "odd" && !failedBatch(sweep, f),
    )) {
      const problems = sweep.problems.get(keyOfItem(fuzzed.item)) ?? [];
      const faults =
        problems.length > 0
          ? [
              ...problems.flatMap((problem) => reasonFaults(problem.reason, fuzzed)),
              ...(fuzzed.kind === "lead" ? untouchedFaults(sweep, fuzzed) : []),
            ]
          : appliedFaults(sweep, fuzzed);
      if (!figures.check(faults.length === 0))
        violations.push(`${describeRecord(fuzzed)}: ${faults.join("; ")}`);
    }
    expect(violations, report(violations)).toEqual([]);
  });

  it("leaves nothing half-written: quarantined leads keep what their writer wrote, and no lead gets engine items its writer never wrote", () => {
    const sweep = sweepOf();
    const violations: string[] = [];
    for (const fuzzed of sweep.written.filter((f) => f.kind === "lead" && f.verdict === "bad")) {
      const faults = untouchedFaults(sweep, fuzzed);
      if (!figures.check(faults.length === 0))
        violations.push(`${describeRecord(fuzzed)}: ${faults.join("; ")}`);
    }
    const writtenKeys = new Set([
      ...sweep.written.map((f) => keyOfItem(f.item)),
      ...sweep.team.map((rep) => `REP#${rep.id}|REP`),
    ]);
    for (const key of sweep.items.keys()) {
      if (!figures.check(writtenKeys.has(key)))
        violations.push(`${key.slice(0, 60)} was created by the engine; no writer wrote it`);
    }
    for (const pk of sweep.history.keys()) {
      if (!figures.check(writtenKeys.has(`${pk}|LEAD`)))
        violations.push(`${pk.slice(0, 60)} has history entries, but no writer wrote that lead`);
    }
    expect(violations, report(violations)).toEqual([]);
  });

  it("keeps the per-rep aggregates equal to the sum of where each lead counts", async () => {
    // Quarantined leads keep their writer's owner but count nowhere, so the recount is of each
    // lead's `counted` (checked against its owner and stage above, for every applied lead).
    const sweep = sweepOf();
    const cents = (n: number) => Math.round(n * 100) / 100;
    const held: Record<string, { count: number; amount: number }> = {};
    for (const [key, item] of sweep.items) {
      if (!key.endsWith("|LEAD")) continue;
      const holding = decodeHolding(item.counted);
      if (holding === undefined) continue;
      const slot = `${holding.repId} ${holding.funnel}#${holding.stage}`;
      const total = held[slot] ?? { count: 0, amount: 0 };
      total.count += 1;
      total.amount = cents(total.amount + holding.amount);
      held[slot] = total;
    }
    const aggregates: Record<string, { count: number; amount: number }> = {};
    for (const item of await sweep.path.scan()) {
      if (item.pk !== "AGG") continue;
      for (const row of aggregateRows(item)) {
        const amount = cents(row.amount);
        if (row.count !== 0 || amount !== 0)
          aggregates[`${row.repId} ${row.funnel}#${row.stage}`] = { count: row.count, amount };
      }
    }
    expect(figures.check(canonical(aggregates) === canonical(held))).toBe(true);
    expect(aggregates).toEqual(held);
    expect(Object.keys(held).length, "leads were counted at all").toBeGreaterThan(5);
  });
});

describe("a broken value too large to quote", () => {
  it("quarantines a lead whose amount is a 350 KB text instead of failing its batch, and applies the lead after it", async () => {
    const path = await anEventPath(stack, { prefix: "fuzz-huge", rules });
    const sweep = { batches: 0, failures: [] as BatchFailure[] };
    const poller = isolatingPoller(path, sweep);
    figures.trial();
    try {
      await path.putReps(aTeam(path.suffix, [aSeller("rep-a", path.suffix)]));
      await putItems(stack.documents, path.tableName, [
        {
          pk: "LEAD#H1",
          sk: "LEAD",
          type: "lead",
          id: "H1",
          stage: "graded",
          amount: "9".repeat(350_000),
        },
        { pk: "LEAD#H2", sk: "LEAD", type: "lead", id: "H2", stage: "graded", amount: 1_000 },
      ]);
      await poller.drain({ timeoutMs: 60_000 });
    } finally {
      await poller.stop();
    }
    expect(figures.check(sweep.failures.length === 0), JSON.stringify(sweep.failures)).toBe(true);
    const problems = await path.problems();
    expect(
      figures.check(problems.some((p) => p.pk === "PROBLEM#LEAD#H1|LEAD")),
      "H1 is quarantined",
    ).toBe(true);
    expect(figures.check((await path.lead("H2")).owner === "rep-a"), "H2 is applied").toBe(true);
  });
});
