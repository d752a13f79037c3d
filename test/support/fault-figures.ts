import { afterAll, vi } from "vitest";

/*
 * The fault suite prints what it did, so a reader sees more than "passed": how many trials ran,
 * how many invariant checks they made and how many failed. `npm test` runs the short form;
 * `npm run test:faults` sets FUNNEL_FAULT_SCALE (10 by default there) for the long form.
 */

/** How many times the short form's trial counts the run multiplies (1 under `npm test`). */
export const FAULT_SCALE = (() => {
  const raw = process.env.FUNNEL_FAULT_SCALE;
  if (raw === undefined || raw === "") return 1;
  const scale = Number(raw);
  if (!Number.isInteger(scale) || scale < 1) {
    throw new Error(`FUNNEL_FAULT_SCALE must be a whole number of at least 1, not "${raw}"`);
  }
  return scale;
})();

// A fault test is many trials in one test: on a loaded 2-core machine one can take minutes, which
// the suite's 60 s default (sized for ordinary tests) would cut short.
vi.setConfig({ testTimeout: 300_000 * FAULT_SCALE, hookTimeout: 300_000 * FAULT_SCALE });

/** `base` trials scaled for this run. */
export const trials = (base: number) => base * FAULT_SCALE;

/** A fixed seed per suite, overridable with FUNNEL_FAULT_SEED to explore other interleavings. */
export const faultSeed = (fallback: number) => {
  const raw = process.env.FUNNEL_FAULT_SEED;
  return raw === undefined || raw === "" ? fallback : Number(raw);
};

export interface FaultFigures {
  /** One trial (an interleaving, a crash point, a malformed file…) has run. */
  trial(): void;
  /** One invariant checked; a violation is also an assertion failure in the test itself. */
  check(holds: boolean): boolean;
  /** Any other figure worth printing ("emails sent": 412). */
  count(name: string, by?: number): void;
}

/**
 * Figures for one part of the suite, printed once after the file as
 * `faults · <name>: trials N, invariants checked N, violations N, …`.
 */
export function faultFigures(name: string): FaultFigures {
  let trialsRun = 0;
  let checked = 0;
  let violations = 0;
  const extra = new Map<string, number>();
  afterAll(() => {
    const more = [...extra].map(([key, n]) => `, ${key} ${n.toLocaleString("en-US")}`).join("");
    console.log(
      `faults · ${name}: trials ${trialsRun.toLocaleString("en-US")}, invariants checked ${checked.toLocaleString("en-US")}, violations ${violations}${more} (seed ${faultSeed(0) || "fixed"}, scale ×${FAULT_SCALE})`,
    );
  });
  return {
    trial: () => {
      trialsRun += 1;
    },
    check(holds) {
      checked += 1;
      if (!holds) violations += 1;
      return holds;
    },
    count(key, by = 1) {
      extra.set(key, (extra.get(key) ?? 0) + by);
    },
  };
}
