import { suggestion } from "../core/rules/did-you-mean";
import type { RuleFile } from "../core/rules/rule-schema";
import type { RuleSet } from "../core/rules/rule-set";
import type { FieldType } from "./coerce";
import { CsvSyntaxError, parseCsv } from "./csv";
import { ENGINE_ITEM_TYPES, EXPORT_VERSION, isExportHeader } from "./export-format";
import {
  type FieldCatalogue,
  fieldCatalogue,
  fieldType,
  isEngineField,
  KEY_FIELDS,
  PLURAL,
  type RecordKind,
} from "./fields";
import { type ColumnRule, type MappedValue, type Mapping, ruleFor } from "./mapping";
import { type FieldEntry, type PreparedRecord, RecordBuilder } from "./record-builder";

export type ImportFormat = "csv" | "jsonl";

/** Something wrong at a line of the file; `message` starts with the field when there is one. */
export interface Problem {
  line: number;
  message: string;
}

export interface ReadOptions {
  format: ImportFormat;
  /** Only this kind (CSV: the file's kind; JSON Lines: the others are left out). */
  kind?: RecordKind;
  mapping?: Mapping;
  source: RuleFile;
  rules: RuleSet;
}

export interface ReadResult {
  /** Valid records, in file order. */
  records: PreparedRecord[];
  /** Problems of single rows: those rows are skipped. */
  problems: Problem[];
  /** Problems of the whole file (malformed CSV, unknown columns): nothing may be written. */
  fatal: Problem[];
  /** Things left out on purpose, one line each (engine-owned columns, ignored columns). */
  warnings: string[];
  /** Rows of leads and reps read (for JSON Lines: lines with a lead or rep). */
  rows: number;
  badRows: number;
  /** JSON Lines: lines that are not imported, by type (engine items, the other kind). */
  ignored: Map<string, number>;
}

