import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSnapshotRecords } from "../../../functions/plan/snapshot-source";

const dir = mkdtempSync(join(tmpdir(), "funnel-snapshot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function snapshot(name: string, lines: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `${lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n")}\n`,
  );
  return file;
}

const HEADER = { type: "header", exportedAt: "2026-11-23T01:00:00.000Z", table: "t", version: 1 };

describe("readSnapshotRecords", () => {
  it("reads leads, reps, aggregates and flow counters as the export writes them, other types apart", async () => {
    const file = snapshot("full.jsonl", [
      HEADER,
      { type: "rep", pk: "REP#rep-a", sk: "REP", id: "rep-a", name: "A", status: "active" },
      { type: "lead", pk: "LEAD#L1", sk: "LEAD", id: "L1", stage: "graded", owner: "rep-a" },
      {
        type: "aggregate",
        pk: "AGG",
        sk: "rep-a#standard",
        repId: "rep-a",
        funnel: "standard",
        "amount#graded": 5,
        "count#graded": 1,
      },
      {
        type: "flow",
        pk: "FLOW#2026-11-16",
        sk: "rep-a#standard",
        repId: "rep-a",
        week: "2026-11-16",
        funnel: "standard",
        "entered#graded": 2,
      },
      {
        type: "email",
        pk: "OUTBOX#rollup#2026-11-16#mgr-1",
        sk: "OUTBOX",
        key: "rollup#2026-11-16#mgr-1",
      },
      { type: "transition", pk: "LEAD#L1", sk: "HIST#x", leadId: "L1" },
    ]);
    const records = await readSnapshotRecords(file);
    expect(records.leads.map((l) => l.id)).toEqual(["L1"]);
    expect([...records.reps.keys()]).toEqual(["rep-a"]);
    expect(records.holdings).toEqual([
      { repId: "rep-a", funnel: "standard", stage: "graded", count: 1, amount: 5 },
    ]);
    expect(records.flows).toEqual([
      {
        repId: "rep-a",
        week: "2026-11-16",
        funnel: "standard",
        stage: "graded",
        counts: { entered: 2 },
      },
    ]);
    expect([...(records.outboxKeys ?? [])]).toEqual(["rollup#2026-11-16#mgr-1"]);
    expect(records.ignored).toEqual({ transition: 1 });
    expect(records.notes).toEqual([]);
  });

  it("recounts what reps hold from the leads when the snapshot has no aggregates, and says so", async () => {
    const file = snapshot("leads-only.jsonl", [
      HEADER,
      {
        type: "lead",
        id: "L1",
        stage: "graded",
        owner: "rep-a",
        counted: "standard#graded#100#rep-a",
      },
      {
        type: "lead",
        id: "L2",
        stage: "graded",
        owner: "rep-a",
        counted: "standard#graded#50#rep-a",
      },
      { type: "lead", id: "L3", stage: "graded", counted: "-" },
    ]);
    const records = await readSnapshotRecords(file);
    expect(records.holdings).toEqual([
      { repId: "rep-a", funnel: "standard", stage: "graded", count: 2, amount: 150 },
    ]);
    expect(records.outboxKeys).toBeUndefined();
    expect(records.notes).toEqual([
      "the snapshot has no aggregates: what each rep holds is recounted from the leads",
      "the snapshot has no flow counters: the trailing-window anomalies and the roll-ups' sales see none",
    ]);
  });

  it("keeps a lead it cannot use as unreadable, with its line, and goes on", async () => {
    const file = snapshot("bad-lead.jsonl", [
      HEADER,
      { type: "lead", id: "L1" },
      { type: "lead", id: "L2", stage: "graded" },
    ]);
    const records = await readSnapshotRecords(file);
    expect(records.unreadable).toEqual([{ key: `${file}:2`, reason: 'L1: missing "stage"' }]);
    expect(records.leads.map((l) => l.id)).toEqual(["L2"]);
  });

  it("refuses a file that does not start with the export header", async () => {
    const file = snapshot("no-header.jsonl", [{ type: "lead", id: "L1", stage: "graded" }]);
    await expect(readSnapshotRecords(file)).rejects.toThrow(
      `${file}:1: not a funnel export snapshot: the first line must be {"type":"header",…}`,
    );
  });

  it("refuses a snapshot of a format version it does not know", async () => {
    const file = snapshot("newer.jsonl", [{ ...HEADER, version: 2 }]);
    await expect(readSnapshotRecords(file)).rejects.toThrow(
      `${file}:1: snapshot format version 2 is not one this funnel reads (1)`,
    );
  });
});
