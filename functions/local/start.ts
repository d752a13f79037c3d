import { parseArgs } from "node:util";
import { DateTime } from "luxon";
import { type Clock, offsetClock, systemClock } from "../adapters/clock";
import { loadRules, RulesInvalidError } from "../adapters/rules-loader";
import type { Decision } from "../core/decisions";
import { formatDecision } from "../core/format-decision";
import type { JobResult } from "../handlers/scheduled";
import { createLocalRuntime } from "./local-runtime";
import { LocalStackError, startLocalStack } from "./local-stack";

// The SDK warns on every start that its 2027 releases need Node 22; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const usage = `Usage: npm start [-- options]

Runs funnel-rules on this machine: DynamoDB Local and the SES stand-in, the stream handler and the
schedules from the rules, with a demo sales org seeded into an empty table.

Options:
  --once          one catch-up cycle (stream, then every schedule once), then exit
  --json          with --once: end with one JSON summary on stdout (decisions go to stderr)
  --rules DIR     rule directory (default: rules)
  --data DIR      keep DynamoDB's data in DIR between runs (default: in memory)
  --at TIME       run as if it were TIME (ISO-8601, or a date = 09:00 that day in the rules'
                  time zone), e.g. --at 2026-11-30 to see next Monday's roll-up
  --port N        DynamoDB Local port (default: a free port)
  --ses-port N    SES stand-in port (default: a free port)
  -h, --help      this help`;

interface Summary {
  actions: Record<string, number>;
  emails: { to: string[]; subject: string }[];
  jobs: { scheduleId: string; job: string; status: string; reason: string }[];
  inbox: string;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      once: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      rules: { type: "string", default: "rules" },
      data: { type: "string" },
      at: { type: "string" },
      port: { type: "string" },
      "ses-port": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
  const port = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65_535)
      throw new Error(`--${name} must be a port number, got "${value}"`);
    return n;
  };
  return {
    ...values,
    dynamoPort: port("port", values.port),
    sesPort: port("ses-port", values["ses-port"]),
  };
}

/** An ISO-8601 instant, or a date meaning 09:00 that day in the rules' time zone. */
function parseAt(text: string, timeZone: string): number | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const local = DateTime.fromISO(`${text}T09:00`, { zone: timeZone });
    return local.isValid ? local.toMillis() : undefined;
  }
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? undefined : instant;
}

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(`npm start: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  // With --json, stdout carries only the final JSON object.
  const say = args.json
    ? (line: string) => console.error(line)
    : (line: string) => console.log(line);

  let rules: Awaited<ReturnType<typeof loadRules>>["rules"];
  try {
    rules = (await loadRules(args.rules)).rules;
  } catch (error) {
    if (error instanceof RulesInvalidError) {
      console.error(error.message);
      console.error("Fix the rules above; nothing was started.");
      return 1;
    }
    throw error;
  }
  say(
    `rules: ${args.rules} is valid (${rules.funnels.length} funnel(s), ${rules.schedules.length} schedule(s), time zone ${rules.timeZone})`,
  );

  let clock: Clock = systemClock;
  if (args.at !== undefined) {
    const at = parseAt(args.at, rules.timeZone);
    if (at === undefined) {
      console.error(
        `npm start: --at must be an ISO-8601 time or a date (YYYY-MM-DD), got "${args.at}"`,
      );
      return 2;
    }
    clock = offsetClock(at);
    say(`clock: running as if it were ${new Date(at).toISOString()}`);
  }

  const stack = await startLocalStack({
    dataDir: args.data,
    dynamoPort: args.dynamoPort,
    sesPort: args.sesPort,
  });
  const summary: Summary = { actions: {}, emails: [], jobs: [], inbox: stack.inboxUrl };
  const report = (decision: Decision, context: { source: string }) => {
    summary.actions[decision.kind] = (summary.actions[decision.kind] ?? 0) + 1;
    say(`[${context.source}] ${formatDecision(decision)}`);
  };
  const onJob = (result: JobResult) => {
    summary.jobs.push({
      scheduleId: result.scheduleId,
      job: result.job,
      status: result.status,
      reason: result.reason,
    });
    summary.emails.push(...result.sent.map((e) => ({ to: e.to, subject: e.subject })));
    say(
      `[schedule] ${result.scheduleId} (${result.job}): ${result.status} — ${result.reason}; ${result.emailsSent} email(s) sent`,
    );
    for (const failure of result.failed) {
      say(
        `[schedule] email ${failure.key} not sent (${failure.error}); retried at ${failure.nextAttemptAt}`,
      );
    }
  };
  const local = createLocalRuntime({
    stack,
    rules,
    clock,
    report,
    onJob,
    onStreamFailure: (failure) =>
      say(
        `[stream] gave up on ${failure.records.length} record(s) after ${failure.attempts} attempts: ${(failure.error as Error)?.message}`,
      ),
  });

  try {
    say(`DynamoDB Local: ${stack.dynamoEndpoint} (table ${stack.tableName})`);
    say(`SES stand-in inbox: ${stack.inboxUrl}`);
    const seeded = await local.seedIfEmpty();
    if (seeded) say(`seeded the demo org: ${seeded.reps} people, ${seeded.leads} leads`);
    await local.poller.drain();
    // The demo shows a departure: at once with --once, otherwise a minute after start.
    const depart = async (repId: string) => {
      say(`[demo] ${repId} leaves the company (status → left)`);
      await local.markLeft(repId);
    };
    if (seeded && args.once) await depart(seeded.leaverId);
    await local.runOnce(clock.now());

    if (args.once) {
      if (args.json) console.log(JSON.stringify(summary));
      else
        say(
          `done: ${
            Object.entries(summary.actions)
              .map(([k, n]) => `${n} ${k}`)
              .join(", ") || "no decisions"
          }; ${summary.emails.length} email(s) — read them at ${stack.inboxUrl}`,
        );
      return 0;
    }

    local.startLoop();
    const departure = seeded ? setTimeout(() => void depart(seeded.leaverId), 60_000) : undefined;
    process.once("exit", () => clearTimeout(departure));
    say(`running: stream processor and ${rules.schedules.length} schedule(s). Next runs:`);
    for (const next of local.scheduler.next(clock.now()))
      say(`  ${next.scheduleId}: ${new Date(next.at).toISOString()}`);
    say(`read the emails at ${stack.inboxUrl} — press Ctrl+C to stop`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    return 0;
  } finally {
    await local.stop();
    await stack.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof LocalStackError ? error.message : `${(error as Error)?.message ?? error}`;
    console.error(`npm start: ${message}`);
    if (process.env.FUNNEL_DEBUG === "1") console.error(error);
    process.exit(1);
  },
);
