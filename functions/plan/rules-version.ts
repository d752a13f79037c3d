import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { promisify } from "node:util";
import { type LoadedRules, loadRules, RulesInvalidError } from "../adapters/rules-loader";
import { UsageError } from "../cli/command";
import { validateRules } from "../core/rules/validate-rules";
import { MAX_FILE_BYTES } from "../core/rules/yaml-source";

const run = promisify(execFile);
const RULE_FILE = /\.ya?ml$/;

async function git(args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
  return stdout;
}

async function isPath(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The rule set `--against` names: a directory (or file) as `funnel validate` reads it, or the same
 * rule directory as `rulesDir` at a git revision (`main`, `origin/main`, a tag, a commit): every
 * *.yaml file directly in it at that revision, read with `git show` and validated as one set, so
 * problems point at `main:rules/funnel.yaml:9:19`.
 */
export async function loadRulesVersion(
  spec: string,
  rulesDir: string,
  usage: string,
): Promise<LoadedRules> {
  if (await isPath(spec)) return loadRules(spec);
  if (spec.startsWith("-"))
    throw new UsageError(`--against "${spec}" is not a git revision`, usage);
  try {
    await git(["rev-parse", "--verify", "--quiet", `${spec}^{commit}`]);
  } catch {
    throw new UsageError(
      `--against "${spec}" is neither a directory nor a git revision of this repository`,
      usage,
    );
  }
  const single = await stat(rulesDir)
    .then((info) => info.isFile())
    .catch(() => false);
  const tree = single ? rulesDir : `${rulesDir.replace(/\/+$/, "")}/`;
  const listing = await git(["ls-tree", "-z", spec, "--", tree]);
  const paths = listing
    .split("\0")
    .filter((entry) => entry.includes(" blob "))
    .map((entry) => entry.slice(entry.indexOf("\t") + 1))
    .filter((path) => RULE_FILE.test(path))
    .sort();
  const location = `${spec}:${tree}`;
  if (paths.length === 0) {
    throw new RulesInvalidError([
      {
        file: location,
        line: 0,
        column: 0,
        path: "",
        message: single
          ? "no such file at this revision"
          : "no rule files (*.yaml) at this revision",
        severity: "error",
      },
    ]);
  }
  const inputs = await Promise.all(
    paths.map(async (path) => {
      const text = await git(["show", `${spec}:./${path}`]);
      const size = Buffer.byteLength(text);
      return { path: `${spec}:${path}`, text: size > MAX_FILE_BYTES ? "" : text, size };
    }),
  );
  const result = validateRules(inputs);
  if (!result.ok) throw new RulesInvalidError(result.problems);
  return {
    source: result.source,
    rules: result.rules,
    files: inputs.map((input) => input.path),
    location,
  };
}
