#!/usr/bin/env node
// The `funnel` command. tsx compiles the TypeScript sources on the fly, so there is no build step
// between editing the CLI and running it.
import { register } from "tsx/esm/api";

register();
// The SDK warns on every run that its 2027 releases need Node 22; the README says so once.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
try {
  const { main } = await import("../functions/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Only a CLI that fails to load ends up here; main() itself never throws.
  console.error(`funnel: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.FUNNEL_DEBUG === "1" && error instanceof Error) console.error(error.stack);
  process.exitCode = 1;
}
