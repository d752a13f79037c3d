import { describe, expect, it } from "vitest";
import { createSesMailer, type Mailer } from "../../functions/adapters/mailer";
import { createRuntime, type Runtime } from "../../functions/adapters/runtime";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import { type JobResult, runScheduledJob } from "../../functions/handlers/scheduled";
import { type InboxEmail, readInbox } from "../../functions/local/ses-inbox";
import { aFreshLead, anOwnedLead, aSeller } from "../support/event-path-factories";
import { aRep, aRuleFile } from "../support/factories";
import { faultFigures, faultSeed, trials } from "../support/fault-figures";
import { useLocalStack } from "../support/local-stack";
import {
  aLeadInStageSince,
  aScheduledPath,
  aScheduledPathRuleSet,
  aThrottlingError,
  plusDays,
  type ScheduledPath,
  seededRandom,
} from "../support/scheduled-path-factories";

/*
 * SES failing or throttling 30 % of sends at random (seeded) while the outbox delivers every kind
 * of email the engine writes: dwell digests of the sweep (owners, managers, managers' managers),
 * entry-check notices, the pool notice, and the handoffs of a departure. After the sweep's own
 * drain, the outbox job runs again at each next retry time until nothing is pending.
 *
 * The retry policy (functions/adapters/outbox.ts): a failed send stays pending, its attempts
 * counted and its error kept, and is retried after 1, 2, 4 … minutes, at most an hour apart. There
 * is no maximum number of attempts and no dead letter: an email SES keeps refusing stays pending
 * (and the outbox alarm fires), so "within the retry policy" every email ends sent.
 */

const stack = useLocalStack("faults");
const figures = faultFigures("ses-faults");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Intent requires a budget, so leads created there without one produce entry-check notices. */
const rules = (() => {
  const funnel = aRuleFile().funnels?.[0];
  if (funnel === undefined) throw new Error("the factory rule file has a funnel");
  const stages = funnel.stages.map((stage) =>
    stage.id === "intent" ? { ...stage, requires: ["budget"] } : stage,
  );
  return aScheduledPathRuleSet(
    {},
    {
      funnels: [{ ...funnel, stages }],
      distribution: {
        steps: [
          { use: "territory", leadField: "region", repField: "region", fallback: "pool" },
          { use: "least-loaded" },
        ],
        whenNoRep: { pool: "unassigned", notify: ["manager"] },
        whenRepLeaves: { reassignTo: "same-team", notify: ["manager"] },
      },
    },
  );
})();

interface Send {
  to: string;
  subject: string;
  failed: boolean;
}

interface FlakySes extends Mailer {
  sends: Send[];
}

/**
 * The stand-in's SES, refusing each send with probability `rate` (seeded): half of the refusals
 * as throttling, half as a plain error. `unlucky`'s first `streak` sends all fail.
 */
function aFlakySes(
  seed: number,
  rate: number,
  unlucky?: { address: string; streak: number },
): FlakySes {
  const real = createSesMailer({ region: stack.region, sesEndpoint: stack.sesEndpoint });
  const random = seededRandom(seed);
  const sends: Send[] = [];
  return {
    sends,
    async send(email) {
      const to = email.to[0] ?? "";
      const draw = random();
      const streak =
        unlucky !== undefined &&
        to === unlucky.address &&
        sends.filter((s) => s.to === to).length < unlucky.streak;
      const failed = streak || draw < rate;
      sends.push({ to, subject: email.subject, failed });
      if (failed) {
        if (streak || draw < rate / 2) throw aThrottlingError();
        throw new Error(`simulated SES outage (send ${sends.length})`);
      }
      return real.send(email);
    },
  };
}

const ERRORS = /^(Maximum sending rate exceeded\.|simulated SES outage \(send \d+\))$/;

/** The first working day at 09:00 in Shanghai at least a day from now. */
function nextWorkingMorning(): string {
  for (let day = 1; ; day += 1) {
    const date = new Date(Date.now() + day * 86_400_000).toISOString().slice(0, 10);
    const at = Date.parse(`${date}T01:00:00.000Z`);
    if (rules.calendar.isWorkingDay(at)) return new Date(at).toISOString();
  }
}

/**
 * One sales team's emails of every kind, queued: eight sellers under a manager and a director;
 * overdue leads (1× to 3.9× their limit) for the digests; leads created in intent without a budget
 * (a notice to the owner and the manager each); a lead no rep may take (the pool's notice, once a
 * day); and a seller who leaves with three leads (the handoffs).
 */
