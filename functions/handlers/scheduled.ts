import { OUTBOX_OLDEST_PENDING_FIELD } from "../adapters/outbox";
import type { Runtime } from "../adapters/runtime";
import type { Job } from "../core/rules/rule-schema";
import { shouldRunOn } from "../core/time/schedule";
import { runAnomalies } from "./jobs/run-anomalies";
import { runRelease } from "./jobs/run-release";
import { runRollup } from "./jobs/run-rollup";
import { runSweep } from "./jobs/run-sweep";
import { logger, runtimeFromEnv } from "./runtime-from-env";

/** What EventBridge Scheduler (or the local scheduler) sends: the rule's schedule and fire time. */
export interface ScheduledEvent {
  scheduleId: string;
  job: Job;
  /** The schedule's fire time; a retried delivery carries the same one, so the run is the same. */
  scheduledTime?: string;
  /**
   * Set only by the local runtime's catch-up run (`npm start`): the job runs even on a day that is
   * not a working day, and the roll-up sends every level's report at once instead of one level a
   * day. EventBridge Scheduler never sets it.
   */
  catchUp?: boolean;
}

export interface JobResult {
  scheduleId: string;
  job: Job;
  status: "done" | "skipped" | "not-implemented";
  reason: string;
  decisions: number;
  emailsSent: number;
  /** The emails this run sent (its own digests and any retried ones). */
  sent: { to: string[]; subject: string }[];
  /** Emails this run could not send: still pending in the outbox, retried at nextAttemptAt. */
  failed: { key: string; error: string; nextAttemptAt: string }[];
}

export async function runScheduledJob(runtime: Runtime, event: ScheduledEvent): Promise<JobResult> {
  const schedule = runtime.rules.schedules.find((s) => s.id === event.scheduleId);
  const now =
    event.scheduledTime === undefined ? runtime.clock.now() : Date.parse(event.scheduledTime);
  if (Number.isNaN(now))
    throw new Error(`scheduledTime ${JSON.stringify(event.scheduledTime)} is not an ISO-8601 time`);
  const result = {
    scheduleId: event.scheduleId,
    job: event.job,
    decisions: 0,
    emailsSent: 0,
    sent: [],
    failed: [],
  };
  if (
    !event.catchUp &&
    !shouldRunOn(runtime.rules.calendar, now, schedule?.workingDaysOnly ?? false)
  ) {
    return {
      ...result,
      status: "skipped",
      reason: `${runtime.rules.calendar.localDate(now)} is not a working day`,
    };
  }
  const runId = `${event.scheduleId}@${new Date(now).toISOString()}`;
  switch (event.job) {
    case "release-cold": {
      const decisions = await runRelease(runtime, now);
      return { ...result, status: "done", reason: "cold release", decisions: decisions.length };
    }
    case "sweep": {
      const { decisions, drained } = await runSweep(runtime, now, runId);
      return {
        ...result,
        status: "done",
        reason: "dwell sweep",
        decisions: decisions.length,
        emailsSent: drained.sent.length,
        sent: drained.sent,
        failed: drained.failed,
      };
    }
    case "anomalies": {
      const { decisions, drained, checked, skipped } = await runAnomalies(runtime, now, runId);
      const found = decisions.filter((d) => d.kind === "anomaly").length;
      return {
        ...result,
        status: "done",
        // Checks with too few samples stay silent; the summary says how many, so "none found" is honest.
        reason: `anomalies: ${found} found in ${checked} checks; ${skipped} checks skipped for too few samples`,
        decisions: decisions.length,
        emailsSent: drained.sent.length,
        sent: drained.sent,
        failed: drained.failed,
      };
    }
    case "rollup": {
      const { decisions, drained } = await runRollup(runtime, now, runId, {
        allLevels: event.catchUp ?? false,
      });
      const reports = decisions.filter((d) => d.kind === "rollup");
      return {
        ...result,
        status: "done",
        reason: `weekly roll-up: ${reports.length} manager(s) due, ${reports.filter((d) => d.outcome === "queued").length} report(s) queued`,
        decisions: decisions.length,
        emailsSent: drained.sent.length,
        sent: drained.sent,
        failed: drained.failed,
      };
    }
    case "outbox": {
      // Like every job, the scheduled time is its "now" (never earlier than the clock).
      const drained = await runtime.outbox.drain(Math.max(now, runtime.clock.now()));
      return {
        ...result,
        status: "done",
        reason: "outbox retry",
        emailsSent: drained.sent.length,
        sent: drained.sent,
        failed: drained.failed,
      };
    }
    default:
      return {
        ...result,
        status: "not-implemented",
        reason: `job ${event.job} is not implemented yet`,
      };
  }
}

/**
 * Logs how long the oldest pending email has waited; the CDK stack turns the line into a metric
 * and alarms on it. Every scheduled run logs it, so the metric exists whenever schedules fire.
 * A failure here is logged, not thrown: the job itself is done and must not be retried for it.
 */
async function logOutboxBacklog(runtime: Runtime): Promise<void> {
  try {
    const { pending, oldestCreatedAt } = await runtime.outbox.backlog();
    const waited =
      oldestCreatedAt === undefined ? 0 : runtime.clock.now() - Date.parse(oldestCreatedAt);
    logger.info("outbox backlog", {
      outboxPending: pending,
      [OUTBOX_OLDEST_PENDING_FIELD]: Math.max(0, Math.round(waited / 1000)),
    });
  } catch (error) {
    logger.warn("outbox backlog could not be read", { error: error as Error });
  }
}

export const handler = async (event: ScheduledEvent): Promise<JobResult> => {
  const runtime = runtimeFromEnv();
  const result = await runScheduledJob(runtime, event);
  await logOutboxBacklog(runtime);
  return result;
};
