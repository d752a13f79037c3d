import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
  type YAMLError,
} from "yaml";
import { quoted } from "./quoted";

import { formatPath, type PathSegment, type RuleProblem } from "./rule-problem";

/** A rule file as text, read by the caller; `size` lets a caller skip reading a huge file. */
export interface RuleFileInput {
  path: string;
  text: string;
  /** Size in bytes when the caller did not read the whole file; otherwise taken from `text`. */
  size?: number;
}

/** A rule file that parsed into a single YAML mapping. */
export interface ParsedRuleFile {
  path: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: Record<string, unknown>;
}

export const MAX_FILE_BYTES = 1024 * 1024;

// Enough for any sensible reuse of anchors (an escalation chain shared by a few sections), far
// below what an alias bomb needs to exhaust a Lambda's memory.
const MAX_ALIAS_COUNT = 100;

// The YAML 1.2 core schema tags. Anything else (!!binary, !!timestamp, !custom) would smuggle
// values into the rules that are not plain text, numbers, booleans, lists or mappings.
const ALLOWED_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`),
);

export function parseRuleFile(input: RuleFileInput): {
  file?: ParsedRuleFile;
  problems: RuleProblem[];
} {
  const problem = (line: number, column: number, message: string): RuleProblem => ({
    file: input.path,
    line,
    column,
    path: "",
    message,
    severity: "error",
  });

  const size = input.size ?? Buffer.byteLength(input.text, "utf8");
  if (size > MAX_FILE_BYTES) {
    // Rounded up, so a file just over the limit never reads as "1.0 MiB".
    const mib = (Math.ceil((size / MAX_FILE_BYTES) * 10) / 10).toFixed(1);
    return {
      problems: [problem(1, 1, `file is ${mib} MiB; a rule file may be at most 1 MiB`)],
    };
  }

  // YAML allows a lone CR as a line break, but the parser reads such a file as one comment line
  // ("empty"), and git shows it as one line in every review: refused, with the reason,
  // before the parser turns it into an unrelated syntax error. Not in a binary file, whose CR bytes
  // are not line breaks (the parser's errors describe it).
  const loneCr = input.text.search(/\r(?!\n)/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
  if (loneCr >= 0 && !/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(input.text)) {
    const before = input.text.slice(0, loneCr);
    const line = before.split("\n").length;
    const column = loneCr - (before.lastIndexOf("\n") + 1) + 1;
    return {
      problems: [
        problem(
          line,
          column,
          "line break is a lone CR (classic Mac OS line endings); save the file with LF or CRLF line endings",
        ),
      ],
    };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(input.text, {
    lineCounter,
    prettyErrors: true,
    schema: "core",
    version: "1.2",
    uniqueKeys: true,
    // "error" keeps the multiple-documents error (it is dropped at "silent") without printing
    // warnings to the console.
    logLevel: "error",
  });
  const at = (offset: number) => lineCounter.linePos(offset);

  const problems: RuleProblem[] = [];
  for (const error of [...doc.errors, ...doc.warnings]) {
    // Tags are checked below on every node, with one message for known and unknown tags alike.
    if (error.code === "TAG_RESOLVE_FAILED") continue;
    const { line, col } = at(error.pos[0]);
    problems.push(problem(line, col, yamlErrorMessage(error, input.text)));
  }

  visit(doc, (_key, node) => {
    if (!isNode(node)) return;
    if (node.tag !== undefined && !ALLOWED_TAGS.has(node.tag)) {
      const offset = tagOffset(input.text, node);
      const written = input.text.slice(offset).match(/^!\S*/)?.[0] ?? node.tag;
      const { line, col } = at(offset);
      problems.push(
        problem(line, col, `unknown tag "${written}": rule files use plain YAML values, no tags`),
      );
    }
    if (isAlias(node) && node.resolve(doc) === undefined) {
      const { line, col } = at(startOf(node));
      problems.push(
        problem(
          line,
          col,
          `alias *${node.source} refers to no anchor: define &${node.source} before using it`,
        ),
      );
    }
  });
  if (problems.length > 0) return { problems };

  if (doc.contents === null) {
    return {
      problems: [problem(1, 1, "file is empty: expected a mapping starting with version: 1")],
    };
  }
  if (!isMap(doc.contents)) {
    const { line, col } = at(startOf(doc.contents));
    return {
      problems: [
        problem(
          line,
          col,
          `expected a mapping of sections (version: 1, funnels: …), got ${describeNode(doc.contents)}`,
        ),
      ],
    };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!/alias/i.test(String((error as Error)?.message))) {
      return { problems: [problem(1, 1, `cannot read the file: ${(error as Error)?.message}`)] };
    }
    const culprit = largestAlias(doc);
    const { line, col } = at(culprit ? startOf(culprit.node) : 0);
    const name = culprit ? `alias *${culprit.node.source}` : "an alias";
    const reason =
      culprit && Number.isFinite(culprit.size)
        ? `expands to ${culprit.size} values`
        : "refers to a node that contains it";
    return {
      problems: [
        problem(
          line,
          col,
          `${name} ${reason}; aliases may only share small parts of a file (at most ${MAX_ALIAS_COUNT} alias expansions)`,
        ),
      ],
    };
  }
  return {
    file: { path: input.path, doc, lineCounter, value: value as Record<string, unknown> },
    problems: [],
  };
}

/** The position of the node at `path`, or of its key; walks as far as the file has the path. */
export function locate(
  file: ParsedRuleFile,
  path: readonly PathSegment[],
  target: "value" | "key" = "value",
): { line: number; column: number } {
  let node: unknown = file.doc.contents;
  let position = 0;
  for (const [index, segment] of path.entries()) {
    node = resolveAlias(file.doc, node);
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (!pair) break;
      if (last && target === "key" && isNode(pair.key)) {
        position = startOf(pair.key);
        break;
      }
      node = pair.value;
      // A key without a value ("label:") has at most an empty node after the colon; the key is
      // what the reader looks for.
      if ((!isNode(node) || isEmptyScalar(node)) && isNode(pair.key)) {
        position = startOf(pair.key);
        break;
      }
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
    } else {
      break;
    }
    if (isNode(node)) position = startOf(node);
  }
  if (path.length === 0 && isNode(node)) position = startOf(node);
  const { line, col } = file.lineCounter.linePos(position);
  return { line, column: col };
}

/** A problem at `path` within `file`. */
export function problemAt(
  file: ParsedRuleFile,
  path: readonly PathSegment[],
  message: string,
  target: "value" | "key" = "value",
): RuleProblem {
  const { line, column } = locate(file, path, target);
  return { file: file.path, line, column, path: formatPath(path), message, severity: "error" };
}

/** Whether the file's top-level mapping has `key`; used to tell a missing section from one at 1:1. */
export function hasTopLevelKey(file: ParsedRuleFile, key: string): boolean {
  const contents = file.doc.contents;
  return isMap(contents) && contents.items.some((item) => keyText(item.key) === key);
}

function startOf(node: Node): number {
  return node.range?.[0] ?? 0;
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function resolveAlias(doc: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function describeNode(node: Node): string {
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    return node.value === null ? "nothing" : `the value ${quoted(node.value)}`;
  }
  return "something else";
}

function yamlErrorMessage(error: YAMLError, text: string): string {
  // prettyErrors appends " at line L, column C:" and a code frame; the position is reported
  // separately, so only the sentence is kept.
  const sentence = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
  switch (error.code) {
    case "DUPLICATE_KEY": {
      const key =
        text
          .slice(error.pos[0])
          .match(/^[^:\n]*/)?.[0]
          ?.trim() ?? "";
      return `duplicate key ${JSON.stringify(key)}: each key may appear once in a mapping`;
    }
    case "MULTIPLE_DOCS":
      return "a rule file holds one YAML document; remove the second document (after ---) or move it to its own file";
    default:
      return `YAML syntax error: ${sentence}`;
  }
}

// A node's range starts after its tag (and anchor); the tag itself is what the reader must fix.
function tagOffset(text: string, node: Node): number {
  const start = startOf(node);
  const before = text.slice(Math.max(0, start - 200), start);
  const match = /(!\S*)(\s+&\S+)?\s*$/.exec(before);
  return match ? start - before.length + match.index : start;
}

/** The alias whose expansion is largest: where an alias bomb is best defused. */
function largestAlias(
  doc: Document.Parsed,
): { node: Node & { source: string }; size: number } | undefined {
  const sizes = new Map<unknown, number>();
  const sizeOf = (node: unknown, depth: number): number => {
    if (depth > 64) return Number.POSITIVE_INFINITY;
    if (isAlias(node)) return sizeOf(node.resolve(doc), depth + 1);
    if (!isCollection(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let size = 1;
    for (const item of node.items) {
      if (isPair(item)) size += sizeOf(item.key, depth + 1) + sizeOf(item.value, depth + 1);
      else size += sizeOf(item, depth + 1);
    }
    sizes.set(node, size);
    return size;
  };
  let best: { node: Node & { source: string }; size: number } | undefined;
  visit(doc, {
    Alias: (_key, alias) => {
      const size = sizeOf(alias, 0);
      if (!best || size > best.size) best = { node: alias, size };
    },
  });
  return best;
}