async function aTeamWithEmails(path: ScheduledPath, name: string, seed: number, sweepAt: string) {
  const random = seededRandom(seed);
  const below = (n: number) => Math.floor(random() * n);
  const id = (rest: string) => `${name}-${rest}`;
  const sellers = Array.from({ length: 8 }, (_, i) => id(`s${i + 1}`));
  const reps: Rep[] = [
    aRep({
      id: id("dir"),
      name: `Director ${name}`,
      email: path.email(id("dir")),
      manager: "head",
    }),
    aRep({
      id: id("mgr"),
      name: `Manager ${name}`,
      email: path.email(id("mgr")),
      manager: id("dir"),
    }),
    ...sellers.map((seller) =>
      aSeller(seller, path.suffix, { manager: id("mgr"), team: name, region: name }),
    ),
  ];
  await path.putReps(reps);
  const leaver = sellers.at(-1) as string;
  const leads: Lead[] = [];
  sellers.forEach((seller, i) => {
    for (let n = 1 + below(2); n > 0; n -= 1) {
      // The first is past 3×, so the director always has a digest.
      const over = i === 0 && n === 1 ? 3.5 : 1.1 + random() * 2.8;
      leads.push(
        aLeadInStageSince(id(`D${i}${n}`), seller, plusDays(sweepAt, -over * 5), { region: name }),
      );
    }
  });
  for (let i = 1; i <= 3; i += 1) {
    leads.push(
      anOwnedLead(id(`E${i}`), sellers[below(sellers.length - 1)] as string, {
        stage: "intent",
        region: name,
      }),
    );
    leads.push(anOwnedLead(id(`H${i}`), leaver, { stage: "contacted", region: name }));
  }
  // Contacted (5 days), so that it is not overdue itself at the sweep.
  leads.push(aFreshLead(id("P1"), { region: "nowhere", stage: "contacted" }));
  await path.putLeads(leads);
  await path.drain();
  await path.updateRep(leaver, { status: "left", updatedBy: "hr-sync" });
  await path.drain();
  return [...reps.map((rep) => rep.id), "head"];
}

/**
 * Each failure of a drain at `now` is pending again, retried at now + 1 minute × 2^(attempts − 1),
 * at most an hour later, its timer on the byDue index at that time. Returns how many it checked.
 */
async function checkBackoff(
  path: ScheduledPath,
  failures: { key: string; nextAttemptAt: string }[],
  now: string,
  onViolation: (what: string) => void,
): Promise<number> {
  for (const failure of failures) {
    const item = await path.get(`OUTBOX#${failure.key}`, "OUTBOX");
    const attempts = Number(item?.attempts ?? 0);
    const expected = new Date(
      Date.parse(now) + Math.min(HOUR, MINUTE * 2 ** (attempts - 1)),
    ).toISOString();
    if (
      !figures.check(
        failure.nextAttemptAt === expected &&
          item?.status === "pending" &&
          item.dueSk === `${expected}#${failure.key}`,
      )
    )
      onViolation(
        `${failure.key} failed for the ${attempts}. time at ${now}: retried at ${failure.nextAttemptAt} (timer ${String(item?.dueSk)}), the policy says ${expected}`,
      );
  }
  return failures.length;
}

interface Delivery {
  runs: number;
  backoffChecked: number;
}

/**
 * Runs the outbox job at each next retry time (followed from the runs' own results, starting with
 * `first`'s) until no email is waiting. With one runtime, each failure must be retried at the
 * policy's time; with two, two outbox jobs run side by side each time, as two invocations would
 * (one may then retry at once what the other just released).
 */
async function deliverAll(
  path: ScheduledPath,
  runtimes: Runtime[],
  first: JobResult[],
  onViolation: (what: string) => void,
): Promise<Delivery> {
  // Key → next attempt. A waiting email that was due and failed in no drain has been sent; when
  // nothing seems to wait any more, the table has the last word.
  const waiting = new Map<string, number>();
  const follow = (results: JobResult[], now: number) => {
    const failed = new Map<string, number>();
    for (const f of results.flatMap((result) => result.failed))
      failed.set(f.key, Math.max(failed.get(f.key) ?? 0, Date.parse(f.nextAttemptAt)));
    for (const [key, due] of waiting) if (due <= now && !failed.has(key)) waiting.delete(key);
    for (const [key, next] of failed) waiting.set(key, next);
  };
  let at = path.clock.now();
  follow(first, at);
  let runs = 0;
  let backoffChecked = 0;
  for (; runs < 60; runs += 1) {
    if (waiting.size === 0)
      for (const item of await path.outbox())
        if (item.status !== "sent")
          waiting.set(String(item.key), Date.parse(String(item.dueSk).split("#")[0] ?? ""));
    if (waiting.size === 0) break;
    at = Math.max(at + 1, Math.min(...waiting.values()));
    const now = new Date(at).toISOString();
    path.clock.set(now);
    const results = await Promise.all(
      runtimes.map((runtime) =>
        runScheduledJob(runtime, { scheduleId: "outbox-retry", job: "outbox", scheduledTime: now }),
      ),
    );
    follow(results, at);
    if (runtimes.length === 1)
      backoffChecked += await checkBackoff(path, results[0]?.failed ?? [], now, onViolation);
  }
  return { runs, backoffChecked };
}

