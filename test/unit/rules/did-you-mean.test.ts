import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, suggestion } from "../../../functions/core/rules/did-you-mean";

describe("editDistance", () => {
  it.each([
    ["maxDwell", "maxDwell", 0],
    ["maxDwel", "maxDwell", 1],
    ["maxDwelll", "maxDwell", 1],
    ["maxDwall", "maxDwell", 1],
    ["mxaDwell", "maxDwell", 1],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
  ])("measures %j to %j as %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });

  it("is symmetric", () => {
    expect(editDistance("transferRate", "tranferRat")).toBe(
      editDistance("tranferRat", "transferRate"),
    );
  });
});

describe("didYouMean", () => {
  const stageKeys = [
    "id",
    "label",
    "maxDwell",
    "transferRate",
    "winRate",
    "idealPerRep",
    "terminal",
  ];

  it("suggests the key one typo away", () => {
    expect(didYouMean("maxDwel", stageKeys)).toBe("maxDwell");
    expect(didYouMean("transfereRate", stageKeys)).toBe("transferRate");
  });

  it("ignores case when comparing", () => {
    expect(didYouMean("maxdwell", stageKeys)).toBe("maxDwell");
    expect(didYouMean("Label", stageKeys)).toBe("label");
  });

  it("suggests nothing when every candidate is far away", () => {
    expect(didYouMean("playbook", stageKeys)).toBeUndefined();
    expect(
      didYouMean("weekly", ["sweep", "release-cold", "anomalies", "rollup", "outbox"]),
    ).toBeUndefined();
  });

  it("allows little slack for short words so unrelated short keys are not suggested", () => {
    expect(didYouMean("ud", ["id"])).toBe("id");
    expect(didYouMean("abc", ["id"])).toBeUndefined();
  });

  it("never suggests the input itself", () => {
    expect(didYouMean("label", ["label"])).toBeUndefined();
  });

  it("prefers the earlier candidate on a tie", () => {
    expect(didYouMean("cat", ["bat", "hat"])).toBe("bat");
  });

  it("formats a suggestion ready to append to a message", () => {
    expect(suggestion("maxDwel", stageKeys)).toBe(' (did you mean "maxDwell"?)');
    expect(suggestion("zzz", stageKeys)).toBe("");
  });
});
