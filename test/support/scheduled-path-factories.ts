import { DateTime } from "luxon";
import type { Clock } from "../../functions/adapters/clock";
import { timerKeys } from "../../functions/adapters/item-keys";
import { createSesMailer, type Mailer, type OutgoingEmail } from "../../functions/adapters/mailer";
import { createRuntime, type Runtime } from "../../functions/adapters/runtime";
import type { Decision, DwellAlertDecision } from "../../functions/core/decisions";
import type { Lead } from "../../functions/core/records/lead";
import type { Rep } from "../../functions/core/records/rep";
import type {
  DwellAlertRules,
  Job,
  RuleFile,
  ScheduleRules,
} from "../../functions/core/rules/rule-schema";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { type JobResult, runScheduledJob } from "../../functions/handlers/scheduled";
import { type InboxEmail, readInbox } from "../../functions/local/ses-inbox";
import { anEventPath, type EventPath } from "./event-path";
import { anEventPathRuleSet, anOwnedLead, aSeller, aTeam } from "./event-path-factories";
import { aRep } from "./factories";
import type { TestLocalStack } from "./local-stack";

/*
 * Test data for the scheduled path (EventBridge-style jobs on DynamoDB Local + the SES stand-in).
 * Leads go in through the real stream (the event path computes their due times); the jobs run on
 * a second runtime over the same table, with a clock the test sets to each run's instant and a
 * mailer the test may make fail.
 */

type Item = Record<string, unknown>;

export const ZONE = "Asia/Shanghai";

/** A wall-clock time in Shanghai ("2026-10-10T11:00") as the UTC instant ISO string. */
export function shanghai(local: string): string {
  const instant = DateTime.fromISO(local, { zone: ZONE });
  if (!instant.isValid) throw new Error(`not a local time: ${local}`);
  return instant.toUTC().toISO() ?? "";
}

/** `iso` moved by whole or fractional days (86 400 000 ms each) or by milliseconds. */
export const plusDays = (iso: string, days: number) =>
  new Date(Date.parse(iso) + days * 86_400_000).toISOString();
export const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** The schedules of the shipped rules' shape: a working-day sweep, the cold release, the outbox. */
export const SCHEDULES: ScheduleRules[] = [
  { id: "dwell-sweep", job: "sweep", cron: "0 9 * * *", workingDaysOnly: true },
  { id: "cold-release", job: "release-cold", cron: "0 8 * * *" },
  { id: "outbox-retry", job: "outbox", cron: "*/15 * * * *" },
];

const scheduleOf: Record<string, string> = {
  sweep: "dwell-sweep",
  "release-cold": "cold-release",
  outbox: "outbox-retry",
};

/**
 * The event-path rule set (factory funnel: contacted and lead 5d, intent 3bd, contacted's playbook
 * "Follow up"; Shanghai calendar with the October holidays and 2026-10-10 worked; least-loaded
 * distribution; cold pool 30d back to resource/C; owner → manager → manager's manager at 1×/2×/3×)
 * with the schedules above and these dwell alert settings.
 */
export function aScheduledPathRuleSet(
  dwell: Partial<DwellAlertRules> = {},
  overrides: Partial<RuleFile> = {},
): RuleSet {
  return anEventPathRuleSet(
    {},
    {
      schedules: SCHEDULES,
      alerts: {
        dwell: {
          escalation: [
            { after: "1x", notify: "owner" },
            { after: "2x", notify: "manager" },
            { after: "3x", notify: "managers-manager" },
          ],
          ...dwell,
        },
      },
      ...overrides,
    },
  );
}

/** A lead some rep works, that entered `stage` (default contacted, 5d) at `enteredAt`. */
export function aLeadInStageSince(
  id: string,
  owner: string,
  enteredAt: string,
  overrides: Partial<Lead> = {},
): Lead {
  return anOwnedLead(id, owner, { stage: "contacted", stageEnteredAt: enteredAt, ...overrides });
}

