import { describe, expect, it } from "vitest";
import { InfraConfigError, readFunnelConfig } from "../../infra/config";

describe("readFunnelConfig", () => {
  const from = (values: Record<string, unknown>) => (key: string) => values[key];

  it("defaults to a throwaway dev stage with the rules' sender", () => {
    expect(readFunnelConfig(from({}))).toEqual({
      stage: "dev",
      sender: undefined,
      tableName: "funnel-rules-dev",
      alarmEmail: undefined,
      deletionProtection: false,
      removalPolicy: "destroy",
    });
  });

  it("protects and retains the data of any other stage unless told otherwise, also from `-c` strings", () => {
    expect(readFunnelConfig(from({ stage: "prod" }))).toMatchObject({
      deletionProtection: true,
      removalPolicy: "retain",
      tableName: "funnel-rules-prod",
    });
    expect(
      readFunnelConfig(
        from({ stage: "staging", deletionProtection: "false", removalPolicy: "destroy" }),
      ),
    ).toMatchObject({ deletionProtection: false, removalPolicy: "destroy" });
    expect(readFunnelConfig(from({ stage: "dev", removalPolicy: "retain" })).removalPolicy).toBe(
      "retain",
    );
  });

  it("takes the table name, sender and alarm address as given", () => {
    expect(
      readFunnelConfig(
        from({
          tableName: "crm.funnel",
          sender: " sales@corp.example ",
          alarmEmail: "ops@corp.example",
        }),
      ),
    ).toMatchObject({
      tableName: "crm.funnel",
      sender: "sales@corp.example",
      alarmEmail: "ops@corp.example",
    });
  });

  it("rejects a stage, address, table name, flag or removal policy it cannot use", () => {
    expect(() => readFunnelConfig(from({ stage: "Prod!" }))).toThrow(InfraConfigError);
    expect(() => readFunnelConfig(from({ sender: "not-an-email" }))).toThrow(/sender/);
    expect(() => readFunnelConfig(from({ alarmEmail: "ops" }))).toThrow(/alarmEmail/);
    expect(() => readFunnelConfig(from({ tableName: "a b" }))).toThrow(/tableName/);
    expect(() => readFunnelConfig(from({ deletionProtection: "yes" }))).toThrow(/true or false/);
    expect(() => readFunnelConfig(from({ removalPolicy: "snapshot" }))).toThrow(
      /retain or destroy/,
    );
  });
});
