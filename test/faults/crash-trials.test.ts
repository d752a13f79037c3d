import { type DynamoDBDocumentClient, paginateScan, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse } from "aws-lambda";
import { describe, it } from "vitest";
import { putItems } from "../../functions/adapters/batch-writer";
import { createDocumentClient } from "../../functions/adapters/dynamo-client";
import { leadItem, repItem } from "../../functions/adapters/items";
import { createSesMailer, type Mailer } from "../../functions/adapters/mailer";
import { createRuntime, type Runtime } from "../../functions/adapters/runtime";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { logger } from "../../functions/handlers/runtime-from-env";
import { runScheduledJob } from "../../functions/handlers/scheduled";
import { handleStreamEvent } from "../../functions/handlers/stream";
import { readInbox } from "../../functions/local/ses-inbox";
import { createStreamPoller } from "../../functions/local/stream-poller";
import { expectAggregatesMatchRecount } from "../support/aggregate-recount";
import { listedIn } from "../support/event-path";
import { aFreshLead, anEventPathRuleSet, aSuffix, emailOf } from "../support/event-path-factories";
import { aRep } from "../support/factories";
import { faultFigures, faultSeed, trials } from "../support/fault-figures";
import { useLocalStack } from "../support/local-stack";
import {
  aScheduledPathRuleSet,
  aSettableClock,
  leadLines,
  plusMs,
  type SettableClock,
  seededRandom,
  shanghai,
} from "../support/scheduled-path-factories";

/*
 * Crash trials: a job runs on a runtime whose process dies at a random point — its DynamoDB
 * client answers the first N calls and fails every later one (requests already sent still land),
 * and its mailer dies with it — then runs again on a healthy runtime, as Lambda retries a failed
 * invocation. N comes from the trial's seed and is drawn below the number of calls the job makes,
 * so every trial dies somewhere between its first read and its last write.
 *
 * - Departures: an HR sync marks a rep as left; the stream handler runs the departure on the dying
 *   runtime and reports the REP record as a batch item failure; the redelivery, on a healthy
 *   runtime, finishes it. The trials follow teams over time: before each trial a new rep may join
 *   a team, then one member with leads leaves, so a lead may be handed over several times.
 * - Sweeps: the daily dwell sweep of one sales team, working day after working day, with a few
 *   new leads each day; each day's sweep dies on the dying runtime, the schedule's retry runs the
 *   same scheduled time on a healthy one, and the next outbox job (15 minutes later) sends what
 *   the dead process had claimed.
 *
 * Each kind shares one table (a departure team's ids start with its name, and the rules keep a
 * departure within the team); every write reaches the real stream handler through the table's
 * stream; the invariants are checked after all trials, from one scan of each table. Trials build
 * on the trials before them (the same leads change hands again, are swept again a day later), so
 * a trial that went wrong is reported by its own label, and may make later ones fail too.
 */

const stack = useLocalStack("faults");
const figures = faultFigures("crash-trials");
// Every trial makes the handler log a failure on purpose; the log would bury the figures.
logger.setLogLevel("SILENT");

type Item = Record<string, unknown>;
const DAY = 86_400_000;
const MINUTE = 60_000;
const FAR_FUTURE = "2099-01-01T00:00:00.000Z";

const configOf = (tableName: string) => ({
  tableName,
  rulesDir: "rules",
  region: stack.region,
  dynamoEndpoint: stack.dynamoEndpoint,
  sesEndpoint: stack.sesEndpoint,
});

// ---- a process that dies ----------------------------------------------------------------------

interface MortalProcess {
  runtime: Runtime;
  /** The next run dies after `aliveFor` successful DynamoDB calls. */
  arm(aliveFor: number): void;
  died(): boolean;
  /** DynamoDB calls made since arm(). */
  calls(): number;
  /** Addresses SES accepted an email for since arm(). */
  accepted: string[];
  /** Waits for the requests the process had sent before it died (they still land). */
  settled(): Promise<void>;
  close(): void;
}

