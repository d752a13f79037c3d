import { describe, expect, it } from "vitest";
import { loadRulesSync } from "../../../functions/adapters/rules-loader";
import { builtInMapping, parseMapping } from "../../../functions/import/mapping";
import { decodeUtf8, type ReadOptions, readRecords } from "../../../functions/import/read-records";

// Funnel "simple" (new, offer, won, lost); grading reads employees (gte 500); Europe/Berlin.
const loaded = loadRulesSync("test/fixtures/rules-valid");
const base: ReadOptions = { format: "csv", source: loaded.source, rules: loaded.rules };
const read = (text: string, options: Partial<ReadOptions> = {}) =>
  readRecords(text, { ...base, ...options });
const items = (text: string, options: Partial<ReadOptions> = {}) =>
  read(text, options).records.map((record) => record.item);

describe("readRecords from CSV", () => {
  it("builds lead items with nested fields, typed values and the lead's keys", () => {
    const csv =
      "id,stage,company,contact.phone,contact.name,amount,employees,nextActionAt\n" +
      "L1,new,Acme,+49 30 1234,Ada,12000,600,2026-11-23\n";
    expect(items(csv)).toEqual([
      {
        pk: "LEAD#L1",
        sk: "LEAD",
        type: "lead",
        id: "L1",
        stage: "new",
        company: "Acme",
        contact: { phone: "+49 30 1234", name: "Ada" },
        amount: 12000,
        employees: 600,
        nextActionAt: "2026-11-22T23:00:00.000Z",
      },
    ]);
  });

  it("builds reps with their byKind keys, and tells reps from leads by the columns", () => {
    const result = read("id,name,status,quota,manager\nrep-1,Li,active,100000,\n");
    expect(result.records).toEqual([
      {
        line: 2,
        kind: "rep",
        id: "rep-1",
        item: {
          pk: "REP#rep-1",
          sk: "REP",
          kindPk: "REP",
          kindSk: "rep-1",
          type: "rep",
          id: "rep-1",
          name: "Li",
          status: "active",
          quota: 100000,
        },
      },
    ]);
  });

  it("reports every problem of every bad row with its line, and keeps the good rows", () => {
    const result = read(
      [
        "id,stage,amount,employees,nextActionAt",
        "L1,new,100,,",
        "L2,nwe,lots,many,soon",
        ",offer,-5,,",
        "L4,offer,,,",
      ].join("\n"),
    );
    expect(result.records.map((record) => record.id)).toEqual(["L1", "L4"]);
    expect(result.problems).toEqual([
      { line: 3, message: 'amount: "lots" is not a number' },
      { line: 3, message: 'employees: "many" is not a number' },
      {
        line: 3,
        message:
          'nextActionAt: "soon" is not an ISO-8601 time (e.g. 2026-11-23T09:00:00Z or 2026-11-23)',
      },
      {
        line: 3,
        message:
          'stage: "nwe" is not a stage of funnel simple (did you mean "new"?) (stages: new, offer, won, lost)',
      },
      { line: 4, message: "id: missing (every lead needs an id)" },
      { line: 4, message: "amount: -5 is negative" },
    ]);
    expect(result).toMatchObject({ rows: 4, badRows: 2, fatal: [] });
  });

  it("refuses a funnel the rules do not have", () => {
    expect(read("id,funnel,stage\nL1,simpel,new\n").problems).toEqual([
      {
        line: 2,
        message:
          'funnel: "simpel" is not a funnel of the rules (did you mean "simple"?) (funnels: simple)',
      },
    ]);
  });

  it("refuses a rep without a name or with an unknown status", () => {
    expect(read("id,name,status\nr1,,actve\n").problems.map((p) => p.message)).toEqual([
      "name: missing (every rep needs a name)",
      'status: "actve" is not one of active, away, left (did you mean "active"?)',
    ]);
  });

  it("reports a row with too few fields, and the same id twice, as bad rows", () => {
    const result = read("id,stage,company\nL1,new\nL2,new,A\nL2,offer,B\nL3,new,C,,\n");
    expect(result.problems).toEqual([
      {
        line: 2,
        message:
          "malformed CSV: 2 fields, the header has 3 (a missing or extra comma, or an unquoted comma in a value?)",
      },
      {
        line: 4,
        message: 'id: "L2" is already on line 3 (each lead once per file)',
      },
    ]);
    expect(result.records.map((record) => record.id)).toEqual(["L2", "L3"]);
  });

  it("rejects the whole file for an unknown column, suggesting the field meant", () => {
    const result = read("id,stage,compnay,industry\nL1,new,Acme,IT\n");
    expect(result.records).toEqual([]);
    expect(result.fatal).toEqual([
      { line: 1, message: 'unknown column "compnay" (did you mean "company"?)' },
      {
        line: 1,
        message:
          'unknown column "industry": not a lead field and not read by the rules (to import it anyway, map it in a mapping file: "columns": { "industry": "industry" })',
      },
    ]);
  });

  it("rejects the whole file for an unclosed quote, at the line where it opens", () => {
    const result = read('id,stage,company\nL1,new,"Acme\nL2,new,Beta\n');
    expect(result.fatal).toEqual([
      {
        line: 2,
        message:
          "malformed CSV: a quoted field starts here and is never closed (a missing closing quote?)",
      },
    ]);
  });

  it("rejects a header with a column twice", () => {
    expect(read("id,stage,id\nL1,new,L1\n").fatal).toEqual([
      { line: 1, message: 'column "id" appears twice (columns 1 and 3)' },
    ]);
  });

  it("asks for --kind when the columns do not tell", () => {
    expect(read("id,name\nx,y\n").fatal[0]?.message).toMatch(/pass --kind leads or --kind reps/);
    expect(read("id,name\nx,y\n", { kind: "lead" }).problems[0]?.message).toBe(
      "stage: missing (every lead is in a stage)",
    );
  });

  it("leaves engine-owned columns out with one warning", () => {
    const result = read("id,stage,grade,dueAt\nL1,new,A,2026-01-01\n");
    expect(result.records[0]?.item).toEqual({
      pk: "LEAD#L1",
      sk: "LEAD",
      type: "lead",
      id: "L1",
      stage: "new",
    });
    expect(result.warnings).toEqual([
      "engine-owned columns left out: grade, dueAt (the engine sets them; see docs/data-model.md)",
    ]);
  });
});

