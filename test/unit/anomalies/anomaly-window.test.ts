import { describe, expect, it } from "vitest";
import { quarterWindow, trailingWindow } from "../../../functions/core/anomalies/anomaly-window";
import { parseDuration } from "../../../functions/core/time/duration";
import { RUN_AT, WINDOW_TEXT } from "../../support/anomaly-factories";
import { aRuleSet, at } from "../../support/factories";

const { calendar } = aRuleSet();
const trailing = (duration: string, now = RUN_AT) =>
  trailingWindow(calendar, now, parseDuration(duration));

describe("trailingWindow", () => {
  it("covers the weeks whose Monday falls within the window, up to the current week", () => {
    const window = trailing("90d");
    // 90 days before Monday 2026-11-23 09:00 is Tuesday 2026-08-25: the first Monday after it.
    expect(window.weeks[0]).toBe("2026-08-31");
    expect(window.weeks.at(-1)).toBe("2026-11-23");
    expect(window.weeks).toHaveLength(13);
    expect(window.text).toBe(WINDOW_TEXT);
  });

  it("includes a Monday that is the window's first day", () => {
    expect(trailing("91d").weeks[0]).toBe("2026-08-24");
  });

  it("measures the current week when the window is shorter than a week", () => {
    const thursday = at("2026-11-26T01:00:00.000Z");
    expect(trailing("2d", thursday).weeks).toEqual(["2026-11-23"]);
  });

  it("counts business days back on the calendar, skipping weekends and holidays", () => {
    expect(trailing("10bd").weeks).toEqual(["2026-11-09", "2026-11-16", "2026-11-23"]);
    // Monday 2026-10-12: back over Sat 10-10 (a working day), Fri 10-09, Thu 10-08, the
    // 10-01..10-07 holidays, Wed 09-30 and Tue 09-29.
    const afterHolidays = trailing("5bd", at("2026-10-12T01:00:00.000Z"));
    expect(afterHolidays.from).toBe("2026-10-05");
    expect(afterHolidays.weeks).toEqual(["2026-10-05", "2026-10-12"]);
  });
});

describe("quarterWindow", () => {
  it("covers the weeks whose Monday is in the quarter, up to the current week", () => {
    const quarter = quarterWindow(calendar, RUN_AT);
    expect(quarter.weeks).toEqual([
      "2026-10-05",
      "2026-10-12",
      "2026-10-19",
      "2026-10-26",
      "2026-11-02",
      "2026-11-09",
      "2026-11-16",
      "2026-11-23",
    ]);
    expect(quarter.text).toBe("2026-10-01..2026-11-23");
  });

  it("has no weeks yet when the quarter began after this week's Monday", () => {
    expect(quarterWindow(calendar, at("2026-10-01T01:00:00.000Z")).weeks).toEqual([]);
  });
});