function aMortalProcess(tableName: string, rules: RuleSet, clock: SettableClock): MortalProcess {
  const real = createDocumentClient(configOf(tableName));
  const send = real.send.bind(real) as (...args: unknown[]) => Promise<unknown>;
  const running = new Set<Promise<unknown>>();
  let budget = Number.POSITIVE_INFINITY;
  let calls = 0;
  let dead = false;
  const death = () => new Error(`simulated crash: the process died after ${budget} DynamoDB calls`);
  // The runtime's own client (createRuntime's `db`): every store's call goes through it.
  const db = Object.create(real) as DynamoDBDocumentClient;
  Object.defineProperty(db, "send", {
    value: (...args: unknown[]) => {
      calls += 1;
      if (dead || calls > budget) {
        dead = true;
        return Promise.reject(death());
      }
      const call = send(...args);
      running.add(call);
      void call.then(
        () => running.delete(call),
        () => running.delete(call),
      );
      return call;
    },
  });
  const ses = createSesMailer({ region: stack.region, sesEndpoint: stack.sesEndpoint });
  const accepted: string[] = [];
  const mailer: Mailer = {
    async send(email) {
      if (dead) throw death();
      const id = await ses.send(email);
      accepted.push(...email.to);
      return id;
    },
  };
  return {
    runtime: createRuntime(configOf(tableName), rules, { db, clock, mailer }),
    accepted,
    arm(aliveFor) {
      budget = aliveFor;
      calls = 0;
      dead = false;
      accepted.length = 0;
    },
    died: () => dead,
    calls: () => calls,
    close: () => real.destroy(),
    async settled() {
      // Work under way goes on after the first failure (a departure's other moves): wait until
      // nothing has been in flight for a turn of the event loop.
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        if (running.size === 0) return;
        await Promise.allSettled([...running]);
      }
    },
  };
}

async function scanAll(tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of paginateScan(
    { client: stack.documents },
    { TableName: tableName, ConsistentRead: true },
  ))
    items.push(...(page.Items ?? []));
  return items;
}