/** Every email of these people sent once, its failures counted: the checks of one trial. */
function checkDelivered(
  path: ScheduledPath,
  people: string[],
  outbox: Record<string, unknown>[],
  inbox: InboxEmail[],
  sends: Send[],
  onViolation: (what: string) => void,
) {
  const addresses = new Set(people.map((person) => path.email(person)));
  const mine = outbox.filter((item) => addresses.has(String((item.to as string[])[0])));
  const check = (holds: boolean, what: () => string) => {
    if (!figures.check(holds)) onViolation(what());
  };
  check(mine.length > 0, () => "no email was queued");
  for (const item of mine) {
    const key = String(item.key);
    const to = String((item.to as string[])[0]);
    figures.count(`${key.split("#")[0]} emails`);
    check(
      item.status === "sent" && item.duePk === undefined,
      () => `${key} is ${String(item.status)}`,
    );
    const copies = inbox.filter(
      (email) =>
        email.to.includes(to) && email.subject === item.subject && email.text === item.text,
    ).length;
    check(copies === 1, () => `${key} reached SES ${copies} times`);
    const attempts = Number(item.attempts ?? 0);
    check(
      attempts === 0 ? item.lastError === undefined : ERRORS.test(String(item.lastError)),
      () => `${key}: ${attempts} failed attempts, last error ${String(item.lastError)}`,
    );
    figures.count("failed attempts recorded", attempts);
  }
  for (const address of addresses) {
    const failed = sends.filter((send) => send.to === address && send.failed).length;
    const recorded = mine
      .filter((item) => (item.to as string[])[0] === address)
      .reduce((sum, item) => sum + Number(item.attempts ?? 0), 0);
    check(
      failed === recorded,
      () => `${address}: SES refused ${failed} sends, the outbox counts ${recorded}`,
    );
    const delivered = inbox.filter((email) => email.to.includes(address)).length;
    const queued = mine.filter((item) => (item.to as string[])[0] === address).length;
    check(
      delivered === queued,
      () => `${address}: ${delivered} emails in SES for ${queued} queued`,
    );
  }
}