/**
 * mgr-1 (under the head) leads the sellers rep-a and rep-b and the manager mgr-2, who leads the
 * seller rep-c: mgr-1 is rep-a's and rep-b's manager and rep-c's manager's manager.
 */
export function aTwoLevelOrg(suffix: string, extra: Rep[] = []): Rep[] {
  return [
    ...aTeam(suffix, [aSeller("rep-a", suffix), aSeller("rep-b", suffix)]),
    aRep({ id: "mgr-2", name: "Liu Yang", email: `mgr-2-${suffix}@example.com`, manager: "mgr-1" }),
    aSeller("rep-c", suffix, { manager: "mgr-2" }),
    ...extra,
  ];
}

/** A clock that stays where the test puts it. */
export interface SettableClock extends Clock {
  set(iso: string): void;
}

export function aSettableClock(start: string): SettableClock {
  let current = Date.parse(start);
  return {
    now: () => current,
    set(iso) {
      current = Date.parse(iso);
    },
  };
}

/** An error shaped like SES's throttling answer. */
export function aThrottlingError(): Error {
  const error = new Error("Maximum sending rate exceeded.");
  error.name = "Throttling";
  return error;
}

/** Mulberry32: a small seeded generator, so "random" failures are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface FlakyMailer extends Mailer {
  /** Every call, in order, with whether it failed. */
  calls: { to: string[]; failed: boolean }[];
}

/**
 * The stand-in's SES mailer, failing when `fails(callNumber)` says so (1-based) with the error
 * `errorFor(callNumber)` returns, before anything reaches SES.
 */
export function aFlakyMailer(
  stack: Pick<TestLocalStack, "region" | "sesEndpoint">,
  fails: (call: number) => boolean,
  errorFor: (call: number) => Error = (call) => new Error(`simulated SES outage (call ${call})`),
): FlakyMailer {
  const real = createSesMailer({ region: stack.region, sesEndpoint: stack.sesEndpoint });
  const calls: FlakyMailer["calls"] = [];
  return {
    calls,
    async send(email: OutgoingEmail) {
      const call = calls.length + 1;
      const failed = fails(call);
      calls.push({ to: email.to, failed });
      if (failed) throw errorFor(call);
      return real.send(email);
    },
  };
}

/** Fails the first `count` sends: the first with a connection error, the others with throttling. */
export const failingFirst = (
  stack: Pick<TestLocalStack, "region" | "sesEndpoint">,
  count: number,
): FlakyMailer =>
  aFlakyMailer(
    stack,
    (call) => call <= count,
    (call) => (call === 1 ? new Error("connect ECONNRESET") : aThrottlingError()),
  );

/** Fails each send with probability `rate`, drawn from a seeded generator. */
export function failingAtRandom(
  stack: Pick<TestLocalStack, "region" | "sesEndpoint">,
  rate: number,
  seed: number,
): FlakyMailer {
  const random = seededRandom(seed);
  return aFlakyMailer(stack, () => random() < rate);
}

export interface ScheduledPath extends EventPath {
  /** The jobs' clock: `run` sets it to each run's instant. */
  clock: SettableClock;
  /** The runtime the jobs run on (same table, the test's clock and mailer). */
  jobs: Runtime;
  /** Every decision the jobs reported. */
  jobDecisions: Decision[];
  /**
   * Runs `job` as its schedule firing at `at` (the clock is set to `at` first, as on Lambda where
   * the scheduled time and the wall clock agree); `runtime` replaces the jobs' runtime.
   */
  run(job: Job, at: string, runtime?: Runtime): Promise<JobResult>;
  /** The emails the SES stand-in holds for this person of this test. */
  inbox(repId: string): Promise<InboxEmail[]>;
  /** The outbox item of a dwell digest to `repId` of the run at `at`. */
  digest(repId: string, at: string, job?: Job): Promise<Item | undefined>;
}

