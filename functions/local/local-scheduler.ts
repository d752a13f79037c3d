import type { RuleSet } from "../core/rules/rule-set";
import { nextFireTimes } from "../core/time/schedule";
import type { ScheduledEvent } from "../handlers/scheduled";

export interface LocalScheduler {
  /** Fires every schedule once at `now`, in the order jobs depend on each other. */
  catchUp(now: number): Promise<void>;
  /** Fires each schedule at its next times, as EventBridge Scheduler would. */
  start(): void;
  stop(): void;
  /** The next fire time of each schedule after `after`. */
  next(after: number): { scheduleId: string; at: number }[];
}

// Cold leads return before the sweep looks at the funnel; emails go out last.
const catchUpOrder = ["release-cold", "sweep", "anomalies", "rollup", "outbox"];

/**
 * The local stand-in for EventBridge Scheduler: the same cron expressions, in the rules' time zone,
 * computed by the same schedule module the CDK stack uses.
 */
export function createLocalScheduler(options: {
  rules: RuleSet;
  fire: (event: ScheduledEvent) => Promise<void>;
  now: () => number;
}): LocalScheduler {
  const { rules } = options;
  const timers = new Set<NodeJS.Timeout>();
  let running = false;

  const nextOf = (schedule: RuleSet["schedules"][number], after: number) =>
    nextFireTimes(
      {
        cron: schedule.cron,
        timeZone: rules.timeZone,
        workingDaysOnly: schedule.workingDaysOnly,
        calendar: rules.calendar,
      },
      after,
      1,
    )[0];

  const arm = (schedule: RuleSet["schedules"][number]) => {
    if (!running) return;
    const at = nextOf(schedule, options.now());
    if (at === undefined) return;
    // setTimeout cannot wait longer than ~24.8 days; re-arm on the way for far-off schedules.
    const wait = Math.min(at - options.now(), 2 ** 31 - 1);
    const timer = setTimeout(
      async () => {
        timers.delete(timer);
        if (options.now() >= at) {
          await options.fire({
            scheduleId: schedule.id,
            job: schedule.job,
            scheduledTime: new Date(at).toISOString(),
          });
        }
        arm(schedule);
      },
      Math.max(0, wait),
    );
    timers.add(timer);
  };

  return {
    async catchUp(now) {
      const ordered = [...rules.schedules].sort(
        (a, b) => catchUpOrder.indexOf(a.job) - catchUpOrder.indexOf(b.job),
      );
      for (const schedule of ordered) {
        await options.fire({
          scheduleId: schedule.id,
          job: schedule.job,
          scheduledTime: new Date(now).toISOString(),
          catchUp: true,
        });
      }
    },
    start() {
      running = true;
      for (const schedule of rules.schedules) arm(schedule);
    },
    stop() {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
    next(after) {
      return rules.schedules.flatMap((s) => {
        const at = nextOf(s, after);
        return at === undefined ? [] : [{ scheduleId: s.id, at }];
      });
    },
  };
}