/** Reads a whole file's records and checks every one; writes nothing. */
export function readRecords(text: string, options: ReadOptions): ReadResult {
  const result: ReadResult = {
    records: [],
    problems: [],
    fatal: [],
    warnings: [],
    rows: 0,
    badRows: 0,
    ignored: new Map(),
  };
  if (options.format === "csv") readCsv(text, options, result);
  else readJsonLines(text, options, result);
  // The same id twice would be two writes of one item; the first row is kept.
  const seen = new Map<string, number>();
  result.records = result.records.filter((record) => {
    const key = `${record.kind}#${record.id}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, record.line);
      return true;
    }
    result.problems.push({
      line: record.line,
      message: `id: ${JSON.stringify(record.id)} is already on line ${first} (each ${record.kind} once per file)`,
    });
    result.badRows += 1;
    return false;
  });
  result.problems.sort((a, b) => a.line - b.line);
  return result;
}

/**
 * UTF-8 text of a file, with or without a byte-order mark. Anything else (Windows-1252 from an old
 * Excel, UTF-16) is refused with the line of the first byte that is not UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | Problem {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const text = new TextDecoder("utf-8").decode(bytes);
    const before = text.slice(0, Math.max(0, text.indexOf("\uFFFD")));
    const line = before.split("\n").length;
    return {
      line,
      message: "not UTF-8 text: save the file as UTF-8 (in Excel: CSV UTF-8) and import it again",
    };
  }
}

// --- CSV ---------------------------------------------------------------------------------------

interface Binding {
  index: number;
  column: string;
  field: string;
  /** The column's type, else the field's. */
  type: FieldType;
  /** The column's value map, else the mapping's for the field. */
  values?: Readonly<Record<string, MappedValue>>;
}

function readCsv(text: string, options: ReadOptions, result: ReadResult): void {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    result.fatal.push({ line: error.line, message: error.message });
    return;
  }
  const [header, ...rows] = records;
  if (header === undefined) {
    result.fatal.push({ line: 1, message: "empty file: a CSV file starts with a header row" });
    return;
  }
  const resolved = resolveHeader(header.fields, options, result);
  if (resolved === undefined) return;
  const { bindings, builder } = resolved;
  const width = header.fields.length;

  for (const row of rows) {
    result.rows += 1;
    const problems: string[] = [];
    if (row.problem !== undefined) problems.push(row.problem);
    const extra = row.fields.slice(width);
    if (row.fields.length < width || extra.some((field) => field !== "")) {
      problems.push(
        `malformed CSV: ${row.fields.length} fields, the header has ${width} (a missing or extra comma, or an unquoted comma in a value?)`,
      );
    }
    if (problems.length === 0) {
      const entries: FieldEntry[] = [];
      for (const binding of bindings) {
        const cell = row.fields[binding.index] ?? "";
        entries.push(entryOf(binding, cell));
      }
      const built = builder.build(row.line, entries);
      if ("record" in built) {
        result.records.push(built.record);
        continue;
      }
      problems.push(...built.problems);
    }
    result.badRows += 1;
    for (const message of problems) result.problems.push({ line: row.line, message });
  }
}

function entryOf(binding: Binding, cell: string): FieldEntry {
  const map = binding.values;
  if (map !== undefined && cell !== "") {
    const mapped = Object.hasOwn(map, cell)
      ? map[cell]
      : Object.hasOwn(map, cell.trim())
        ? map[cell.trim()]
        : undefined;
    if (mapped !== undefined)
      return {
        field: binding.field,
        value: mapped,
        text: typeof mapped === "string",
        type: binding.type,
      };
  }
  return { field: binding.field, value: cell, text: true, type: binding.type };
}

function resolveHeader(
  columns: string[],
  options: ReadOptions,
  result: ReadResult,
): { bindings: Binding[]; builder: RecordBuilder } | undefined {
  const { mapping } = options;
  const only = columns.length === 1 ? (columns[0] ?? "") : "";
  const separator = only.includes(";") ? "semicolons" : only.includes("\t") ? "tabs" : undefined;
  if (separator !== undefined) {
    result.fatal.push({
      line: 1,
      message: `the header is one column, ${JSON.stringify(only.slice(0, 40))}: the file looks separated by ${separator}; save it as comma-separated CSV (UTF-8)`,
    });
    return undefined;
  }
  const problems: string[] = [];
  const firstIndex = new Map<string, number>();
  columns.forEach((column, index) => {
    const first = firstIndex.get(column);
    if (first !== undefined)
      problems.push(
        `column ${JSON.stringify(column)} appears twice (columns ${first + 1} and ${index + 1})`,
      );
    else firstIndex.set(column, index);
    if (column.trim() === "") problems.push(`column ${index + 1} has no name`);
  });

  const ruleOf = (column: string): ColumnRule | undefined =>
    mapping === undefined ? undefined : ruleFor(mapping, column);
  const targetOf = (column: string): string | null | undefined => {
    const rule = ruleOf(column);
    if (rule !== undefined) return rule.field;
    return mapping?.otherColumns === "ignore" ? null : column;
  };
  const targets = columns.map(targetOf);
  const kind = options.kind ?? mapping?.kind ?? guessKind(targets);
  if (kind === undefined) {
    result.fatal.push({
      line: 1,
      message:
        'cannot tell whether the file holds leads or reps: no "stage" or "status" column; pass --kind leads or --kind reps',
    });
    return undefined;
  }
  const catalogue = fieldCatalogue(kind, options.source);

  const bindings: Binding[] = [];
  const ignored: string[] = [];
  const engine: string[] = [];
  columns.forEach((column, index) => {
    if (firstIndex.get(column) !== index || column.trim() === "") return;
    const rule = ruleOf(column);
    const field = targets[index];
    if (field === null || field === undefined) {
      ignored.push(column);
      return;
    }
    if (isEngineField(kind, field)) {
      engine.push(column === field ? column : `${column} (${field})`);
      return;
    }
    if (rule === undefined && !catalogue.types.has(field)) {
      problems.push(unknownColumn(column, catalogue, mapping));
      return;
    }
    bindings.push({
      index,
      column,
      field,
      type: rule?.type ?? fieldType(catalogue, field),
      values: rule?.values ?? mapping?.values.get(field),
    });
  });

  const byField = new Map<string, string[]>();
  for (const binding of bindings)
    byField.set(binding.field, [...(byField.get(binding.field) ?? []), binding.column]);
  for (const [field, sources] of byField) {
    if (sources.length > 1 && field !== "name" && field !== "contact.name")
      problems.push(
        `columns ${sources.map((column) => JSON.stringify(column)).join(" and ")} all fill ${field}: map all but one to null`,
      );
  }
  if (problems.length > 0) {
    for (const message of problems) result.fatal.push({ line: 1, message });
    return undefined;
  }
  if (engine.length > 0)
    result.warnings.push(
      `engine-owned ${engine.length === 1 ? "column" : "columns"} left out: ${engine.join(", ")} (the engine sets ${engine.length === 1 ? "it" : "them"}; see docs/data-model.md)`,
    );
  if (ignored.length > 0 && mapping !== undefined)
    result.warnings.push(
      `${ignored.length} ${ignored.length === 1 ? "column" : "columns"} not in mapping ${mapping.name}, left out: ${ignored.join(", ")}`,
    );
  const builder = new RecordBuilder(catalogue, options.rules, mapping?.set);
  return { bindings, builder };
}

function guessKind(targets: (string | null | undefined)[]): RecordKind | undefined {
  if (targets.includes("stage")) return "lead";
  if (targets.includes("status")) return "rep";
  return undefined;
}

function unknownColumn(
  column: string,
  catalogue: FieldCatalogue,
  mapping: Mapping | undefined,
): string {
  const candidates = [...catalogue.types.keys(), ...(mapping?.columnNames ?? [])];
  const hint = suggestion(column, candidates);
  const what = PLURAL[catalogue.kind].slice(0, -1);
  return hint !== ""
    ? `unknown column ${JSON.stringify(column)}${hint}`
    : `unknown column ${JSON.stringify(column)}: not a ${what} field and not read by the rules (to import it anyway, map it in a mapping file: "columns": { ${JSON.stringify(column)}: ${JSON.stringify(column)} })`;
}

// --- JSON Lines --------------------------------------------------------------------------------

function readJsonLines(text: string, options: ReadOptions, result: ReadResult): void {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split("\n");
  const builders = new Map<RecordKind, RecordBuilder>();
  const builderFor = (kind: RecordKind) => {
    let builder = builders.get(kind);
    if (builder === undefined) {
      builder = new RecordBuilder(fieldCatalogue(kind, options.source), options.rules);
      builders.set(kind, builder);
    }
    return builder;
  };
  const dropped = new Map<string, number>();
  let first = true;

  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === "") return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      result.rows += 1;
      result.badRows += 1;
      result.problems.push({ line, message: `not valid JSON: ${(error as Error).message}` });
      first = false;
      return;
    }
    const isFirst = first;
    first = false;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      result.rows += 1;
      result.badRows += 1;
      result.problems.push({ line, message: "not a JSON object (one record per line)" });
      return;
    }
    const object = value as Record<string, unknown>;
    if (isExportHeader(object)) {
      if (!isFirst) {
        result.fatal.push({ line, message: "an export header belongs on the first line only" });
      } else if (object.version !== EXPORT_VERSION) {
        result.fatal.push({
          line,
          message: `export format version ${JSON.stringify(object.version)} is not supported (this funnel reads version ${EXPORT_VERSION})`,
        });
      }
      return;
    }
    const kind = kindOfLine(object.type, options.kind);
    if (typeof kind === "object" && "ignore" in kind) {
      result.ignored.set(kind.ignore, (result.ignored.get(kind.ignore) ?? 0) + 1);
      return;
    }
    result.rows += 1;
    if (typeof kind === "object") {
      result.badRows += 1;
      result.problems.push({ line, message: kind.problem });
      return;
    }
    const entries: FieldEntry[] = [];
    for (const [field, fieldValue] of flatten(object)) {
      if (isEngineField(kind, field)) {
        if (!KEY_FIELDS.has(field)) dropped.set(field, (dropped.get(field) ?? 0) + 1);
        continue;
      }
      entries.push({ field, value: fieldValue, text: false });
    }
    const built = builderFor(kind).build(line, entries);
    if ("record" in built) result.records.push(built.record);
    else {
      result.badRows += 1;
      for (const message of built.problems) result.problems.push({ line, message });
    }
  });
  if (dropped.size > 0) {
    const list = [...dropped].map(([field, count]) => `${field} (${count})`).join(", ");
    result.warnings.push(
      `engine-owned attributes left out (the engine sets them; see docs/data-model.md): ${list}`,
    );
  }
}

/**
 * The kind a line holds: its `type`, else --kind. The engine's items of an export, and with --kind
 * the other kind, are left out; any other type is a mistake.
 */
function kindOfLine(
  type: unknown,
  only: RecordKind | undefined,
): RecordKind | { ignore: string } | { problem: string } {
  if (type === undefined) {
    return only ?? { problem: 'type: missing ("lead" or "rep"), and no --kind given' };
  }
  if (type === "lead" || type === "rep")
    return only === undefined || only === type ? type : { ignore: type };
  if (typeof type === "string" && ENGINE_ITEM_TYPES.includes(type)) return { ignore: type };
  const known = ["lead", "rep", ...ENGINE_ITEM_TYPES];
  return {
    problem: `type: ${JSON.stringify(type)} is not "lead" or "rep"${suggestion(String(type), known)}`,
  };
}

/** Attributes as dotted paths; nested objects are walked, lists are values. */
function flatten(object: Record<string, unknown>, prefix = ""): [string, unknown][] {
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(object)) {
    const path = `${prefix}${key}`;
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      entries.push(...flatten(value as Record<string, unknown>, `${path}.`));
    else entries.push([path, value]);
  }
  return entries;
}