describe("the outbox while SES fails 30 % of sends", () => {
  it("delivers every digest, notice and handoff exactly once, with its failed attempts counted and retried on the policy's schedule", async () => {
    const base = faultSeed(20261109);
    const path = await aScheduledPath(stack, {
      prefix: "fault-ses",
      rules,
      reps: (s) => [
        aRep({ id: "head", name: "Head", email: `head-${s}@example.com`, manager: undefined }),
      ],
    });
    const sweepAt = nextWorkingMorning();
    const violations: string[] = [];
    const results: { people: string[]; sends: Send[]; seed: number }[] = [];

    for (let trial = 0; trial < trials(3); trial += 1) {
      const seed = base + trial;
      figures.trial();
      const people = await aTeamWithEmails(path, `t${trial}`, seed, sweepAt);
      // In the first trial the director's first seven sends all fail: retried ever later, the
      // seventh an hour later (the cap), and still sent in the end.
      const unlucky = trial === 0 ? { address: path.email("t0-dir"), streak: 7 } : undefined;
      const ses = aFlakySes(seed, 0.3, unlucky);
      const jobs = createRuntime(
        {
          tableName: path.tableName,
          rulesDir: "rules",
          region: stack.region,
          dynamoEndpoint: stack.dynamoEndpoint,
        },
        rules,
        { clock: path.clock, mailer: ses },
      );
      const sweep = await path.run("sweep", sweepAt, jobs);
      figures.count("emails sent by the sweep's own drain", sweep.emailsSent);
      figures.count(
        "retry times checked",
        await checkBackoff(path, sweep.failed, sweepAt, (what) =>
          violations.push(`seed ${seed}: ${what}`),
        ),
      );
      const delivery = await deliverAll(path, [jobs], [sweep], (what) =>
        violations.push(`seed ${seed}: ${what}`),
      );
      figures.count("outbox runs", delivery.runs);
      figures.count("retry times checked", delivery.backoffChecked);
      figures.count("SES sends", ses.sends.length);
      figures.count("SES refusals", ses.sends.filter((send) => send.failed).length);
      results.push({ people, sends: ses.sends, seed });
    }

    const outbox = await path.outbox();
    const inbox = (await readInbox(stack.sesEndpoint)).filter((email) =>
      email.to.some((to) => to.endsWith(`-${path.suffix}@example.com`)),
    );
    for (const { people, sends, seed } of results)
      checkDelivered(
        path,
        people.filter((p) => p !== "head"),
        outbox,
        inbox,
        sends,
        (what) => violations.push(`seed ${seed}: ${what}`),
      );
    // The pool's notice goes to the head once a day (so once here, unless the run straddles a
    // midnight in Shanghai): each sent once, its refusals counted.
    const notices = outbox.filter((item) => String(item.key).startsWith("no-rep#"));
    const toHead = inbox.filter((email) => email.to.includes(path.email("head")));
    const refusedHead = results
      .flatMap(({ sends }) => sends)
      .filter((send) => send.to === path.email("head") && send.failed).length;
    const noticeAttempts = notices.reduce((sum, item) => sum + Number(item.attempts ?? 0), 0);
    for (const [holds, what] of [
      [notices.length > 0, "no pool notice was queued"],
      [notices.every((item) => item.status === "sent"), "a pool notice is unsent"],
      [toHead.length === notices.length, `the head got ${toHead.length} emails`],
      [
        noticeAttempts === refusedHead,
        `pool notices: ${refusedHead} refusals, ${noticeAttempts} counted`,
      ],
    ] as const)
      if (!figures.check(holds)) violations.push(what);
    // The first director's first seven sends failed; the digest was still sent, in the end.
    const director = outbox.find((item) => item.recipientId === "t0-dir");
    if (!figures.check(director?.status === "sent" && Number(director.attempts) >= 7))
      violations.push(
        `the first director's digest is ${String(director?.status)} after ${String(director?.attempts)} failed attempts`,
      );
    figures.count(
      "longest failure streak",
      Math.max(...outbox.map((item) => Number(item.attempts ?? 0))),
    );

    expect(violations, `SES fault trials, seeds from ${base} (FUNNEL_FAULT_SEED)`).toEqual([]);
  });

  it("delivers each email once when two outbox drains run side by side on two runtimes under the same failures", async () => {
    const seed = faultSeed(20261109) + 100;
    const path = await aScheduledPath(stack, {
      prefix: "fault-ses-race",
      rules,
      reps: (s) => [
        aRep({ id: "head", name: "Head", email: `head-${s}@example.com`, manager: undefined }),
      ],
    });
    figures.trial();
    const sweepAt = nextWorkingMorning();
    const people = await aTeamWithEmails(path, "race", seed, sweepAt);
    const sesA = aFlakySes(seed, 0.3);
    const sesB = aFlakySes(seed + 1, 0.3);
    const config = {
      tableName: path.tableName,
      rulesDir: "rules",
      region: stack.region,
      dynamoEndpoint: stack.dynamoEndpoint,
    };
    const a = createRuntime(config, rules, { clock: path.clock, mailer: sesA });
    const b = createRuntime(config, rules, { clock: path.clock, mailer: sesB });

    // The sweep (with its own drain) and an outbox job fire at the same instant, then two
    // outbox jobs at once at each retry time.
    path.clock.set(sweepAt);
    const first = await Promise.all([
      runScheduledJob(a, { scheduleId: "dwell-sweep", job: "sweep", scheduledTime: sweepAt }),
      runScheduledJob(b, { scheduleId: "outbox-retry", job: "outbox", scheduledTime: sweepAt }),
    ]);
    const violations: string[] = [];
    const delivery = await deliverAll(path, [a, b], first, (what) => violations.push(what));
    figures.count("outbox runs", delivery.runs * 2);
    const sends = [...sesA.sends, ...sesB.sends];
    figures.count("SES sends", sends.length);
    figures.count("SES refusals", sends.filter((send) => send.failed).length);

    const inbox = (await readInbox(stack.sesEndpoint)).filter((email) =>
      email.to.some((to) => to.endsWith(`-${path.suffix}@example.com`)),
    );
    checkDelivered(path, people, await path.outbox(), inbox, sends, (what) =>
      violations.push(what),
    );
    expect(
      sends.filter((send) => !send.failed).length,
      "SES accepted exactly one send per email",
    ).toBe((await path.outbox()).length);
    expect(violations, `two drains side by side, seed ${seed}`).toEqual([]);
  });
});
