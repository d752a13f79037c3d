/**
 * Deployment settings, read from CDK context (cdk.json, overridden per deploy with
 * `-c stage=prod -c sender=funnel@corp.example`). Everything else a deployment runs comes from
 * rules/ in git, so this stays small on purpose. The README's "Deploy to AWS" lists every key.
 */
export interface FunnelConfig {
  /** Names the stack and tells throwaway stages (dev) from ones whose data must survive. */
  stage: string;
  /**
   * The From address of every email, overriding the rules' settings.sender for this deployment;
   * the SES permission is limited to it. Absent: the rules' sender.
   */
  sender?: string;
  /** DynamoDB table name; default funnel-rules-<stage>. */
  tableName: string;
  /**
   * Subscribed by email to the alarm topic (the address must confirm the subscription). Absent:
   * the alarms and the topic exist all the same; subscribe to the topic some other way.
   */
  alarmEmail?: string;
  /** Blocks DeleteTable on the table itself, on top of the removal policy. */
  deletionProtection: boolean;
  /**
   * What happens to the table and the log groups when the stack is deleted or they are replaced:
   * `retain` keeps them (the default for every stage but dev), `destroy` deletes them.
   */
  removalPolicy: RemovalPolicyName;
}

export type RemovalPolicyName = "retain" | "destroy";

/** Context values as CDK hands them over: cdk.json gives JSON values, `-c key=value` strings. */
export type ContextReader = (key: string) => unknown;

export class InfraConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InfraConfigError";
  }
}

const STAGE = /^[a-z][a-z0-9-]{0,19}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
// DynamoDB's own limits on a table name.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Stages whose data is disposable by default: the table and logs go with the stack. */
export function isThrowawayStage(stage: string): boolean {
  return stage === "dev";
}

export function readFunnelConfig(context: ContextReader): FunnelConfig {
  const stage = optionalString(context, "stage") ?? "dev";
  if (!STAGE.test(stage)) {
    throw new InfraConfigError(
      `context "stage" must be lower-case letters, digits and dashes (at most 20), starting with a letter: ${JSON.stringify(stage)}`,
    );
  }
  const sender = optionalString(context, "sender");
  if (sender !== undefined && !EMAIL.test(sender)) {
    throw new InfraConfigError(
      `context "sender" is not an email address: ${JSON.stringify(sender)}`,
    );
  }
  const alarmEmail = optionalString(context, "alarmEmail");
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new InfraConfigError(
      `context "alarmEmail" is not an email address: ${JSON.stringify(alarmEmail)}`,
    );
  }
  const tableName = optionalString(context, "tableName") ?? `funnel-rules-${stage}`;
  if (!TABLE_NAME.test(tableName)) {
    throw new InfraConfigError(
      `context "tableName" must be 3-255 letters, digits, "_", "-" or ".": ${JSON.stringify(tableName)}`,
    );
  }
  const removalPolicy = optionalString(context, "removalPolicy") ?? defaultRemovalPolicy(stage);
  if (removalPolicy !== "retain" && removalPolicy !== "destroy") {
    throw new InfraConfigError(
      `context "removalPolicy" must be retain or destroy, got ${JSON.stringify(removalPolicy)}`,
    );
  }
  return {
    stage,
    sender,
    tableName,
    alarmEmail,
    deletionProtection: optionalBoolean(context, "deletionProtection") ?? !isThrowawayStage(stage),
    removalPolicy,
  };
}

function defaultRemovalPolicy(stage: string): RemovalPolicyName {
  return isThrowawayStage(stage) ? "destroy" : "retain";
}

function optionalString(context: ContextReader, key: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    throw new InfraConfigError(`context "${key}" must be a string, got ${JSON.stringify(value)}`);
  }
  return value.trim() === "" ? undefined : value.trim();
}

function optionalBoolean(context: ContextReader, key: string): boolean | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === "") return undefined;
  // `-c deletionProtection=false` arrives as the string "false".
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InfraConfigError(
    `context "${key}" must be true or false, got ${JSON.stringify(value)}`,
  );
}