describe("readRecords with a mapping", () => {
  const salesforce = builtInMapping("salesforce");

  it("maps Salesforce columns, joins first and last name, and leaves other columns out", () => {
    const csv =
      "Id,FirstName,LastName,Company,LeadSource,Status,OwnerId,NumberOfEmployees,Title\n" +
      "00Q1,Ada,Lovelace,Acme,Web,new,005A,750,CEO\n";
    const result = read(csv, { mapping: salesforce });
    expect(result.records[0]?.item).toEqual({
      pk: "LEAD#00Q1",
      sk: "LEAD",
      type: "lead",
      id: "00Q1",
      contact: { name: "Ada Lovelace" },
      company: "Acme",
      source: "Web",
      stage: "new",
      owner: "005A",
      employees: 750,
    });
    expect(result.warnings).toEqual(["1 column not in mapping salesforce, left out: Title"]);
  });

  it("matches report labels as well as API names (Lead Source, Lead Status)", () => {
    const csv = "Lead ID,Lead Source,Lead Status\n00Q1,Web,new\n";
    expect(read(csv, { mapping: salesforce }).records[0]?.item).toMatchObject({
      id: "00Q1",
      source: "Web",
      stage: "new",
    });
  });

  it("maps CRM statuses to stages with the values of a mapping file that extends a built-in", () => {
    const mapping = parseMapping("sf.json", {
      extends: "salesforce",
      values: { stage: { "Open - Not Contacted": "new", "Working - Contacted": "offer" } },
      columns: { Rating: { field: "rating", values: { Hot: 3, Cold: 1 } } },
      set: { updatedBy: "salesforce-import" },
    });
    const csv =
      "Id,Status,Rating\n00Q1,Open - Not Contacted,Hot\n00Q2,Working - Contacted,Cold\n00Q3,Qualified,\n";
    const result = read(csv, { mapping });
    expect(result.records.map((record) => record.item)).toEqual([
      expect.objectContaining({
        id: "00Q1",
        stage: "new",
        rating: 3,
        updatedBy: "salesforce-import",
      }),
      expect.objectContaining({ id: "00Q2", stage: "offer", rating: 1 }),
    ]);
    expect(result.problems[0]).toEqual({
      line: 4,
      message: 'stage: "Qualified" is not a stage of funnel simple (stages: new, offer, won, lost)',
    });
  });

  it("maps HubSpot's columns", () => {
    const csv =
      "Record ID,First Name,Last Name,Company Name,Lifecycle Stage,Amount,Contact owner\n" +
      "901,Grace,Hopper,Navy,offer,2500.5,rep-7\n";
    expect(read(csv, { mapping: builtInMapping("hubspot") }).records[0]?.item).toMatchObject({
      id: "901",
      contact: { name: "Grace Hopper" },
      company: "Navy",
      stage: "offer",
      amount: 2500.5,
      owner: "rep-7",
    });
  });

  it("reads unmapped columns of a plain mapping file as field names, suggesting mapped columns", () => {
    const mapping = parseMapping("m.json", { columns: { Firma: "company", Phase: "stage" } });
    const result = read("id,Phase,Frima\nL1,new,X\n", { mapping });
    expect(result.fatal.map((problem) => problem.message)).toEqual([
      'unknown column "Frima" (did you mean "Firma"?)',
    ]);
    expect(read("id,Phase,Firma\nL1,new,X\n", { mapping }).records[0]?.item).toMatchObject({
      id: "L1",
      stage: "new",
      company: "X",
    });
  });

  it("rejects two columns that fill one field", () => {
    const mapping = parseMapping("m.json", { columns: { A: "amount", B: "amount", S: "stage" } });
    expect(read("id,S,A,B\nL1,new,1,2\n", { mapping }).fatal[0]?.message).toBe(
      'columns "A" and "B" all fill amount: map all but one to null',
    );
  });
});

