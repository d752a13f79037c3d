/**
 * CSV as RFC 4180 writes it: comma-separated fields, records ended by CRLF or LF, fields with
 * commas, quotes or line breaks enclosed in double quotes and quotes inside doubled. Lenient where
 * spreadsheets are sloppy and the meaning is clear (a lone quote inside an unquoted field is kept
 * as text, the last record may lack its line break, blank lines are skipped); strict where the rest
 * of the file could not be trusted (a quoted field that never closes).
 */

export interface CsvRecord {
  /** The file's line (1-based) on which the record starts; a quoted field may span lines. */
  line: number;
  fields: string[];
  /** Set when the record is readable but not well-formed, e.g. text after a closing quote. */
  problem?: string;
}

/** The file cannot be read as CSV from `line` on; nothing in it should be used. */
export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = "CsvSyntaxError";
    this.line = line;
  }
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/** Parses a whole CSV text (a leading byte-order mark is ignored) into records, header included. */
export function parseCsv(input: string): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const length = text.length;
  let position = 0;
  let line = 1;

  while (position < length) {
    const start = line;
    const fields: string[] = [];
    let problem: string | undefined;
    // One record: fields until a line break or the end of the text.
    for (;;) {
      let value: string;
      if (text.charCodeAt(position) === QUOTE) {
        const opened = line;
        let parts = "";
        let from = position + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            throw new CsvSyntaxError(
              opened,
              "malformed CSV: a quoted field starts here and is never closed (a missing closing quote?)",
            );
          }
          line += countLineBreaks(text, from, close);
          parts += text.slice(from, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            parts += '"';
            from = close + 2;
            continue;
          }
          position = close + 1;
          break;
        }
        value = parts;
        // After the closing quote only a delimiter may follow; keep what does, but say so.
        const end = fieldEnd(text, position);
        if (end > position) {
          problem ??= `malformed CSV: text after the closing quote of field ${fields.length + 1}`;
          value += text.slice(position, end);
          position = end;
        }
      } else {
        const end = fieldEnd(text, position);
        value = text.slice(position, end);
        position = end;
      }
      fields.push(value);
      const code = text.charCodeAt(position);
      if (code === COMMA) {
        position += 1;
        continue;
      }
      if (code === CR || code === LF) {
        position += code === CR && text.charCodeAt(position + 1) === LF ? 2 : 1;
        line += 1;
      }
      break;
    }
    const blank = fields.length === 1 && fields[0] === "";
    if (!blank)
      records.push(
        problem === undefined ? { line: start, fields } : { line: start, fields, problem },
      );
  }
  return records;
}

/** Where an unquoted field (or the rest after a closing quote) ends: a comma, a line break, the end. */
function fieldEnd(text: string, from: number): number {
  let index = from;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === COMMA || code === LF || code === CR) return index;
    index += 1;
  }
  return index;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index += 1) {
    const code = text.charCodeAt(index);
    if (code === LF) count += 1;
    else if (code === CR && text.charCodeAt(index + 1) !== LF) count += 1;
  }
  return count;
}

/** Quotes a value for CSV output when it needs it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
