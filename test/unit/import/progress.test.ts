import { describe, expect, it } from "vitest";
import { duration, Progress } from "../../../functions/import/progress";
import { sameRecord } from "../../../functions/import/write-records";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } };
}

describe("Progress", () => {
  it("shows done, total, percentage, rate and time left", () => {
    let now = 0;
    const { stream } = fakeStream(false);
    const progress = new Progress({
      label: "importing a.csv",
      total: 100_000,
      stream,
      now: () => now,
    });
    now = 10_000;
    progress.advance(25_000);
    expect(progress.line()).toBe(
      "importing a.csv: 25,000 of 100,000 rows (25%), 2,500 rows/s, about 30 s left",
    );
  });

  it("prints a line every few seconds when stderr is not a terminal, and nothing at the end", () => {
    let now = 0;
    const { writes, stream } = fakeStream(false);
    const progress = new Progress({ label: "x", total: 10, stream, now: () => now });
    now = 1_000;
    progress.advance(1);
    expect(writes).toEqual([]);
    now = 5_000;
    progress.advance(1);
    now = 6_000;
    progress.advance(1);
    now = 10_000;
    progress.advance(1);
    progress.finish();
    expect(writes).toEqual([
      "x: 2 of 10 rows (20%), 0 rows/s, about 20 s left\n",
      "x: 4 of 10 rows (40%), 0 rows/s, about 15 s left\n",
    ]);
  });

  it("redraws one line on a terminal and erases it at the end", () => {
    let now = 0;
    const { writes, stream } = fakeStream(true);
    const progress = new Progress({ label: "x", total: 4, stream, now: () => now });
    now = 200;
    progress.advance(2);
    now = 250;
    progress.advance(1);
    progress.finish();
    expect(writes).toEqual([
      "\r\x1b[2Kx: 2 of 4 rows (50%), 10 rows/s, about 1 s left",
      "\r\x1b[2K",
    ]);
  });

  it("formats durations in seconds, minutes and hours", () => {
    expect(duration(4.2)).toBe("5 s");
    expect(duration(185)).toBe("3 min 05 s");
    expect(duration(3_720)).toBe("1 h 02 min");
  });
});

describe("sameRecord", () => {
  const stored = {
    pk: "LEAD#L1",
    sk: "LEAD",
    type: "lead",
    id: "L1",
    stage: "new",
    amount: 5,
    contact: { phone: "1", name: "A" },
    owner: "rep-1",
    stageEnteredAt: "2026-11-20T00:00:00.000Z",
    grade: "A",
    counted: "simple#new#5#rep-1",
  };

  it("ignores the engine's attributes and the order of nested keys", () => {
    const row = {
      pk: "LEAD#L1",
      sk: "LEAD",
      type: "lead",
      id: "L1",
      stage: "new",
      amount: 5,
      contact: { name: "A", phone: "1" },
    };
    expect(sameRecord("lead", stored, row)).toBe(true);
  });

  it("counts a writer attribute the row changes, adds or leaves out as a difference", () => {
    const row = { id: "L1", stage: "new", amount: 5, contact: { phone: "1", name: "A" } };
    expect(sameRecord("lead", stored, { ...row, amount: 6 })).toBe(false);
    expect(sameRecord("lead", stored, { ...row, region: "north" })).toBe(false);
    expect(sameRecord("lead", stored, { id: "L1", stage: "new", contact: row.contact })).toBe(
      false,
    );
  });

  it("treats owner, pool and entry time the row does not set as the engine's business", () => {
    const row = { id: "L1", stage: "new", amount: 5, contact: { phone: "1", name: "A" } };
    expect(sameRecord("lead", stored, row)).toBe(true);
    expect(sameRecord("lead", stored, { ...row, owner: "rep-2" })).toBe(false);
  });
});
