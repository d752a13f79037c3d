import { describe, expect, it } from "vitest";
import { CsvSyntaxError, csvField, parseCsv } from "../../../functions/import/csv";

const fieldsOf = (text: string) => parseCsv(text).map((record) => record.fields);

describe("parseCsv", () => {
  it("splits records on LF and CRLF, with or without a final line break", () => {
    expect(fieldsOf("a,b\n1,2\n")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(fieldsOf("a,b\r\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("keeps empty fields, including a trailing one", () => {
    expect(fieldsOf("a,,c,\n")).toEqual([["a", "", "c", ""]]);
  });

  it("reads quoted fields with commas, doubled quotes and line breaks", () => {
    expect(fieldsOf('id,note\n1,"Acme, Inc."\n2,"say ""hi"""\n3,"two\r\nlines"\n')).toEqual([
      ["id", "note"],
      ["1", "Acme, Inc."],
      ["2", 'say "hi"'],
      ["3", "two\r\nlines"],
    ]);
  });

  it("reads an empty quoted field as empty text", () => {
    expect(fieldsOf('a,"",c')).toEqual([["a", "", "c"]]);
  });

  it("ignores a UTF-8 byte-order mark before the header", () => {
    expect(fieldsOf("\uFEFFid,stage\nL1,new")[0]).toEqual(["id", "stage"]);
  });

  it("numbers each record by the line it starts on, counting line breaks inside quotes", () => {
    const records = parseCsv('h\n"one\ntwo"\n\nthree\r\n"a\rb"\nlast');
    expect(records.map((record) => [record.line, record.fields[0]])).toEqual([
      [1, "h"],
      [2, "one\ntwo"],
      [5, "three"],
      [6, "a\rb"],
      [8, "last"],
    ]);
  });

  it("skips blank lines", () => {
    expect(fieldsOf("a\n\n\nb\n\n")).toEqual([["a"], ["b"]]);
  });

  it("keeps a lone quote inside an unquoted field as text", () => {
    expect(fieldsOf('O"Brien,5\'10"')).toEqual([['O"Brien', "5'10\""]]);
  });

  it("flags text after a closing quote on the record and keeps reading", () => {
    const records = parseCsv('a,b\n"x"y,2\nok,3');
    expect(records[1]).toEqual({
      line: 2,
      fields: ["xy", "2"],
      problem: "malformed CSV: text after the closing quote of field 1",
    });
    expect(records[2]?.fields).toEqual(["ok", "3"]);
  });

  it("throws with the opening line when a quoted field is never closed", () => {
    const text = 'id,note\n1,fine\n2,"never\nclosed\n3,more\n';
    expect(() => parseCsv(text)).toThrow(CsvSyntaxError);
    try {
      parseCsv(text);
    } catch (error) {
      expect((error as CsvSyntaxError).line).toBe(3);
      expect((error as Error).message).toMatch(/never closed/);
    }
  });

  it("returns nothing for an empty text", () => {
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("\uFEFF")).toEqual([]);
  });
});

describe("csvField", () => {
  it("quotes only values that need it, doubling quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
  });

  it("round-trips through parseCsv", () => {
    const values = ["a,b", 'q"q', "l\r\nl", "", "x"];
    expect(fieldsOf(values.map(csvField).join(","))).toEqual([values]);
  });
});