describe("readRecords from JSON Lines", () => {
  const jsonl = (...lines: unknown[]) => lines.map((line) => JSON.stringify(line)).join("\n");
  const options = { format: "jsonl" as const };

  it("reads leads and reps by their type and leaves the engine's items and attributes out", () => {
    const text = jsonl(
      { type: "header", exportedAt: "2026-11-23T00:00:00.000Z", table: "t", version: 1 },
      {
        type: "rep",
        pk: "REP#r1",
        sk: "REP",
        kindPk: "REP",
        kindSk: "r1",
        id: "r1",
        name: "Li",
        status: "active",
      },
      {
        type: "lead",
        pk: "LEAD#L1",
        sk: "LEAD",
        id: "L1",
        stage: "offer",
        grade: "A",
        counted: "x",
        contact: { phone: "1" },
      },
      { type: "aggregate", pk: "AGG", sk: "r1#simple", "count#offer": 1 },
      { type: "flow", pk: "FLOW#2026-11-16", sk: "r1#simple", "entered#offer": 1 },
    );
    const result = readRecords(text, { ...base, ...options });
    expect(result.records.map((record) => record.item)).toEqual([
      {
        pk: "REP#r1",
        sk: "REP",
        kindPk: "REP",
        kindSk: "r1",
        type: "rep",
        id: "r1",
        name: "Li",
        status: "active",
      },
      {
        pk: "LEAD#L1",
        sk: "LEAD",
        type: "lead",
        id: "L1",
        stage: "offer",
        contact: { phone: "1" },
      },
    ]);
    expect(result.ignored).toEqual(
      new Map([
        ["aggregate", 1],
        ["flow", 1],
      ]),
    );
    expect(result.warnings).toEqual([
      "engine-owned attributes left out (the engine sets them; see docs/data-model.md): grade (1), counted (1)",
    ]);
    expect(result.rows).toBe(2);
  });

  it("takes lines without a type as --kind, and leaves the other kind out with --kind", () => {
    const text = jsonl(
      { id: "L1", stage: "new" },
      { type: "rep", id: "r", name: "n", status: "left" },
    );
    const result = readRecords(text, { ...base, ...options, kind: "lead" });
    expect(result.records.map((record) => record.id)).toEqual(["L1"]);
    expect(result.ignored).toEqual(new Map([["rep", 1]]));
  });

  it("reports bad JSON, wrong types and unknown types by line", () => {
    const text = [
      '{"type":"lead","id":"L1","stage":"new","amount":"12"}',
      "{oops",
      '{"type":"laed"}',
      "[1]",
    ].join("\n");
    expect(readRecords(text, { ...base, ...options }).problems).toEqual([
      { line: 1, message: 'amount: "12" is not a number' },
      { line: 2, message: expect.stringMatching(/^not valid JSON: /) },
      { line: 3, message: 'type: "laed" is not "lead" or "rep" (did you mean "lead"?)' },
      { line: 4, message: "not a JSON object (one record per line)" },
    ]);
  });

  it("refuses an export of a format version it does not know", () => {
    const text = jsonl({ type: "header", version: 2, table: "t", exportedAt: "x" });
    expect(readRecords(text, { ...base, ...options }).fatal).toEqual([
      {
        line: 1,
        message: "export format version 2 is not supported (this funnel reads version 1)",
      },
    ]);
  });
});

describe("decodeUtf8", () => {
  it("decodes UTF-8 and names the line of the first byte that is not", () => {
    expect(decodeUtf8(new TextEncoder().encode("id\n李\n"))).toEqual({ text: "id\n李\n" });
    const latin1 = Uint8Array.from([...new TextEncoder().encode("id\nok\n"), 0x4d, 0xfc, 0x6c]);
    expect(decodeUtf8(latin1)).toEqual({
      line: 3,
      message: "not UTF-8 text: save the file as UTF-8 (in Excel: CSV UTF-8) and import it again",
    });
  });
});

describe("readRecords from a file that is not comma-separated", () => {
  it("says so instead of reporting one long unknown column", () => {
    expect(read("id;stage;company\nL1;new;Acme\n").fatal).toEqual([
      {
        line: 1,
        message:
          'the header is one column, "id;stage;company": the file looks separated by semicolons; save it as comma-separated CSV (UTF-8)',
      },
    ]);
  });
});
