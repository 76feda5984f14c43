import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config.ts";
import { DatabaseOpenError } from "../db/errors.ts";
import { MigrationError } from "../db/migrate.ts";
import { packageRoot } from "../package-root.ts";
import { registerAuditCommands } from "./commands/audit.ts";
import { registerClientCommands } from "./commands/clients.ts";
import { registerConnectionCommands } from "./commands/connections.ts";
import { registerRoleCommands } from "./commands/roles.ts";
import { registerTemplateCommands } from "./commands/templates.ts";
import { registerUserCommands } from "./commands/users.ts";
import { CliError, withContext } from "./context.ts";

function createProgram(): Command {
  const program = new Command("passdesk")
    .description(
      "Administer Passdesk: database, connections, clients, users, Slack roles, audit log, email template.",
    )
    .configureOutput({
      // Usage errors get the same one-line shape as every other failure; Commander's own
      // "(Did you mean …?)" suggestion would otherwise start a second line.
      outputError: (message, write) =>
        write(
          `passdesk: ${message
            .replace(/^error: /, "")
            .replace(/\s*\n\s*/g, " ")
            .trim()} (run with --help for usage)\n`,
        ),
    })
    .version(`passdesk ${readVersion()}`, "-V, --version", "print the version and exit")
    .exitOverride();

  program
    .command("migrate")
    .description("apply pending database migrations")
    .action(() => withContext(async ({ print }) => print("database is up to date")));

  registerConnectionCommands(program);
  registerClientCommands(program);
  registerUserCommands(program);
  registerRoleCommands(program);
  registerAuditCommands(program);
  registerTemplateCommands(program);
  return program;
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8"));
  return String((manifest as { version?: unknown }).version);
}

/**
 * A reader that stops early (`passdesk users list | head`) closes the pipe: the next write fails
 * with EPIPE. Like a Unix tool, the command then stops writing quietly — the rest of its output
 * is dropped, and it still finishes and closes the database properly (the embedded one's lock).
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    });
  }
}

/** Expected failures print one line to stderr; anything else is a bug and keeps its stack. */
export async function runCli(argv: string[]): Promise<void> {
  ignoreClosedPipes();
  try {
    await createProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (
      error instanceof CliError ||
      error instanceof ConfigError ||
      error instanceof DatabaseOpenError ||
      error instanceof MigrationError
    ) {
      process.stderr.write(`passdesk: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
