import { type ParseArgsConfig, parseArgs } from "node:util";
import { suggestion } from "../core/rules/did-you-mean";

/** One `funnel <name>` subcommand; main.ts lists them, one file each under commands/. */
export interface Command {
  name: string;
  /** One line for `funnel --help`. */
  summary: string;
  /** Full help for `funnel <name> --help`, also shown after a usage error. */
  usage: string;
  /** Returns the exit code: 0 success, 1 failure (e.g. invalid rules). */
  run(args: string[]): Promise<number>;
}

/** The command line itself is wrong: exit 2 with the usage, never a stack trace. */
export class UsageError extends Error {
  readonly usage: string | undefined;

  constructor(message: string, usage?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UsageError";
    this.usage = usage;
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs, with its errors turned into one-line UsageErrors that name the command. */
export function parseCommandArgs<O extends Options>(command: Command, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(explainParseError(command, error, options), command.usage, {
      cause: error,
    });
  }
}

function explainParseError(command: Command, error: unknown, options: Options): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  // parseArgs quotes the offending option as '--foo' in its (long) messages.
  const option = /'([^']+)'/.exec(message)?.[1] ?? "";
  const known = Object.keys(options).map((name) => `--${name}`);
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option "${option}" for funnel ${command.name}${suggestion(option, known)}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `option ${option.split(" ")[0] ?? option} of funnel ${command.name} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${option}" for funnel ${command.name}`;
    default:
      return message.split("\n")[0] ?? message;
  }
}
