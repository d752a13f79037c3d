import { readdirSync, readFileSync, statSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatProblem, type RuleProblem } from "../core/rules/rule-problem";
import type { RuleFile } from "../core/rules/rule-schema";
import type { RuleSet } from "../core/rules/rule-set";
import { type RuleFileInput, validateRules } from "../core/rules/validate-rules";
import { MAX_FILE_BYTES } from "../core/rules/yaml-source";

export interface LoadedRules {
  /** The merged rule files as written. */
  source: RuleFile;
  /** The compiled rules the core runs on. */
  rules: RuleSet;
  /** The files read, in the order they were merged, as paths relative to the given location. */
  files: string[];
  /** The location as shown in messages: `rules/` for a directory, the path for a single file. */
  location: string;
}

export class RulesInvalidError extends Error {
  readonly problems: RuleProblem[];

  constructor(problems: RuleProblem[], options?: { cause?: unknown }) {
    const count = `${problems.length} problem${problems.length === 1 ? "" : "s"} in the rules`;
    // "rules/: no such directory" needs no count under it.
    const located = problems.some((problem) => problem.line > 0) || problems.length > 1;
    super([...problems.map(formatProblem), ...(located ? [count] : [])].join("\n"), options);
    this.name = "RulesInvalidError";
    this.problems = problems;
  }
}

const RULE_FILE = /\.ya?ml$/;

interface Location {
  files: string[];
  shown: string;
}

/** A file system to read rule files from: node:fs, sync or async, behind one shape. */
interface Reader {
  stat(path: string): { isDirectory(): boolean; isFile(): boolean; size: number };
  list(dir: string): string[];
  read(path: string): string;
}

/**
 * Reads a rule set: every *.yaml / *.yml file directly in a directory (subdirectories such as
 * templates/ are not part of it), or a single file validated as a complete set. Throws
 * RulesInvalidError listing every problem.
 */
export async function loadRules(dirOrFile = "rules"): Promise<LoadedRules> {
  const location = await locateAsync(dirOrFile);
  const inputs = await Promise.all(
    location.files.map(async (path) => {
      const { size } = await stat(path);
      // A huge file is rejected by size alone; reading it could exhaust memory.
      return size > MAX_FILE_BYTES
        ? { path, text: "", size }
        : { path, text: await readFile(path, "utf8") };
    }),
  );
  return validated(location.shown, inputs);
}

/** loadRules without promises, for CDK synth and a Lambda's first invocation. */
export function loadRulesSync(dirOrFile = "rules"): LoadedRules {
  const reader: Reader = {
    stat: (path) => statSync(path),
    list: (dir) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name),
    read: (path) => readFileSync(path, "utf8"),
  };
  const location = locate(dirOrFile, reader);
  const inputs = location.files.map((path) => {
    const { size } = reader.stat(path);
    return size > MAX_FILE_BYTES ? { path, text: "", size } : { path, text: reader.read(path) };
  });
  return validated(location.shown, inputs);
}

/** How a location is shown in messages: directories with a trailing slash (`rules/`). */
export function displayLocation(dirOrFile: string, isDirectory: boolean): string {
  return isDirectory && !dirOrFile.endsWith("/") ? `${dirOrFile}/` : dirOrFile;
}

function validated(location: string, inputs: RuleFileInput[]): LoadedRules {
  const result = validateRules(inputs);
  if (!result.ok) throw new RulesInvalidError(result.problems);
  const files = inputs.map((input) => input.path);
  return { source: result.source, rules: result.rules, files, location };
}

async function locateAsync(dirOrFile: string): Promise<Location> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dirOrFile);
  } catch (error) {
    throw missing(dirOrFile, error);
  }
  if (!info.isDirectory()) return single(dirOrFile, info.isFile());
  let names: string[];
  try {
    const entries = await readdir(dirOrFile, { withFileTypes: true });
    names = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch (error) {
    throw unreadable(dirOrFile, error);
  }
  return ruleFilesOf(dirOrFile, names);
}

function locate(dirOrFile: string, reader: Reader): Location {
  let info: ReturnType<Reader["stat"]>;
  try {
    info = reader.stat(dirOrFile);
  } catch (error) {
    throw missing(dirOrFile, error);
  }
  if (!info.isDirectory()) return single(dirOrFile, info.isFile());
  let names: string[];
  try {
    names = reader.list(dirOrFile);
  } catch (error) {
    throw unreadable(dirOrFile, error);
  }
  return ruleFilesOf(dirOrFile, names);
}

function single(path: string, isFile: boolean): Location {
  if (!isFile) throw locationError(path, "not a file or directory");
  return { files: [path], shown: path };
}

function ruleFilesOf(dir: string, names: string[]): Location {
  // Sorted by name, so merging (and "already defined in …") is the same on every machine.
  const files = names
    .filter((name) => RULE_FILE.test(name))
    .sort()
    .map((name) => join(dir, name));
  if (files.length === 0) {
    throw locationError(displayLocation(dir, true), "no rule files (*.yaml) in this directory");
  }
  return { files, shown: displayLocation(dir, true) };
}

function missing(dirOrFile: string, cause: unknown): RulesInvalidError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code !== "ENOENT" && code !== "ENOTDIR") return unreadable(dirOrFile, cause);
  // A name that looks like a rule file was meant as one; anything else as a directory.
  return RULE_FILE.test(dirOrFile)
    ? locationError(dirOrFile, "no such file", cause)
    : locationError(displayLocation(dirOrFile, true), "no such directory", cause);
}

function unreadable(dirOrFile: string, cause: unknown): RulesInvalidError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return locationError(dirOrFile, `cannot be read: ${reason}`, cause);
}

function locationError(file: string, message: string, cause?: unknown): RulesInvalidError {
  return new RulesInvalidError(
    [{ file, line: 0, column: 0, path: "", message, severity: "error" }],
    {
      cause,
    },
  );
}