/**
 * A fresh table with the event path's local runtime (stream), the people written and drained, and
 * a second runtime for the scheduled jobs with a settable clock and `mailer` (SES by default).
 */
export async function aScheduledPath(
  stack: TestLocalStack,
  options: {
    prefix: string;
    rules: RuleSet;
    reps: (suffix: string) => Rep[];
    mailer?: Mailer;
    start?: string;
  },
): Promise<ScheduledPath> {
  const path = await anEventPath(stack, {
    prefix: options.prefix,
    rules: options.rules,
    reps: options.reps,
  });
  const clock = aSettableClock(options.start ?? new Date().toISOString());
  const jobDecisions: Decision[] = [];
  const jobs = createRuntime(
    {
      tableName: path.tableName,
      rulesDir: "rules",
      region: stack.region,
      dynamoEndpoint: stack.dynamoEndpoint,
      sesEndpoint: stack.sesEndpoint,
    },
    options.rules,
    {
      clock,
      mailer: options.mailer,
      report: (decision) => jobDecisions.push(decision),
    },
  );
  const scheduled: ScheduledPath = Object.assign(path, {
    clock,
    jobs,
    jobDecisions,
    async run(job: Job, at: string, runtime: Runtime = jobs) {
      clock.set(at);
      const result = await runScheduledJob(runtime, {
        scheduleId: scheduleOf[job] ?? job,
        job,
        scheduledTime: at,
      });
      // What the job wrote (moves, releases) goes through the stream like any other write.
      await path.drain();
      return result;
    },
    async inbox(repId: string) {
      const address = path.email(repId);
      return (await readInbox(stack.sesEndpoint)).filter((email) => email.to.includes(address));
    },
    digest: (repId: string, at: string, job: Job = "sweep") =>
      path.get(`OUTBOX#dwell#${scheduleOf[job] ?? job}@${at}#${repId}`, "OUTBOX"),
  });
  return scheduled;
}

/** The byDue keys a lead's dwell timer should have when its next check is `at`. */
export const dwellTimerAt = (leadId: string, at: string) => timerKeys("DWELL", leadId, at);

/** The dwell alerts the jobs reported, as [lead, level, recipient]. */
export const alertsOf = (decisions: Decision[]) =>
  decisions
    .filter((d): d is DwellAlertDecision => d.kind === "dwell-alert")
    .map((d) => [d.leadId, d.level, d.recipientId]);

/** The lead lines of a digest's text part ("- <title> [<stage>] …"), in order. */
export const leadLines = (text: string | undefined) =>
  String(text ?? "")
    .split("\n")
    .filter((line) => line.startsWith("- "));

/** One sweep at `at`, with what it alerted (as [lead, level, recipient]) and decided. */
export async function sweepAt(path: ScheduledPath, at: string, runtime?: Runtime) {
  const from = path.jobDecisions.length;
  const result = await path.run("sweep", at, runtime);
  const decisions = path.jobDecisions.slice(from);
  return { result, decisions, alerts: alertsOf(decisions) };
}

/**
 * A lead store whose applyTimer always fails, as a sweep that dies after queuing its digests and
 * before moving the leads' timers would (the wrapper's prototype is the real store).
 */
export function aLeadStoreFailingTimers(real: Runtime["leads"]): Runtime["leads"] {
  const store = Object.create(real) as Runtime["leads"];
  store.applyTimer = () => Promise.reject(new Error("simulated crash before the timers move"));
  return store;
}

/** The stand-in's SES mailer, taking `delayMs` before each send (a slow SES call). */
export function aSlowMailer(
  stack: Pick<TestLocalStack, "region" | "sesEndpoint">,
  delayMs: number,
): Mailer {
  const real = createSesMailer({ region: stack.region, sesEndpoint: stack.sesEndpoint });
  return {
    async send(email) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return real.send(email);
    },
  };
}

/** Polls `check` every 20 ms until it holds (at most `timeoutMs`). */
export async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
