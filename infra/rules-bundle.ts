import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import {
  BUNDLED_RULES_FILE,
  type BundledRules,
  bundleRules,
} from "../functions/adapters/bundled-rules";
import type { LoadedRules } from "../functions/adapters/rules-loader";

/**
 * Writes the validated rules as the JSON the Lambda functions load (see bundled-rules.ts) into
 * `dir`, and returns where and what it wrote. Only names and contents go in, never absolute paths or times,
 * so the same rules give the same bytes on every machine and the functions' asset hash changes
 * exactly when the rules do.
 */
export function writeRulesBundle(
  loaded: LoadedRules,
  dir: string,
): { path: string; bundle: BundledRules } {
  const files = loaded.files.map((file) => ({
    name: basename(file),
    text: readFileSync(file, "utf8"),
  }));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, BUNDLED_RULES_FILE);
  const bundle = bundleRules(loaded.source, files);
  writeFileSync(path, `${JSON.stringify(bundle, null, 2)}\n`);
  return { path, bundle };
}
