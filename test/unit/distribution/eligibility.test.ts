import { describe, expect, it } from "vitest";
import {
  eligibleReps,
  isAvailable,
  isSeller,
} from "../../../functions/core/distribution/eligibility";
import { aSalesOrg, aSeller, NOW } from "../../support/distribution-factories";
import { anOrg, aRep } from "../../support/factories";

describe("isSeller", () => {
  it("counts a person nobody reports to as a seller", () => {
    expect(isSeller("rep-1", anOrg())).toBe(true);
  });

  it("never counts managers, directors or the head as sellers", () => {
    const org = anOrg();
    expect(["mgr-1", "dir-1", "head"].map((id) => isSeller(id, org))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it("keeps a manager whose only report has left out of distribution", () => {
    const org = aSalesOrg([aSeller("rep-1", { status: "left" })]);
    expect(isSeller("mgr-1", org)).toBe(false);
  });

  it("does not count an id the org does not know", () => {
    expect(isSeller("rep-404", anOrg())).toBe(false);
  });
});

describe("isAvailable", () => {
  it("makes an active rep available", () => {
    expect(isAvailable(aRep({ status: "active" }), NOW)).toBe(true);
  });

  it("skips an away rep until the return date", () => {
    const away = aRep({ status: "away", awayUntil: "2026-11-20T00:00:00.000Z" });
    expect(isAvailable(away, NOW)).toBe(false);
  });

  it("makes an away rep available again once the return date has passed", () => {
    const back = aRep({ status: "away", awayUntil: "2026-11-09T00:00:00.000Z" });
    expect(isAvailable(back, NOW)).toBe(true);
  });

  it("makes an away rep available at the very instant of the return date", () => {
    const back = aRep({ status: "away", awayUntil: new Date(NOW).toISOString() });
    expect(isAvailable(back, NOW)).toBe(true);
  });

  it("keeps an away rep without a return date away", () => {
    expect(isAvailable(aRep({ status: "away" }), NOW)).toBe(false);
  });

  it("never makes a rep who left available, whatever the return date says", () => {
    const left = aRep({ status: "left", awayUntil: "2026-01-01T00:00:00.000Z" });
    expect(isAvailable(left, NOW)).toBe(false);
  });
});

describe("eligibleReps", () => {
  it("lists the available sellers in id order, without managers, away or departed reps", () => {
    const org = aSalesOrg([
      aSeller("rep-3"),
      aSeller("rep-1"),
      aSeller("rep-2", { status: "away", awayUntil: "2026-12-01T00:00:00.000Z" }),
      aSeller("rep-4", { status: "left" }),
      aSeller("rep-5", { status: "away", awayUntil: "2026-11-01T00:00:00.000Z" }),
    ]);
    expect(eligibleReps(org, NOW).map((rep) => rep.id)).toEqual(["rep-1", "rep-3", "rep-5"]);
  });
});
