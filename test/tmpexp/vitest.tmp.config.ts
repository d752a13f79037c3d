import { defineConfig } from "vitest/config";
export default defineConfig({ test: { include: ["test/tmpexp/**/*.test.ts"], pool: "forks" } });
