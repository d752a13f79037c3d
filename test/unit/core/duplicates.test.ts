import { describe, expect, it } from "vitest";
import { matchIndexChanges, matchKeys, pickDuplicate } from "../../../functions/core/duplicates";
import { aLead, aRuleSet } from "../../support/factories";

const rules = aRuleSet({
  distribution: {
    steps: [{ use: "least-loaded" }],
    duplicates: { matchOn: [["company"], ["contact.phone"]] },
  },
});

describe("duplicate matching", () => {
  it("ignores case, spaces and punctuation in the match keys", () => {
    const a = matchKeys(
      rules,
      aLead({ company: "Acme Trading Co.", contact: { phone: "138-1234 5678" } }),
    );
    const b = matchKeys(
      rules,
      aLead({ company: "acme  trading co", contact: { phone: "13812345678" } }),
    );
    expect(a).toEqual(b);
    expect(a).toEqual(["company=acmetradingco", "contact.phone=13812345678"]);
  });

  it("has no key for a field the lead does not have", () => {
    expect(matchKeys(rules, aLead({ company: undefined, contact: { phone: "1" } }))).toEqual([
      "contact.phone=1",
    ]);
  });

  it("picks the oldest open, owned lead, never the lead itself or a closed one", () => {
    const lead = aLead({ id: "new", owner: undefined });
    const candidates = [
      lead,
      aLead({ id: "L3", createdAt: "2026-03-01T00:00:00Z" }),
      aLead({ id: "L1", stage: "implemented", createdAt: "2026-01-01T00:00:00Z" }),
      aLead({ id: "L2", createdAt: "2026-02-01T00:00:00Z" }),
      aLead({ id: "L0", owner: undefined, createdAt: "2025-01-01T00:00:00Z" }),
    ];
    expect(pickDuplicate(rules, lead, candidates)?.id).toBe("L2");
  });
});

describe("duplicate index changes", () => {
  const acme = aLead({ company: "Acme", contact: { phone: "1" } });

  it("registers a new open lead under every key", () => {
    expect(matchIndexChanges(rules, undefined, acme)).toEqual({
      put: ["company=acme", "contact.phone=1"],
      remove: [],
    });
  });

  it("writes nothing when a lead moves between open stages with the same keys", () => {
    expect(matchIndexChanges(rules, acme, { ...acme, stage: "lead" })).toEqual({
      put: [],
      remove: [],
    });
  });

  it("removes every key when the lead reaches an end stage", () => {
    expect(matchIndexChanges(rules, acme, { ...acme, stage: "implemented" })).toEqual({
      put: [],
      remove: ["company=acme", "contact.phone=1"],
    });
  });

  it("moves the lead from its old company key to the new one when the company is renamed", () => {
    expect(matchIndexChanges(rules, acme, { ...acme, company: "Acme Group" })).toEqual({
      put: ["company=acmegroup", "contact.phone=1"],
      remove: ["company=acme"],
    });
  });

  it("registers a lead again when it is reopened", () => {
    const closed = { ...acme, stage: "implemented" };
    expect(matchIndexChanges(rules, closed, acme).put).toEqual(["company=acme", "contact.phone=1"]);
  });

  it("writes nothing for a lead created in an end stage", () => {
    expect(matchIndexChanges(rules, undefined, { ...acme, stage: "implemented" })).toEqual({
      put: [],
      remove: [],
    });
  });
});

describe("long match keys", () => {
  it("keeps a key short enough for DynamoDB when the company is a pasted paragraph, and still matches the same text", () => {
    const paragraph = "Acme ".repeat(1000);
    const [key] = matchKeys(rules, aLead({ company: paragraph, contact: undefined }));
    expect(new TextEncoder().encode(key).length).toBeLessThan(400);
    expect(matchKeys(rules, aLead({ company: paragraph, contact: undefined }))).toEqual([key]);
    expect(matchKeys(rules, aLead({ company: `${paragraph}x`, contact: undefined }))).not.toEqual([
      key,
    ]);
  });
});