/** The violations found, each check counted in the figures. */
function violations() {
  const found: string[] = [];
  return {
    found,
    check(trial: string, holds: boolean, what: () => string) {
      if (!figures.check(holds)) found.push(`${trial}: ${what()}`);
    },
  };
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

// ---- departures -------------------------------------------------------------------------------

const OPEN_STAGES = ["resource", "graded", "contacted", "lead", "intent", "signed"] as const;
/** Same team only, at most 5 open leads each: a big book overflows into the unassigned pool. */
const departureRules = anEventPathRuleSet({
  steps: [{ use: "least-loaded" }],
  capacity: { maxOpen: 5 },
});

interface Team {
  name: string;
  manager: string;
  /** Active members, who may receive leads. */
  members: string[];
  joined: number;
  /** A member away for good: keeps their own leads, receives none. */
  away: string;
  /** Leads nobody hands over: the away member's, and the cold pool's. */
  untouched: Map<string, { owner?: string; version?: number; ownerChanges: number }>;
}

interface DepartureTrial {
  label: string;
  team: Team;
  leaver: string;
  /** Who could receive the leaver's leads when they left. */
  roster: string[];
  book: string[];
  aliveFor: number;
  phase: "crash" | "restart" | "done";
  departureId?: string;
  died?: boolean;
  calls?: number;
  /**
   * The leads filed under the leaver's departures on the byKind index when the departure finished
   * (a later departure of a receiver files a lead anew, so it is read then, not at the end).
   */
  journal?: Item[];
}

function aTeamOf(index: number, seed: number, suffix: string) {
  const random = seededRandom(seed);
  const below = (n: number) => Math.floor(random() * n);
  const name = `t${index}`;
  const person = (id: string, extra: Partial<Rep> = {}) =>
    aRep({
      id,
      name: `Person ${id}`,
      email: emailOf(id, suffix),
      manager: `${name}-mgr`,
      team: name,
      ...extra,
    });
  const members = [1, 2, 3].map((n) => `${name}-r${n}`);
  const team: Team = {
    name,
    manager: `${name}-mgr`,
    members,
    joined: members.length,
    away: `${name}-away`,
    untouched: new Map(),
  };
  const reps = [
    person(team.manager, { manager: "head", team: undefined }),
    ...members.map((id) => person(id)),
    person(team.away, { status: "away", awayUntil: FAR_FUTURE }),
  ];
  const leads: Lead[] = [];
  let made = 0;
  const lead = (owner: string, stage: string, into = leads) => {
    made += 1;
    const id = `${name}-L${String(made).padStart(3, "0")}`;
    into.push(
      aFreshLead(id, {
        owner,
        stage,
        amount: 1_000 * (1 + below(80)),
        ...(random() < 0.2 ? { source: "inbound" } : {}),
      }),
    );
    return id;
  };
  for (const member of members)
    for (let n = 2 + below(2); n > 0; n -= 1)
      lead(member, OPEN_STAGES[below(OPEN_STAGES.length)] as string);
  for (let i = 0; i < 2; i += 1) {
    team.untouched.set(lead(team.away, "contacted"), { owner: team.away, ownerChanges: 0 });
    // Abandoned, so already in the cold pool (version 1, one owner change): no departure sees it.
    team.untouched.set(lead(members[i] as string, "abandoned"), { version: 1, ownerChanges: 1 });
  }
  /** A rep who joins with a lead of their own (found before they joined). */
  const joiner = (id: string) => {
    const own: Lead[] = [];
    lead(id, OPEN_STAGES[below(OPEN_STAGES.length)] as string, own);
    return { rep: person(id), leads: own };
  };
  return { team, reps, leads, joiner };
}

// ---- sweeps -----------------------------------------------------------------------------------

/** 5-day stages; owner at 1×, manager at 2×, manager's manager at 3×, when it is also reassigned. */
const sweepRules = aScheduledPathRuleSet({ actions: [{ after: "3x", do: "reassign" }] });
const LIMIT = 5 * DAY;
const SELLERS = ["sw-a", "sw-b", "sw-c"];
const FIRST_DAY = shanghai("2026-11-02T09:00");

interface SweepLead {
  id: string;
  owner: string;
  enteredAt: number;
  /** Escalation levels already notified, as the model follows it. */
  level: number;
  /** The trial whose sweep should reassign it (past 3×). */
  reassignedBy?: string;
}

interface SweepTrial {
  label: string;
  at: string;
  /** Recipient → the leads their digest must list. */
  digests: Map<string, string[]>;
  aliveFor: number;
  died?: boolean;
  calls?: number;
  /** Recipients whose email SES accepted just before the process died, before it was marked sent. */
  window: Set<string>;
}

/** Who hears about a lead at each level: its owner, the manager, the manager's manager. */
const recipientAt = (lead: SweepLead, level: number) =>
  level === 0 ? lead.owner : level === 1 ? "sw-mgr" : "head";

/** Working days at 09:00 in Shanghai from FIRST_DAY, as the working-day sweep fires. */
function workingDays(count: number): string[] {
  const days: string[] = [];
  for (let at = Date.parse(FIRST_DAY); days.length < count; at += DAY)
    if (sweepRules.calendar.isWorkingDay(at)) days.push(new Date(at).toISOString());
  return days;
}

// ---- the trials -------------------------------------------------------------------------------

describe.concurrent("crash at a random point, then restart", () => {
  it("hands every lead of a departing rep over exactly once, to an active teammate or the pool, whatever call the departure died at", async ({
    expect,
    onTestFinished,
  }) => {
    const base = faultSeed(20261113);
    const tableName = await stack.freshTable("fault-crash-departures");
    const suffix = aSuffix();
    const clock = aSettableClock(new Date().toISOString());
    const healthy = createRuntime(configOf(tableName), departureRules, { clock });
    const mortal = aMortalProcess(tableName, departureRules, clock);
    onTestFinished(() => mortal.close());

    const teams = Array.from({ length: 4 }, (_, i) => aTeamOf(i + 1, base - i - 1, suffix));
    const head = aRep({
      id: "head",
      name: "Head",
      email: emailOf("head", suffix),
      manager: undefined,
    });
    await putItems(
      stack.documents,
      tableName,
      [head, ...teams.flatMap((t) => t.reps)].map(repItem),
    );
    // The stream handler applies every write: the teams' leads, the joiners' and the HR sync's,
    // and the departures' own moves (each adds an owner change to the lead's history).
    let current: DepartureTrial | undefined;
    const poller = createStreamPoller({
      clientConfig: stack.clientConfig,
      tableName,
      maxRetries: -1,
      handler: async (event): Promise<DynamoDBBatchResponse> => {
        for (const record of event.Records) {
          const trial = current;
          const leaving =
            trial !== undefined &&
            record.dynamodb?.Keys?.pk?.S === `REP#${trial.leaver}` &&
            record.dynamodb?.NewImage?.status?.S === "left";
          const dying = leaving && trial?.phase === "crash";
          if (dying) trial.departureId = record.dynamodb?.SequenceNumber;
          const response = await handleStreamEvent(dying ? mortal.runtime : healthy, {
            Records: [record],
          });
          if (dying) {
            await mortal.settled();
            trial.died = mortal.died();
            trial.calls = mortal.calls();
            trial.phase = "restart";
          } else if (leaving && response.batchItemFailures.length === 0) trial.phase = "done";
          if (response.batchItemFailures.length > 0) return response;
        }
        return { batchItemFailures: [] };
      },
    });
    onTestFinished(() => poller.stop());
    await putItems(stack.documents, tableName, teams.flatMap((t) => t.leads).map(leadItem));
    await poller.drain({ timeoutMs: 60_000 });

    const made: DepartureTrial[] = [];
    for (let i = 0; i < trials(55); i += 1) {
      figures.trial();
      const seed = base + i;
      const random = seededRandom(seed);
      const below = (n: number) => Math.floor(random() * n);
      const { team, joiner } = teams[i % teams.length] ?? (teams[0] as (typeof teams)[number]);
      if (team.members.length <= 2 || random() < 0.5) {
        team.joined += 1;
        const joining = joiner(`${team.name}-r${team.joined}`);
        await putItems(stack.documents, tableName, [
          repItem(joining.rep),
          ...joining.leads.map(leadItem),
        ]);
        team.members.push(joining.rep.id);
      }
      const books = await Promise.all(
        team.members.map(async (id) => ({ id, book: await healthy.departures.ownedBy(id) })),
      );
      const withLeads = books.filter(({ book }) => book.length > 0);
      const leaving = withLeads[below(withLeads.length)] ?? books[0];
      if (leaving === undefined) throw new Error(`team ${team.name} has nobody left`);
      const trial: DepartureTrial = {
        label: `departure ${i} of ${leaving.id} (seed ${seed})`,
        team,
        leaver: leaving.id,
        roster: team.members.filter((id) => id !== leaving.id),
        book: leaving.book.map((lead) => lead.id),
        // 1 + 3 reads, a move per lead, 2 reads, then at least one enqueue: a process that dies
        // after at most 6 + moves calls dies before the departure is done.
        aliveFor: below(7 + leaving.book.length),
        phase: "crash",
      };
      made.push(trial);
      team.members = trial.roster;
      current = trial;
      mortal.arm(trial.aliveFor);
      await stack.documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `REP#${trial.leaver}`, sk: "REP" },
          UpdateExpression: "SET #status = :left, updatedBy = :by",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":left": "left", ":by": "hr-sync" },
        }),
      );
      for (let round = 0; trial.phase !== "done" && round < 400; round += 1) {
        if ((await poller.pollOnce()) === 0) await new Promise((r) => setTimeout(r, 5));
      }
      trial.journal = (await scanAll(tableName)).filter(
        (item) => item.sk === "LEAD" && String(item.kindPk).startsWith(`HANDOFF#${trial.leaver}#`),
      );
      figures.count("leads handed over", trial.book.length);
    }
    current = undefined;
    await poller.drain({ timeoutMs: 60_000 });

    const items = await scanAll(tableName);
    const leads = new Map(items.filter((i) => i.sk === "LEAD").map((i) => [String(i.id), i]));
    const histories = new Map<string, Item[]>();
    for (const item of items.filter((i) => String(i.sk).startsWith("HIST#")))
      histories.set(String(item.pk), [...(histories.get(String(item.pk)) ?? []), item]);
    const moves = new Map<string, number>();
    const { found, check } = violations();

    for (const trial of made) {
      const t = `${trial.label}, died after ${trial.aliveFor} calls`;
      check(t, trial.died === true, () => `the departure did not die (${trial.calls} calls)`);
      check(t, trial.phase === "done", () => "the redelivered departure did not finish");
      figures.count("departure calls before the crash", trial.aliveFor);

      const journal = trial.journal ?? [];
      const moved = journal.map((entry) => String(entry.id));
      check(
        t,
        sameSet(moved, trial.book) && new Set(moved).size === moved.length,
        () => `the journal lists ${moved.join(", ")}; the leaver held ${trial.book.join(", ")}`,
      );
      check(
        t,
        journal.every((entry) => entry.kindPk === `HANDOFF#${trial.leaver}#${trial.departureId}`),
        () => "a lead was journalled by another departure than the REP record's",
      );
      for (const id of moved) moves.set(id, (moves.get(id) ?? 0) + 1);

      const received = new Map<string, string[]>();
      for (const entry of journal) {
        const to = entry.owner;
        if (typeof to === "string") {
          check(
            t,
            trial.roster.includes(to),
            () =>
              `${String(entry.id)} went to ${to}, not an active teammate (${trial.roster.join(", ")})`,
          );
          received.set(to, [...(received.get(to) ?? []), String(entry.id)]);
        } else {
          figures.count("leads handed to the pool");
          check(
            t,
            entry.pool === "unassigned",
            () => `${String(entry.id)} went to nobody and pool ${String(entry.pool)}`,
          );
        }
      }
      // One handoff to the manager listing everything, one to each receiver listing theirs.
      const handoffs = items.filter((item) =>
        String(item.pk).startsWith(`OUTBOX#handoff#${trial.leaver}#`),
      );
      const recipients = handoffs.map((h) => String(h.recipientId));
      check(
        t,
        sameSet(recipients, [trial.team.manager, ...received.keys()]),
        () =>
          `handoffs went to ${recipients.join(", ")}, expected ${[trial.team.manager, ...received.keys()].join(", ")}`,
      );
      check(
        t,
        handoffs.every((h) => String(h.key).includes(`#${trial.departureId}#`)),
        () => "a handoff belongs to another departure",
      );
      const toManager = handoffs.find((h) => h.recipientId === trial.team.manager);
      check(
        t,
        sameSet(listedIn(toManager, trial.book), trial.book),
        () => `the manager's handoff lists ${listedIn(toManager, trial.book).join(", ")}`,
      );
      for (const [rep, ids] of received) {
        const listed = listedIn(
          handoffs.find((h) => h.recipientId === rep),
          trial.book,
        );
        check(
          t,
          sameSet(listed, ids),
          () => `${rep}'s handoff lists ${listed.join(", ")}, received ${ids.join(", ")}`,
        );
      }
    }

    // Every lead where it should be: never with someone who left, moved once per departure.
    const left = new Set(made.map((trial) => trial.leaver));
    for (const { team } of teams) {
      for (const [id, lead] of leads) {
        if (!id.startsWith(`${team.name}-`)) continue;
        const t = `lead ${id}`;
        const owner = lead.owner;
        const kept = team.untouched.get(id);
        // One transition (its creation), and one owner change per move, never one twice.
        const history = (histories.get(`LEAD#${id}`) ?? []).map((entry) => String(entry.type));
        const changes = kept?.ownerChanges ?? moves.get(id) ?? 0;
        check(
          t,
          history.filter((type) => type === "transition").length === 1 &&
            history.filter((type) => type === "owner-change").length === changes &&
            history.length === 1 + changes,
          () => `history ${history.join(", ")}; expected a transition and ${changes} owner changes`,
        );
        if (kept !== undefined) {
          check(
            t,
            lead.owner === kept.owner && lead.version === kept.version,
            () =>
              `a lead no departure may touch changed: owner ${String(owner)}, version ${String(lead.version)}`,
          );
          continue;
        }
        check(
          t,
          (lead.version ?? 0) === (moves.get(id) ?? 0),
          () =>
            `changed owner ${String(lead.version ?? 0)} times, journalled ${moves.get(id) ?? 0} times`,
        );
        if (typeof owner === "string") {
          check(
            t,
            !left.has(owner) && team.members.includes(owner),
            () => `owned by ${owner}, who is not an active member of ${team.name}`,
          );
          check(
            t,
            lead.ownerPk === `OWNER#${owner}` && lead.pool === undefined,
            () =>
              `owned by ${owner} but listed as ${String(lead.ownerPk)}, pool ${String(lead.pool)}`,
          );
        } else {
          check(
            t,
            lead.pool === "unassigned" && lead.ownerPk === undefined,
            () => `has no owner and pool ${String(lead.pool)}`,
          );
        }
      }
    }

    expect(found, `departure crash trials, seeds from ${base} (FUNNEL_FAULT_SEED)`).toEqual([]);
    await expectAggregatesMatchRecount(stack, tableName);
    figures.check(true);
  });

  it("alerts each level once, reassigns each lead past 3× once and sends each digest, whatever call the sweep died at", async ({
    expect,
    onTestFinished,
  }) => {
    const base = faultSeed(20261113) + 10_000;
    const tableName = await stack.freshTable("fault-crash-sweeps");
    const suffix = aSuffix();
    const clock = aSettableClock(FIRST_DAY);
    const healthy = createRuntime(configOf(tableName), sweepRules, { clock });
    const mortal = aMortalProcess(tableName, sweepRules, clock);
    onTestFinished(() => mortal.close());
    const person = (id: string, manager: string | undefined) =>
      aRep({ id, name: `Person ${id}`, email: emailOf(id, suffix), manager });
    const people = ["head", "sw-mgr", ...SELLERS];
    await putItems(
      stack.documents,
      tableName,
      [
        person("head", undefined),
        person("sw-mgr", "head"),
        ...SELLERS.map((id) => person(id, "sw-mgr")),
      ].map(repItem),
    );

    // The stream handler applies the new leads (their grade, timer and counts) and what the
    // sweeps write back (a reassignment adds an owner change to the lead's history).
    const applied = new Set<string>();
    const poller = createStreamPoller({
      clientConfig: stack.clientConfig,
      tableName,
      maxRetries: -1,
      handler: async (event) => {
        const response = await handleStreamEvent(healthy, event);
        for (const record of event.Records) applied.add(String(record.dynamodb?.Keys?.pk?.S));
        return response;
      },
    });
    onTestFinished(() => poller.stop());

    const model: SweepLead[] = [];
    const made: SweepTrial[] = [];
    const days = workingDays(trials(45));
    for (const [i, at] of days.entries()) {
      figures.trial();
      const seed = base + i;
      const random = seededRandom(seed);
      const below = (n: number) => Math.floor(random() * n);
      const label = `sweep ${i} at ${at} (seed ${seed})`;

      // One or two new leads, entered up to 3.8× their limit ago (never just on a boundary).
      const fresh: Lead[] = [];
      for (let n = 1 + below(2); n > 0; n -= 1) {
        let over = random() * 3.8;
        if (Math.abs(over - Math.round(over)) < 0.03) over += 0.05;
        const lead: SweepLead = {
          id: `W${String(model.length + 1).padStart(3, "0")}`,
          owner: SELLERS[below(SELLERS.length)] as string,
          enteredAt: Date.parse(at) - over * LIMIT,
          level: 0,
        };
        model.push(lead);
        fresh.push(
          aFreshLead(lead.id, {
            owner: lead.owner,
            stage: random() < 0.5 ? "contacted" : "lead",
            stageEnteredAt: new Date(lead.enteredAt).toISOString(),
            amount: 1_000 * (1 + below(80)),
          }),
        );
      }
      await putItems(stack.documents, tableName, fresh.map(leadItem));
      for (
        let round = 0;
        round < 400 && fresh.some((l) => !applied.has(`LEAD#${l.id}`));
        round += 1
      )
        if ((await poller.pollOnce()) === 0) await new Promise((r) => setTimeout(r, 5));

      // What this day's sweep must do, from the model: the levels each due lead reached.
      const digests = new Map<string, string[]>();
      let due = 0;
      let reassigned = 0;
      for (const lead of model) {
        if (lead.level >= 3 || lead.enteredAt + (lead.level + 1) * LIMIT > Date.parse(at)) continue;
        due += 1;
        const reached = Math.min(3, Math.floor((Date.parse(at) - lead.enteredAt) / LIMIT));
        for (let level = lead.level; level < reached; level += 1) {
          const to = recipientAt(lead, level);
          digests.set(to, [...(digests.get(to) ?? []), lead.id]);
        }
        if (reached >= 3) {
          reassigned += 1;
          lead.reassignedBy = label;
        }
        lead.level = reached;
      }
      // 8 shard reads and the org; an enqueue per digest, 3 calls per reassignment (which writes
      // the lead's timer with the move), a timer per other due lead; 8 shard reads of the outbox,
      // then a claim and a mark per digest.
      const calls = 9 + digests.size + 3 * reassigned + (due - reassigned) + 8 + 2 * digests.size;
      const trial: SweepTrial = { label, at, digests, aliveFor: below(calls), window: new Set() };
      made.push(trial);

      const sweep = { scheduleId: "dwell-sweep", job: "sweep" as const, scheduledTime: at };
      clock.set(at);
      mortal.arm(trial.aliveFor);
      const crashed = await runScheduledJob(mortal.runtime, sweep).then(
        () => false,
        () => true,
      );
      await mortal.settled();
      trial.died = crashed && mortal.died();
      trial.calls = mortal.calls();
      for (const address of mortal.accepted) {
        const recipient = people.find((id) => emailOf(id, suffix) === address) ?? address;
        const item = await healthy.outbox.get(`dwell#dwell-sweep@${at}#${recipient}`);
        if (item?.status !== "sent") trial.window.add(recipient);
      }
      await runScheduledJob(healthy, sweep);
      await runScheduledJob(healthy, {
        scheduleId: "outbox-retry",
        job: "outbox",
        scheduledTime: plusMs(at, 15 * MINUTE),
      });
    }

    await poller.drain({ timeoutMs: 60_000 });
    const items = await scanAll(tableName);
    const leads = new Map(items.filter((i) => i.sk === "LEAD").map((i) => [String(i.id), i]));
    const ids = model.map((lead) => lead.id);
    // Each email as "<recipient> <the leads it lists>": a lead reaches a recipient in one run only.
    const delivered = new Map<string, number>();
    for (const email of await readInbox(stack.sesEndpoint)) {
      const recipient = people.find((id) => email.to.includes(emailOf(id, suffix)));
      if (recipient === undefined) continue;
      const key = `${recipient} ${listedIn({ text: email.text }, ids).sort().join(",")}`;
      delivered.set(key, (delivered.get(key) ?? 0) + 1);
    }
    const { found, check } = violations();

    for (const trial of made) {
      const t = `${trial.label}, died after ${trial.aliveFor} calls`;
      check(t, trial.died === true, () => `the sweep did not die (${trial.calls} calls)`);
      figures.count("sweep calls before the crash", trial.aliveFor);
      figures.count("digests", trial.digests.size);
      figures.count(
        "sent twice: SES took it, the process died before marking it",
        trial.window.size,
      );

      const queued = items.filter((item) =>
        String(item.pk).startsWith(`OUTBOX#dwell#dwell-sweep@${trial.at}#`),
      );
      const recipients = queued.map((q) => String(q.recipientId));
      check(
        t,
        sameSet(recipients, [...trial.digests.keys()]),
        () =>
          `digests for ${recipients.join(", ")}, expected ${[...trial.digests.keys()].join(", ")}`,
      );
      for (const [recipient, expected] of trial.digests) {
        const digest = queued.find((q) => q.recipientId === recipient);
        const listed = listedIn(digest, ids);
        check(
          t,
          digest?.status === "sent" && digest.duePk === undefined,
          () => `${recipient}'s digest is ${String(digest?.status)}`,
        );
        check(
          t,
          sameSet(listed, expected) && leadLines(String(digest?.text)).length === expected.length,
          () => `${recipient}'s digest lists ${listed.join(", ")}, expected ${expected.join(", ")}`,
        );
        const times = delivered.get(`${recipient} ${[...expected].sort().join(",")}`) ?? 0;
        const once = 1 + (trial.window.has(recipient) ? 1 : 0);
        check(
          t,
          times === once,
          () => `${recipient} received this run's digest ${times} times, expected ${once}`,
        );
        delivered.delete(`${recipient} ${[...expected].sort().join(",")}`);
      }
    }
    check(
      "the inbox",
      delivered.size === 0,
      () => `emails no run should have sent: ${[...delivered.keys()].join("; ")}`,
    );

    // Every lead where the model says: its level, its next check, its owner.
    const last = Date.parse(days.at(-1) ?? FIRST_DAY);
    for (const planned of model) {
      const lead = leads.get(planned.id);
      const t = `lead ${planned.id}${planned.reassignedBy ? ` (${planned.reassignedBy})` : ""}`;
      const level = Math.min(3, Math.floor((last - planned.enteredAt) / LIMIT));
      check(
        t,
        lead?.dwellLevel === level,
        () => `dwell level ${String(lead?.dwellLevel)}, expected ${level}`,
      );
      const next =
        level >= 3
          ? undefined
          : `${new Date(planned.enteredAt + (level + 1) * LIMIT).toISOString()}#${planned.id}`;
      check(t, lead?.dueSk === next, () => `next check ${String(lead?.dueSk)}, expected ${next}`);
      const owner = lead?.owner;
      check(
        t,
        typeof owner === "string" &&
          SELLERS.includes(owner) &&
          lead?.ownerPk === `OWNER#${owner}` &&
          lead?.pool === undefined,
        () => `owned by ${String(owner)} (${String(lead?.ownerPk)}, pool ${String(lead?.pool)})`,
      );
      const history = items
        .filter((item) => item.pk === `LEAD#${planned.id}` && String(item.sk).startsWith("HIST#"))
        .map((entry) => String(entry.type))
        .sort();
      const expectedHistory = level >= 3 ? ["owner-change", "transition"] : ["transition"];
      check(
        t,
        JSON.stringify(history) === JSON.stringify(expectedHistory),
        () => `history ${history.join(", ")}, expected ${expectedHistory.join(", ")}`,
      );
      if (level >= 3) {
        check(
          t,
          owner !== planned.owner &&
            lead?.previousOwner === planned.owner &&
            lead?.version === 1 &&
            lead?.dwellActions === 1,
          () =>
            `past 3× but not reassigned once: owner ${String(owner)} (was ${planned.owner}), version ${String(lead?.version)}, dwellActions ${String(lead?.dwellActions)}`,
        );
      } else {
        check(
          t,
          owner === planned.owner && lead?.version === undefined,
          () => `moved from ${planned.owner} to ${String(owner)} before 3×`,
        );
      }
    }

    expect(found, `sweep crash trials, seeds from ${base} (FUNNEL_FAULT_SEED + 10000)`).toEqual([]);
    await expectAggregatesMatchRecount(stack, tableName);
    figures.check(true);
  });
});
