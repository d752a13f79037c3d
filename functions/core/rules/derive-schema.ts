import { stringify } from "yaml";
import { LIST_SECTIONS, RuleFileSchema } from "./rule-schema";
import { kindOfPattern } from "./value-kinds";

/*
 * The files derived from rule-schema.ts: schema/rules.schema.json for editors and
 * docs/rules-reference.md for people. Pure, so `npm run schema` writes them and a test checks
 * that the committed copies are current.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The parts of a JSON Schema node the reference reads. */
interface SchemaNode {
  $id?: string;
  $ref?: string;
  type?: string;
  const?: Json;
  anyOf?: SchemaNode[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  required?: string[];
  description?: string;
  examples?: Json[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
}

export const JSON_SCHEMA_PATH = "schema/rules.schema.json";
export const REFERENCE_PATH = "docs/rules-reference.md";

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/**
 * The JSON Schema editors use (yaml-language-server, VS Code). TypeBox places the recursive
 * condition schema inline under its own $id; editors resolve a plain `#/definitions/…` reference
 * far more reliably, so named subschemas move to `definitions`.
 */
export function generateJsonSchema(): string {
  // A JSON round trip drops TypeBox's symbol-keyed metadata and gives a copy safe to rewrite.
  const root = JSON.parse(JSON.stringify(RuleFileSchema)) as Record<string, Json>;
  const definitions: Record<string, Json> = {};
  const renamed = new Map<string, string>();

  const hoist = (node: Json, isRoot: boolean): Json => {
    if (Array.isArray(node)) return node.map((item) => hoist(item, false));
    if (node === null || typeof node !== "object") return node;
    const id = node.$id;
    if (!isRoot && typeof id === "string") {
      const name = id.replace(/[^A-Za-z0-9_-]/g, "_");
      renamed.set(id, `#/definitions/${name}`);
      const { $id: _id, ...rest } = node;
      definitions[name] = hoist(rest, false);
      return { $ref: `#/definitions/${name}` };
    }
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, hoist(value, false)]),
    );
  };
  const hoisted = hoist(root, true) as Record<string, Json>;

  const relink = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(relink);
    if (node === null || typeof node !== "object") return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        key === "$ref" && typeof value === "string" ? (renamed.get(value) ?? value) : relink(value),
      ]),
    );
  };
  const { $id, title, description, ...body } = relink(hoisted) as Record<string, Json>;
  const schema: Record<string, Json> = {
    $schema: DRAFT_07,
    $id: $id ?? null,
    title: title ?? null,
  };
  schema.description = description ?? null;
  Object.assign(schema, body);
  if (Object.keys(definitions).length > 0) schema.definitions = relink(definitions);
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** docs/rules-reference.md: every section and key with type, whether required, description, example. */
export function generateReference(): string {
  const root = RuleFileSchema as unknown as SchemaNode;
  const sections = Object.entries(root.properties ?? {});
  const out: string[] = [
    "# Rule file reference",
    "",
    "<!-- Generated from functions/core/rules/rule-schema.ts by `npm run schema`; do not edit by hand. -->",
    "",
    `${root.description ?? ""} Every \`*.yaml\` file directly in the rule directory (by default \`rules/\`; subdirectories such as \`rules/templates/\` are not part of it) is merged into one rule set. Each section may appear in one file only, except ${LIST_SECTIONS.map((s) => `\`${s}\``).join(", ")}, which are lists concatenated across files.`,
    "",
    "Add this first line to a rule file to get completion and hovers in editors that use yaml-language-server:",
    "",
    "```yaml",
    "# yaml-language-server: $schema=../schema/rules.schema.json",
    "```",
    "",
    "Run `npx funnel validate` to check the rules before opening a pull request.",
    "",
    "## Sections",
    "",
    "| Section | Type | Required | Description |",
    "| --- | --- | --- | --- |",
    ...sections.map(
      ([name, schema]) =>
        `| [\`${name}\`](#${name.toLowerCase()}) | ${typeLabel(schema)} | ${requiredLabel(root, name)} | ${cell(schema.description)} |`,
    ),
    "",
  ];

  const conditions: SchemaNode[] = [];
  for (const [name, schema] of sections) {
    out.push(`## ${name}`, "");
    if (schema.description) out.push(schema.description, "");
    const merging = (LIST_SECTIONS as readonly string[]).includes(name)
      ? "A list; entries from every file are concatenated."
      : "May appear in one file only.";
    out.push(`${merging}${example(schema, " Example: ")}`, "");
    const rows: Row[] = [];
    const variants: Variant[] = [];
    collectRows(schema, "", rows, variants, conditions);
    if (rows.length > 0) out.push(...table(rows), "");
    for (const variant of variants) {
      out.push(`### ${variant.title}`, "");
      if (variant.schema.description) out.push(variant.schema.description, "");
      const variantRows: Row[] = [];
      collectRows(variant.schema, variant.path, variantRows, [], conditions);
      if (variantRows.length > 0) out.push(...table(variantRows), "");
    }
  }

  const condition = conditions[0];
  if (condition) {
    out.push("## Conditions", "");
    if (condition.description) out.push(condition.description, "");
    for (const form of condition.anyOf ?? []) {
      const keys = Object.keys(form.properties ?? {});
      const title = keys.length === 1 ? `\`${keys[0]}\`` : "Comparison";
      out.push(`### ${title}`, "");
      if (form.description) out.push(form.description, "");
      const rows: Row[] = [];
      collectRows(form, "", rows, [], []);
      out.push(...table(rows), "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

interface Row {
  key: string;
  type: string;
  required: string;
  description: string;
  example: string;
}

interface Variant {
  title: string;
  path: string;
  schema: SchemaNode;
}

/** Rows for every key below `schema`, with paths like `stages[].maxDwell`. */
function collectRows(
  schema: SchemaNode,
  path: string,
  rows: Row[],
  variants: Variant[],
  conditions: SchemaNode[],
): void {
  if (isCondition(schema)) {
    if (!conditions.includes(schema)) conditions.push(schema);
    return;
  }
  if (schema.type === "array" && schema.items) {
    collectRows(schema.items, `${path}[]`, rows, variants, conditions);
    return;
  }
  const branches = schema.anyOf?.filter((branch) => branch.type === "object" && branch.properties);
  if (branches && branches.length > 1 && !literalValues(schema)) {
    // A list of alternatives (distribution steps): each gets its own table under a heading.
    for (const branch of branches) {
      variants.push({ title: variantTitle(path, branch), path, schema: branch });
    }
    return;
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    // Paths are relative to the section, and to one entry of a list section.
    const childPath = path === "" || path === "[]" ? key : `${path}.${key}`;
    rows.push({
      key: childPath,
      type: typeLabel(child),
      required: requiredLabel(schema, key),
      description: child.description ?? itemDescription(child),
      example: example(child),
    });
    collectRows(child, childPath, rows, variants, conditions);
  }
}

function table(rows: readonly Row[]): string[] {
  return [
    "| Key | Type | Required | Description | Example |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (row) =>
        `| \`${row.key}\` | ${row.type} | ${row.required} | ${cell(row.description)} | ${row.example === "" ? "" : `\`${cell(row.example)}\``} |`,
    ),
  ];
}

function variantTitle(path: string, branch: SchemaNode): string {
  const discriminator = Object.entries(branch.properties ?? {}).find(
    ([, child]) => literalValues(child) !== undefined,
  );
  const values = discriminator ? literalValues(discriminator[1]) : undefined;
  const label = discriminator && values ? `${discriminator[0]}: ${values.join(" | ")}` : "variant";
  return `\`${path}\` — ${label}`;
}

function typeLabel(schema: SchemaNode, nested = false): string {
  if (isCondition(schema) || schema.$ref !== undefined) return "[condition](#conditions)";
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  const literals = literalValues(schema);
  if (literals) return `one of ${literals.map((value) => `\`${value}\``).join(", ")}`;
  if (schema.anyOf) {
    const objects = schema.anyOf.filter((branch) => branch.type === "object" && branch.properties);
    if (objects.length > 1) return "mapping (one of the kinds below)";
    return unique(schema.anyOf.map((branch) => typeLabel(branch, nested))).join(" or ");
  }
  switch (schema.type) {
    case "string": {
      const kind = kindOfPattern(schema.pattern);
      return kind ? kind.name : "text";
    }
    case "number":
      if (schema.minimum === 0 && schema.maximum === 1) return "rate (0–1)";
      return schema.minimum !== undefined ? `number ≥ ${schema.minimum}` : "number";
    case "integer":
      return schema.minimum !== undefined ? `whole number ≥ ${schema.minimum}` : "whole number";
    case "boolean":
      return "true / false";
    case "array": {
      const item = schema.items ? typeLabel(schema.items, true) : "values";
      // Only the outer list's minimum: "list of list of text, at least 1, at least 1" reads badly.
      const min = schema.minItems && !nested ? `, at least ${schema.minItems}` : "";
      return `list of ${item}${min}`;
    }
    case "object": {
      const pattern = Object.keys(schema.patternProperties ?? {})[0];
      if (pattern === undefined) return "mapping";
      const value = schema.patternProperties?.[pattern];
      const key = kindOfPattern(pattern)?.name ?? "key";
      return `mapping of ${key} → ${value ? typeLabel(value, true) : "value"}`;
    }
    default:
      return "any";
  }
}

function requiredLabel(parent: SchemaNode, key: string): string {
  return parent.required?.includes(key) ? "yes" : "";
}

function itemDescription(schema: SchemaNode): string {
  if (schema.type === "array" && schema.items?.description) return schema.items.description;
  return "";
}

function example(schema: SchemaNode, prefix = ""): string {
  const [first] = schema.examples ?? [];
  if (first === undefined) return "";
  const text = stringify(first, { collectionStyle: "flow", lineWidth: 0 }).trim();
  return prefix === "" ? text : `${prefix}\`${text}\`.`;
}

function literalValues(schema: SchemaNode): string[] | undefined {
  if (schema.const !== undefined) return [String(schema.const)];
  if (!schema.anyOf || schema.anyOf.length === 0) return undefined;
  const values: string[] = [];
  for (const branch of schema.anyOf) {
    const literal = literalValues(branch);
    if (!literal) return undefined;
    values.push(...literal);
  }
  return values;
}

function isCondition(schema: SchemaNode): boolean {
  return schema.$id !== undefined && schema.anyOf !== undefined;
}

function cell(text: string | undefined): string {
  return (text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
