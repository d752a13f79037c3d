import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { SendEmailCommand } from "@aws-sdk/client-ses";
import { afterAll, describe, expect, test } from "vitest";
import { tableDesign } from "../../functions/adapters/table-design";
import {
  checkJava,
  createTable,
  LocalStackError,
  startLocalStack,
} from "../../functions/local/local-stack";
import { readInbox } from "../../functions/local/ses-inbox";
import { useLocalStack } from "../support/local-stack";

const stack = useLocalStack();

const scratch = await mkdtemp(join(tmpdir(), "funnel-local-stack-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A stand-in `java`: answers `-version` with `versionLine`, otherwise runs `body`. */
async function fakeJava(name: string, versionLine: string, body = "exit 0") {
  const path = join(scratch, name);
  await writeFile(
    path,
    `#!/bin/sh\nif [ "$1" = "-version" ]; then echo '${versionLine}' >&2; exit 0; fi\n${body}\n`,
  );
  await chmod(path, 0o755);
  return path;
}

describe("the table", () => {
  test("has the key schema, three GSIs and NEW_AND_OLD_IMAGES stream of the table design", async () => {
    const { Table } = await stack.dynamo.send(
      new DescribeTableCommand({ TableName: stack.tableName }),
    );

    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.KeySchema).toEqual([
      { AttributeName: tableDesign.partitionKey, KeyType: "HASH" },
      { AttributeName: tableDesign.sortKey, KeyType: "RANGE" },
    ]);
    const indexes = Object.fromEntries(
      (Table?.GlobalSecondaryIndexes ?? []).map((index) => [
        index.IndexName,
        { keys: index.KeySchema, projection: index.Projection?.ProjectionType },
      ]),
    );
    expect(indexes).toEqual(
      Object.fromEntries(
        Object.entries(tableDesign.indexes).map(([name, index]) => [
          name,
          {
            keys: [
              { AttributeName: index.partitionKey, KeyType: "HASH" },
              { AttributeName: index.sortKey, KeyType: "RANGE" },
            ],
            projection: "ALL",
          },
        ]),
      ),
    );
    expect(Object.keys(indexes)).toHaveLength(3);
    expect(Table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    });
    expect(Table?.LatestStreamArn).toMatch(/^arn:aws:dynamodb:.*\/stream\//);
  });

  test("creating an existing table again keeps it and its items", async () => {
    const tableName = await stack.freshTable("local-stack");
    const key = { pk: { S: "LEAD#1" }, sk: { S: "LEAD" } };
    await stack.dynamo.send(new PutItemCommand({ TableName: tableName, Item: key }));

    await createTable(stack.clientConfig, tableName);

    const { Item } = await stack.dynamo.send(
      new GetItemCommand({ TableName: tableName, Key: key }),
    );
    expect(Item).toEqual(key);
  });
});

describe("the SES stand-in", () => {
  test("shows an email sent with SendEmail in the inbox", async () => {
    const subject = `Lead assigned ${Date.now()}`;
    const sentAt = new Date();

    const { MessageId } = await stack.ses.send(
      new SendEmailCommand({
        Source: "funnel@example.com",
        // One recipient: the stand-in keeps only the first address of each v1 SendEmail list.
        Destination: { ToAddresses: ["rep@example.com"] },
        Message: {
          Subject: { Data: subject },
          Body: { Text: { Data: "You have a new lead." }, Html: { Data: "<p>New lead</p>" } },
        },
      }),
    );

    const inbox = await readInbox(stack.sesEndpoint);
    const email = inbox.find((candidate) => candidate.subject === subject);
    expect(email).toMatchObject({
      messageId: MessageId,
      from: "funnel@example.com",
      to: ["rep@example.com"],
      text: "You have a new lead.",
      html: "<p>New lead</p>",
    });
    // The stand-in stamps whole seconds.
    expect(email?.at.getTime()).toBeGreaterThanOrEqual(Math.floor(sentAt.getTime() / 1000) * 1000);
    expect(stack.inboxUrl).toBe(stack.sesEndpoint);
  });
});

describe("starting the stack", () => {
  test("without java on PATH fails with a LocalStackError that says how to install Java 17", async () => {
    const started = startLocalStack({ env: { PATH: join(scratch, "no-java-here") } });

    await expect(started).rejects.toBeInstanceOf(LocalStackError);
    await expect(started).rejects.toThrow(
      "DynamoDB Local needs Java 17 or newer (found: no `java` on PATH). Install a JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`) and try again.",
    );
  });

  test("with a Java older than 17 names the version it found", async () => {
    const java8 = await fakeJava("java8", 'java version "1.8.0_392"');
    const java11 = await fakeJava("java11", 'openjdk version "11.0.21" 2023-10-17');

    await expect(startLocalStack({ javaCommand: java8 })).rejects.toThrow(
      /needs Java 17 or newer \(found: Java 8, "1\.8\.0_392"\)/,
    );
    await expect(checkJava(java11)).rejects.toThrow(/found: Java 11, "11\.0\.21"/);
  });

  test("accepts Java 17 and newer", async () => {
    await expect(
      checkJava(await fakeJava("java21", 'openjdk version "21" 2023-09-19')),
    ).resolves.toBe(21);
    await expect(checkJava()).resolves.toBeGreaterThanOrEqual(17);
  });

  test("reports the JVM's last output when DynamoDB Local exits early", async () => {
    const crashing = await fakeJava(
      "java-crash",
      'openjdk version "17.0.15" 2025-04-15',
      "echo 'java.net.BindException: Address already in use' >&2; exit 1",
    );

    const started = startLocalStack({ javaCommand: crashing });

    await expect(started).rejects.toBeInstanceOf(LocalStackError);
    await expect(started).rejects.toThrow(/exited early \(exit code 1\)[\s\S]*BindException/);
  });

  test("keeps data in dataDir across restarts and frees its port on stop", async () => {
    const dataDir = join(scratch, "data");
    const key = { pk: { S: "REP#1" }, sk: { S: "REP" } };

    const first = await startLocalStack({ dataDir, tableName: "persisted" });
    const firstClient = new DynamoDBClient(first.clientConfig);
    await firstClient.send(new PutItemCommand({ TableName: "persisted", Item: key }));
    firstClient.destroy();
    await first.stop();

    const stopped = new DynamoDBClient({ ...first.clientConfig, maxAttempts: 1 });
    await expect(stopped.send(new ListTablesCommand({}))).rejects.toThrow();
    stopped.destroy();

    const second = await startLocalStack({ dataDir, tableName: "persisted" });
    const secondClient = new DynamoDBClient(second.clientConfig);
    try {
      const { Item } = await secondClient.send(
        new GetItemCommand({ TableName: "persisted", Key: key }),
      );
      expect(Item).toEqual(key);
    } finally {
      secondClient.destroy();
      await second.stop();
    }
  });
});
