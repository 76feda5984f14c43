import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { systemClock } from "../clock.ts";
import { createExternalStores } from "../compose/external-stores.ts";
import { loadKeyEncryptionKey } from "../compose/key-encryption-key.ts";
import { maxTokenLifetimeSeconds } from "../compose/sign-in.ts";
import { createWebhookSecretSeal } from "../compose/webhooks.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { openDatabase } from "../db/client.ts";
import { DatabaseOpenError } from "../db/errors.ts";
import { MigrationError, migrateDatabase } from "../db/migrate.ts";
import { createRepository } from "../db/stores.ts";
import { packageRoot } from "../package-root.ts";
import { createArgon2Hasher } from "../passwords/argon2-hasher.ts";
import { createKeyEncryption, KeyDecryptionError } from "../sign-in/key-encryption.ts";
import { ExternalStoreUnavailableError } from "../users/external-store.ts";
import { ExternalUsersAreReadOnlyError } from "../users/linked-user-store.ts";
import { registerApiCommands } from "./commands/apis.ts";
import { registerAuditCommands } from "./commands/audit.ts";
import { registerClientCommands } from "./commands/clients.ts";
import { registerConnectionCommands } from "./commands/connections.ts";
import { registerKeyCommands } from "./commands/keys.ts";
import { registerRoleCommands } from "./commands/roles.ts";
import { registerTemplateCommands } from "./commands/templates.ts";
import { registerUserCommands } from "./commands/users.ts";
import { registerWebhookCommands } from "./commands/webhooks.ts";
import { CliError, type CliRuntime, type WithContext } from "./context.ts";

/**
 * The CLI's composition root: a command's work gets the configured database (migrated, so a
 * first command on a new machine just works), its stores and the hasher, and the database is
 * closed when the work ends.
 */
function createRuntime(env: NodeJS.ProcessEnv): CliRuntime {
  const osUser = env.USER ?? null;
  const withContext: WithContext = async (work) => {
    const config = loadConfig(env);
    const handle = await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDataDir: config.pgliteDataDir,
      maxConnections: 2,
      throughRunningServer: true,
    });
    const hasher = createArgon2Hasher();
    const externalStores = createExternalStores({ env, hasher, bound: (operation) => operation() });
    try {
      await migrateDatabase(handle);
      const repo = createRepository(handle, { hasher, externalStores });
      return await work({
        config,
        repo,
        hasher,
        externalStores,
        keyManagement: () => ({
          encryption: createKeyEncryption(loadKeyEncryptionKey(config)),
          clock: systemClock,
          maxTokenLifetimeSeconds: maxTokenLifetimeSeconds(config),
        }),
        webhookSecrets: () => createWebhookSecretSeal(config),
        clock: systemClock,
        osUser,
        print: (line) => process.stdout.write(`${line}\n`),
        audit: (entry) => repo.audit.record({ actorType: "cli", actorId: osUser, ...entry }),
      });
    } finally {
      await externalStores.close();
      await handle.close();
    }
  };
  return { withContext, editor: env.VISUAL || env.EDITOR || undefined };
}

function createProgram(runtime: CliRuntime): Command {
  const { withContext } = runtime;
  const program = new Command("passdesk")
    .description(
      "Administer Passdesk: database, connections, clients, users, Slack roles, audit log, email template, webhooks.",
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

  registerConnectionCommands(program, runtime);
  registerClientCommands(program, runtime);
  registerApiCommands(program, runtime);
  registerKeyCommands(program, runtime);
  registerUserCommands(program, runtime);
  registerRoleCommands(program, runtime);
  registerAuditCommands(program, runtime);
  registerTemplateCommands(program, runtime);
  registerWebhookCommands(program, runtime);
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
    await createProgram(createRuntime(process.env)).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (
      error instanceof CliError ||
      error instanceof ConfigError ||
      error instanceof DatabaseOpenError ||
      error instanceof MigrationError ||
      error instanceof KeyDecryptionError ||
      error instanceof ExternalStoreUnavailableError ||
      error instanceof ExternalUsersAreReadOnlyError
    ) {
      process.stderr.write(`passdesk: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
