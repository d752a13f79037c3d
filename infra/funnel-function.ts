import { fileURLToPath } from "node:url";
import type { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { BUNDLED_RULES_FILE } from "../functions/adapters/bundled-rules";

/** The repository root: entries and package-lock.json are found from here, not the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Where the rules sit inside the bundle. Lambda starts the function in /var/task (the bundle), so
 * the relative RULES_DIR resolves to /var/task/rules.
 */
export const BUNDLED_RULES_DIR = "rules";

export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * Provided by the Lambda Node.js runtime (SDK v3), so not bundled: with them a bundle was ~840 KB
 * and took noticeably longer to load on a cold start; without them it stays under 250 KB. The
 * price is that AWS, not package-lock.json, picks the SDK version on Lambda; the code only uses
 * long-stable SDK v3 APIs (DynamoDB document client, SES SendEmail).
 */
export const RUNTIME_PROVIDED_MODULES = ["@aws-sdk/*"];

export interface FunnelFunctionProps {
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  timeout: Duration;
  tableName: string;
  /**
   * The validated rules as written by writeRulesBundle() (absolute path): copied into the bundle,
   * so what was validated at synth is what runs, and a rules change changes the asset hash.
   */
  rulesBundle: string;
  /** Extra environment, e.g. FUNNEL_SENDER. */
  environment?: Record<string, string>;
  /** For the log group: whether the logs go with the stack. */
  removalPolicy: RemovalPolicy;
}

/**
 * A funnel Lambda function with the project's defaults fixed in one place, so both functions run
 * the same runtime, bundle the same way and ship the same rules.
 */
export class FunnelFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: FunnelFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });

    // An own role instead of the AWSLambdaBasicExecutionRole managed policy, which may create and
    // write any log group in the account: this one writes to its own log group only.
    this.role = new iam.Role(this, "Role", {
      description: `Runs ${props.entry}`,
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, "Function", {
      entry: `${PROJECT_ROOT}/${props.entry}`,
      handler: "handler",
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      // Graviton: cheaper per GB-second, and nothing here is native code.
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: 512,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      environment: {
        TABLE_NAME: props.tableName,
        RULES_DIR: BUNDLED_RULES_DIR,
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: "funnel-rules",
        ...props.environment,
      },
      bundling: {
        // Synth must work offline on a laptop or CI runner without Docker: esbuild is a devDependency.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ["module", "main"],
        // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
        banner:
          "import { createRequire as __funnelCreateRequire } from 'node:module'; const require = __funnelCreateRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings, not a second copy of the sources in every bundle.
        sourcesContent: false,
        externalModules: RUNTIME_PROVIDED_MODULES,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The validated rule set ships inside the bundle, so a deploy runs exactly the rules in
          // git, and a rules change changes the asset hash and so redeploys the functions.
          afterBundling: (_inputDir: string, outputDir: string) => [
            `mkdir -p "${outputDir}/${BUNDLED_RULES_DIR}"`,
            `cp "${props.rulesBundle}" "${outputDir}/${BUNDLED_RULES_DIR}/${BUNDLED_RULES_FILE}"`,
          ],
        },
      },
    });
  }
}
