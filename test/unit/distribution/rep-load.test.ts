import { describe, expect, it } from "vitest";
import { loadOf, stageCount, withAssignment } from "../../../functions/core/distribution/rep-load";
import { aLoad, loadsOf } from "../../support/distribution-factories";

describe("rep loads", () => {
  it("treats a rep without a load as holding nothing", () => {
    const load = loadOf(new Map(), "rep-1");
    expect([load.open, stageCount(load, "standard", "graded")]).toEqual([0, 0]);
  });

  it("counts an assignment in the rep's open leads and in the funnel's stage", () => {
    const loads = withAssignment(
      loadsOf({ "rep-1": aLoad({ graded: 3 }) }),
      "rep-1",
      "standard",
      "graded",
    );
    const load = loadOf(loads, "rep-1");
    expect([load.open, stageCount(load, "standard", "graded")]).toEqual([4, 4]);
  });

  it("keeps the same stage id of another funnel apart", () => {
    const loads = withAssignment(new Map(), "rep-1", "key-account", "graded");
    expect(stageCount(loadOf(loads, "rep-1"), "standard", "graded")).toBe(0);
  });

  it("accumulates a batch of assignments without touching the loads it started from", () => {
    const start = loadsOf({ "rep-1": aLoad({ graded: 3 }) });
    let loads = start;
    for (let i = 0; i < 3; i++) loads = withAssignment(loads, "rep-1", "standard", "graded");
    loads = withAssignment(loads, "rep-2", "standard", "contacted");
    expect(stageCount(loadOf(loads, "rep-1"), "standard", "graded")).toBe(6);
    expect(loadOf(loads, "rep-2").open).toBe(1);
    expect(stageCount(loadOf(start, "rep-1"), "standard", "graded")).toBe(3);
    expect(start.has("rep-2")).toBe(false);
  });
});
