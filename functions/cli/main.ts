import { suggestion } from "../core/rules/did-you-mean";
import { type Command, UsageError } from "./command";
import { exportCommand } from "./commands/export";
import { importCommand } from "./commands/import";
import { planCommand } from "./commands/plan";
import { reconcileCommand } from "./commands/reconcile";
import { reportCommand } from "./commands/report";
import { testCommand } from "./commands/test";
import { validateCommand } from "./commands/validate";

/** Every subcommand; a new one is a file under commands/ and a line here. */
const COMMANDS: readonly Command[] = [
  validateCommand,
  reconcileCommand,
  testCommand,
  reportCommand,
  importCommand,
  exportCommand,
  planCommand,
];

const HELP_FLAGS = ["--help", "-h"];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    "usage: funnel <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "Run funnel <command> --help for a command's options.",
  ].join("\n");
}

/**
 * The `funnel` command line. Returns the exit code: 0 success, 1 failure, 2 wrong usage. Never
 * throws and never prints a stack trace unless FUNNEL_DEBUG=1: its readers are ops staff and CI
 * logs.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await dispatch([...argv]);
  } catch (error) {
    return report(error);
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    console.error(usage());
    return 2;
  }
  if (HELP_FLAGS.includes(name) || name === "help") {
    const topic = COMMANDS.find((command) => command.name === args[0]);
    console.log(topic ? topic.usage : usage());
    return 0;
  }
  if (name.startsWith("-")) throw new UsageError(`unknown option "${name}"`);
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    const names = COMMANDS.map((candidate) => candidate.name);
    throw new UsageError(`unknown command "${name}"${suggestion(name, names)}`);
  }
  // Help wins over everything else on the line, so `funnel validate x --help` still helps.
  const beforeDashes = args.indexOf("--") < 0 ? args : args.slice(0, args.indexOf("--"));
  if (beforeDashes.some((arg) => HELP_FLAGS.includes(arg))) {
    console.log(command.usage);
    return 0;
  }
  return await command.run(args);
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`funnel: ${error.message}\n\n${error.usage ?? usage()}`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`funnel: ${message}`);
  if (process.env.FUNNEL_DEBUG === "1" && error instanceof Error && error.stack) {
    console.error(error.stack);
  }
  return 1;
}
