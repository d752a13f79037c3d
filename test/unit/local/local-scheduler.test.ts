import { afterEach, describe, expect, it, vi } from "vitest";
import { nextFireTimes } from "../../../functions/core/time/schedule";
import type { ScheduledEvent } from "../../../functions/handlers/scheduled";
import { createLocalScheduler } from "../../../functions/local/local-scheduler";
import { aRuleSet } from "../../support/factories";

const rules = aRuleSet({
  schedules: [
    { id: "outbox-retry", job: "outbox", cron: "*/15 * * * *" },
    { id: "dwell-sweep", job: "sweep", cron: "0 9 * * *", workingDaysOnly: true },
    { id: "cold-release", job: "release-cold", cron: "0 7 * * *" },
  ],
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the local scheduler", () => {
  it("fires every schedule once on catch-up, cold release first and the outbox last", async () => {
    const fired: ScheduledEvent[] = [];
    const scheduler = createLocalScheduler({
      rules,
      now: () => 0,
      fire: async (e) => void fired.push(e),
    });
    await scheduler.catchUp(Date.parse("2026-11-23T01:00:00Z"));
    expect(fired.map((e) => e.scheduleId)).toEqual(["cold-release", "dwell-sweep", "outbox-retry"]);
    expect(new Set(fired.map((e) => e.scheduledTime))).toEqual(
      new Set(["2026-11-23T01:00:00.000Z"]),
    );
  });

  it("plans the same instants as the schedule module the CDK stack uses, in the rules' time zone", () => {
    const after = Date.parse("2026-11-20T02:00:00Z"); // Friday 10:00 in Shanghai
    const scheduler = createLocalScheduler({ rules, now: () => after, fire: async () => {} });
    const sweep = scheduler.next(after).find((n) => n.scheduleId === "dwell-sweep");
    // Saturday and Sunday are not working days: next sweep is Monday 09:00 Shanghai.
    expect(new Date(sweep?.at ?? 0).toISOString()).toBe("2026-11-23T01:00:00.000Z");
    const expected = nextFireTimes(
      {
        cron: "0 9 * * *",
        timeZone: "Asia/Shanghai",
        workingDaysOnly: true,
        calendar: rules.calendar,
      },
      after,
      1,
    );
    expect(sweep?.at).toBe(expected[0]);
  });

  it("fires a schedule when its time comes, with that time as the scheduled time", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-23T01:07:00Z") });
    const fired: ScheduledEvent[] = [];
    const scheduler = createLocalScheduler({
      rules,
      now: () => Date.now(),
      fire: async (e) => void fired.push(e),
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(8 * 60_000);
    scheduler.stop();
    expect(fired).toEqual([
      { scheduleId: "outbox-retry", job: "outbox", scheduledTime: "2026-11-23T01:15:00.000Z" },
    ]);
  });

  it("fires nothing after stop", async () => {
    vi.useFakeTimers({ now: Date.parse("2026-11-23T01:07:00Z") });
    const fired: ScheduledEvent[] = [];
    const scheduler = createLocalScheduler({
      rules,
      now: () => Date.now(),
      fire: async (e) => void fired.push(e),
    });
    scheduler.start();
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(fired).toEqual([]);
  });
});
