import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests share one DynamoDB Local + SES stand-in started here, so the JVM boots once.
    globalSetup: ["test/global-setup.ts"],
    // A guard against hangs, not a speed check: a loaded CI machine has run a 6 s test in over 60 s.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: ".funnel/test-results.json" },
  },
});
