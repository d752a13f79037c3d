import { describe, expect, it } from "vitest";
import type { DwellAlertDecision } from "../../../functions/core/decisions";
import { renderDwellDigest } from "../../../functions/core/email/dwell-digest";
import { LISTED_LEADS } from "../../../functions/core/email/listed-leads";
import { aRep, aRuleSet } from "../../support/factories";

const rules = aRuleSet();

function anAlert(i: number, overrides: Partial<DwellAlertDecision> = {}): DwellAlertDecision {
  return {
    kind: "dwell-alert",
    leadId: `L${String(i).padStart(4, "0")}`,
    funnel: "standard",
    stage: "lead",
    level: 1,
    notify: "manager",
    recipientId: "mgr-1",
    owner: "rep-1",
    enteredAt: "2026-11-01T00:00:00.000Z",
    inStage: 5 + i / 100,
    limit: 5,
    unit: "day",
    amount: 1000,
    reason: "test",
    ...overrides,
  };
}

describe("dwell digest", () => {
  it("lists the 100 most overdue of 1,200 leads, counts all 1,200 and says how many it left out", () => {
    const alerts = Array.from({ length: 1200 }, (_, i) => anAlert(i));
    const email = renderDwellDigest(rules, aRep({ id: "mgr-1" }), alerts, new Map(), new Map());
    const listed = email.text.match(/^- L\d{4} /gm) ?? [];
    expect(listed).toHaveLength(LISTED_LEADS);
    expect(listed[0]).toBe("- L1199 ");
    expect(email.subject).toContain("1200");
    expect(email.text).toContain("…and 1100 more leads, not listed here");
    expect(Buffer.byteLength(email.html)).toBeLessThan(100_000);
  });

  it("has no closing line when every lead is listed", () => {
    const email = renderDwellDigest(rules, aRep(), [anAlert(1)], new Map(), new Map());
    expect(email.text).not.toContain("not listed here");
  });
});
