import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatPath, formatProblem } from "../core/rules/rule-problem";
import type { RuleFile } from "../core/rules/rule-schema";
import { compileRuleSet, type RuleSet } from "../core/rules/rule-set";
import { setIssues } from "../core/rules/set-checks";

/**
 * The rule set as `cdk synth` ships it inside each Lambda bundle: the merged source that
 * validateRules() accepted, as JSON. The Lambda functions load this instead of the YAML files so
 * that the YAML parser and the JSON Schema validator (most of a bundle's size and start-up time)
 * stay out of them; what they run is still exactly what synth validated.
 *
 * This module must not import the YAML loader or the schema (rules-loader.ts, validate-rules.ts,
 * rule-schema.ts values): anything it imports ends up in both bundles.
 */
export interface BundledRules {
  format: typeof BUNDLED_RULES_FORMAT;
  /** The rule files synth validated, by name, with the SHA-256 of their text: a deployment can
   * be traced back to the files of a commit (`sha256sum rules/*.yaml`). */
  files: { name: string; sha256: string }[];
  /** SHA-256 of `JSON.stringify(source)`: a rule set that differs from the validated one is refused. */
  sourceSha256: string;
  source: RuleFile;
}

/** The file name inside the bundle's rules directory (RULES_DIR). */
export const BUNDLED_RULES_FILE = "rule-set.json";
export const BUNDLED_RULES_FORMAT = "funnel-rules/validated-rule-set@1";

export class BundledRulesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BundledRulesError";
  }
}

export function sourceDigest(source: RuleFile): string {
  return createHash("sha256").update(JSON.stringify(source)).digest("hex");
}

/** What synth writes: `source` must be the `source` of a successful validateRules() result. */
export function bundleRules(
  source: RuleFile,
  files: { name: string; text: string }[],
): BundledRules {
  return {
    format: BUNDLED_RULES_FORMAT,
    files: files.map(({ name, text }) => ({
      name,
      sha256: createHash("sha256").update(text).digest("hex"),
    })),
    sourceSha256: sourceDigest(source),
    source,
  };
}

/**
 * Reads and compiles the bundled rule set of `dir`, refusing it — before any record is touched —
 * when it is missing, not in this format, not the rule set synth validated (digest), or fails the
 * rule set's cross-checks (references, ids, calendar, cron), which run again here because they
 * are cheap and need neither the YAML parser nor the schema validator.
 */
export function loadBundledRulesSync(dir: string): { rules: RuleSet; bundle: BundledRules } {
  const path = join(dir, BUNDLED_RULES_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new BundledRulesError(`${path}: cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isBundle(parsed)) {
    throw new BundledRulesError(
      `${path}: not a rule set validated by cdk synth (expected format "${BUNDLED_RULES_FORMAT}")`,
    );
  }
  if (sourceDigest(parsed.source) !== parsed.sourceSha256) {
    throw new BundledRulesError(
      `${path}: the rules differ from the ones synth validated (SHA-256 mismatch); redeploy from git`,
    );
  }
  const issues = setIssues(parsed.source, () => path);
  if (issues.length > 0) {
    const lines = issues.map((issue) =>
      formatProblem({
        file: path,
        line: 0,
        column: 0,
        path: formatPath(issue.path),
        message: issue.message,
        severity: "error",
      }),
    );
    throw new BundledRulesError(lines.join("\n"));
  }
  return { rules: compileRuleSet(parsed.source), bundle: parsed };
}

function isBundle(value: unknown): value is BundledRules {
  if (typeof value !== "object" || value === null) return false;
  const bundle = value as Partial<BundledRules>;
  return (
    bundle.format === BUNDLED_RULES_FORMAT &&
    typeof bundle.sourceSha256 === "string" &&
    Array.isArray(bundle.files) &&
    typeof bundle.source === "object" &&
    bundle.source !== null
  );
}
