import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amountRank, ownerKeys } from "../../../functions/adapters/item-keys";

// What parseLead accepts: 0, or 1e-6..1e15 with at most six decimals that matter.
const amount = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 1_000_000_000 }).map((n) => n / 1_000_000),
  fc.integer({ min: 1, max: 1_000_000_000_000 }),
  fc.double({ min: 1e-6, max: 1e15, noNaN: true }).map((n) => Number(n.toFixed(6))),
  fc.constant(1e15),
);

describe("byOwner sort key", () => {
  it("sorts a stage's leads largest amount first, then by lead id, as plain strings", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.stringMatching(/^[A-Z][0-9]{1,4}$/), amount }), {
          minLength: 2,
          maxLength: 30,
        }),
        (leads) => {
          const byKey = [...leads].sort((a, b) => {
            const ka = ownerKeys("rep-a", "standard", "offer", a.id, a.amount).ownerSk;
            const kb = ownerKeys("rep-a", "standard", "offer", b.id, b.amount).ownerSk;
            return ka < kb ? -1 : ka > kb ? 1 : 0;
          });
          const byValue = [...leads].sort(
            (a, b) => b.amount - a.amount || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
          );
          expect(byKey).toEqual(byValue);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps the stage prefix, so a query by funnel and stage still finds every lead", () => {
    expect(ownerKeys("rep-a", "standard", "offer", "L1", 120_000).ownerSk).toMatch(
      /^standard#offer#\d{22}#L1$/,
    );
  });

  it("ranks leads without an amount, and any amount the record checks refuse, as 0 or the cap", () => {
    expect(amountRank(undefined)).toBe(amountRank(0));
    expect(amountRank(-5)).toBe(amountRank(0));
    expect(amountRank(Number.NaN)).toBe(amountRank(0));
    expect(amountRank(1e18)).toBe(amountRank(1e15));
    expect(amountRank(1e15)).toBe("0".repeat(22));
  });
});
