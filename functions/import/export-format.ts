/**
 * The export format (docs/import.md): JSON Lines, a header line, then one table item per line as
 * stored, with `type` saying what it is. `funnel import` reads the leads and reps back; `funnel
 * plan --snapshot` reads everything.
 */

export const EXPORT_VERSION = 1;

export interface ExportHeader {
  type: "header";
  version: typeof EXPORT_VERSION;
  /** When the scan started (ISO-8601 UTC). */
  exportedAt: string;
  table: string;
}

/** The engine's items, by the `type` an export gives them (docs/data-model.md, Item types). */
export const ENGINE_ITEM_TYPES: readonly string[] = [
  "transition",
  "aggregate",
  "flow",
  "snapshot",
  "email",
  "match",
  "cursor",
  "departure-move",
  "record-problem",
  "item",
];

const BY_PREFIX: Readonly<Record<string, string>> = {
  REP: "rep",
  AGG: "aggregate",
  FLOW: "flow",
  SNAP: "snapshot",
  OUTBOX: "email",
  MATCH: "match",
  CURSOR: "cursor",
  DEPARTURE: "departure-move",
  PROBLEM: "record-problem",
};

/** What an item is, from its keys alone (never from attributes a writer could have set). */
export function itemType(item: Record<string, unknown>): string {
  const pk = String(item.pk ?? "");
  const sk = String(item.sk ?? "");
  // The aggregates' partition is "AGG" itself; other keys are "<KIND>#…".
  const at = pk.indexOf("#");
  const prefix = at < 0 ? pk : pk.slice(0, at);
  if (prefix === "LEAD")
    return sk === "LEAD" ? "lead" : sk.startsWith("HIST#") ? "transition" : "item";
  return BY_PREFIX[prefix] ?? "item";
}

export function isExportHeader(object: Record<string, unknown>): boolean {
  return object.type === "header";
}

export function headerLine(header: Omit<ExportHeader, "type" | "version">): string {
  const line: ExportHeader = { type: "header", version: EXPORT_VERSION, ...header };
  return JSON.stringify({
    type: line.type,
    exportedAt: line.exportedAt,
    table: line.table,
    version: line.version,
  });
}

/**
 * One item as one line: `type` first, then the keys, then the other attributes by name, so that
 * two exports of the same data are the same text. String and number sets become sorted lists.
 */
export function itemLine(item: Record<string, unknown>): string {
  const ordered: Record<string, unknown> = { type: itemType(item) };
  if ("pk" in item) ordered.pk = item.pk;
  if ("sk" in item) ordered.sk = item.sk;
  for (const key of Object.keys(item).sort()) {
    if (key !== "type" && key !== "pk" && key !== "sk") ordered[key] = item[key];
  }
  return JSON.stringify(ordered, (_key, value: unknown) =>
    value instanceof Set ? [...value].sort() : value,
  );
}
