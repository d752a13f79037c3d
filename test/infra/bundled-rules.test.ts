import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED_RULES_FILE,
  type BundledRules,
  BundledRulesError,
  loadBundledRulesSync,
  sourceDigest,
} from "../../functions/adapters/bundled-rules";
import { type LoadedRules, loadRulesSync } from "../../functions/adapters/rules-loader";
import type { RuleSet } from "../../functions/core/rules/rule-set";
import { writeRulesBundle } from "../../infra/rules-bundle";
import { RULES_DIR } from "./stack-support";

/** A RuleSet as comparable data: the calendar's functions and the pools' Map made plain. */
function comparable(rules: RuleSet) {
  return {
    ...rules,
    calendar: { timeZone: rules.calendar.timeZone },
    pools: [...rules.pools.entries()],
  };
}

describe("the rule set synth bundles for the Lambda functions", () => {
  let dir: string;
  let loaded: LoadedRules;
  let written: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "funnel-bundled-rules-"));
    loaded = loadRulesSync(RULES_DIR);
    written = readFileSync(writeRulesBundle(loaded, dir).path, "utf8");
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a changed copy of the bundle and loads it. */
  function loadChanged(change: (bundle: BundledRules) => void) {
    const bundle = JSON.parse(written) as BundledRules;
    change(bundle);
    writeFileSync(join(dir, BUNDLED_RULES_FILE), JSON.stringify(bundle));
    try {
      return loadBundledRulesSync(dir);
    } finally {
      writeFileSync(join(dir, BUNDLED_RULES_FILE), written);
    }
  }

  it("compiles to the same rules as the YAML files it was made from", () => {
    const { rules } = loadBundledRulesSync(dir);
    expect(comparable(rules)).toEqual(comparable(loaded.rules));
    // Same calendar behaviour, not just the same zone: 2026-10-01 is a holiday, 10-10 a working Saturday.
    for (const day of ["2026-10-01T04:00:00Z", "2026-10-10T04:00:00Z", "2026-10-12T04:00:00Z"]) {
      const instant = Date.parse(day);
      expect(rules.calendar.isWorkingDay(instant)).toBe(
        loaded.rules.calendar.isWorkingDay(instant),
      );
    }
  });

  it("is the same bytes for the same rules, so the functions redeploy only when the rules change", () => {
    const again = mkdtempSync(join(tmpdir(), "funnel-bundled-rules-"));
    try {
      expect(readFileSync(writeRulesBundle(loadRulesSync(RULES_DIR), again).path, "utf8")).toBe(
        written,
      );
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it("refuses a rule set edited after synth validated it", () => {
    expect(() =>
      loadChanged((bundle) => {
        bundle.source.schedules = [];
      }),
    ).toThrow(/the rules differ from the ones synth validated \(SHA-256 mismatch\)/);
  });

  it("refuses a rule set whose cross-checks fail, even with a matching digest", () => {
    const load = () =>
      loadChanged((bundle) => {
        const [first] = bundle.source.schedules ?? [];
        if (first) first.cron = "0 9 1 * MON";
        bundle.sourceSha256 = sourceDigest(bundle.source);
      });
    expect(load).toThrow(BundledRulesError);
    expect(load).toThrow(/rule-set\.json: schedules\[0\]\.cron: .*not both/);
  });

  it("refuses a file that is not a bundled rule set, or none at all", () => {
    expect(() =>
      loadChanged((bundle) => {
        (bundle as { format: string }).format = "something-else";
      }),
    ).toThrow(/not a rule set validated by cdk synth/);
    expect(() => loadBundledRulesSync(join(dir, "missing"))).toThrow(/cannot be read/);
  });
});
