import { ConfigError } from "./config-error";

/** Everything a handler needs from its environment, read once when the function starts. */
export interface RuntimeConfig {
  tableName: string;
  rulesDir: string;
  region?: string;
  /** Set only on the local stack; on AWS the SDK finds the service itself. */
  dynamoEndpoint?: string;
  sesEndpoint?: string;
  /** Overrides the rules' settings.sender, e.g. per deployment stage. */
  sender?: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new ConfigError(`environment variable ${name} is not set`);
  }
  return value;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const sender = optional(env, "FUNNEL_SENDER");
  if (sender !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(sender)) {
    throw new ConfigError(
      `environment variable FUNNEL_SENDER is not an email address: ${JSON.stringify(sender)}`,
    );
  }
  return {
    tableName: required(env, "TABLE_NAME"),
    rulesDir: optional(env, "RULES_DIR") ?? "rules",
    region: optional(env, "AWS_REGION"),
    dynamoEndpoint: optional(env, "DYNAMODB_ENDPOINT"),
    sesEndpoint: optional(env, "SES_ENDPOINT"),
    sender,
  };
}
