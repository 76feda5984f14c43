import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { addUser } from "../../users/add-user.ts";
import { importUsers } from "../../users/import-users.ts";
import { CliError, type CliRuntime } from "../context.ts";
import { readNewPassword } from "../read-password.ts";

const REASONS: Record<string, string> = {
  connection_not_found: "no such connection",
  not_database_connection:
    "the connection is not a database connection; its users cannot have a password here",
  invalid_email: "the email address is not valid",
  email_taken: "a user with this email already exists in the connection",
  not_an_array: "the file must hold a JSON array of users (Auth0's bulk import format)",
};

interface AddOptions {
  email: string;
  password: string;
  connection?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  nickname?: string;
}

/** `users add` and `users import`: users into a database connection, audited. */
export function registerUserAddCommands(users: Command, { withContext }: CliRuntime): void {
  users
    .command("add")
    .description("add a user to a database connection (the connection's password policy applies)")
    .requiredOption("--email <email>", "the user's email")
    .requiredOption(
      "--password <password>",
      "the password, or - to read it from standard input (on a terminal: asked twice, not shown)",
    )
    .option("--connection <name>", "connection name (default: DEFAULT_CONNECTION)")
    .option("--name <name>", "full name")
    .option("--given-name <name>", "given name")
    .option("--family-name <name>", "family name")
    .option("--nickname <name>", "nickname")
    .action(async (options: AddOptions) => {
      // Asked before the database is opened: an embedded one stays free while the operator types.
      const password =
        options.password === "-"
          ? await readNewPassword(process.stdin, process.stderr)
          : options.password;
      await withContext(async ({ repo, hasher, config, print, audit }) => {
        const result = await addUser(repo, hasher, {
          connection: options.connection ?? config.defaultConnection,
          email: options.email,
          password,
          name: options.name ?? null,
          givenName: options.givenName ?? null,
          familyName: options.familyName ?? null,
          nickname: options.nickname ?? null,
        });
        if (!result.ok) {
          if (result.reason === "weak_password") {
            throw new CliError(
              `the password does not meet the policy: ${result.failures.map((f) => f.message).join("; ")}`,
            );
          }
          throw new CliError(REASONS[result.reason] ?? result.reason);
        }
        await audit({
          action: "user.created",
          outcome: "success",
          targetEmail: result.user.email,
          connection: result.connection.name,
        });
        print(`added ${result.user.email} to ${result.connection.name}`);
      });
    });

  users
    .command("import")
    .description(
      "import users from an Auth0 bulk-import JSON file (argon2 or bcrypt password hashes)",
    )
    .argument("<file>", "path to the JSON file")
    .option("--connection <name>", "connection name (default: DEFAULT_CONNECTION)")
    .action((file: string, options: { connection?: string }) =>
      withContext(async ({ repo, config, print, audit }) => {
        const rows = await readJson(file);
        const connection = options.connection ?? config.defaultConnection;
        const result = await importUsers(repo, connection, rows);
        if (!result.ok) throw new CliError(REASONS[result.reason] ?? result.reason);
        for (const { row, reason } of result.rejected)
          process.stderr.write(`row ${row}: ${reason}\n`);
        await audit({
          action: "users.imported",
          outcome: result.rejected.length ? "partial" : "success",
          connection,
          details: { imported: result.imported, rejected: result.rejected.length },
        });
        print(
          `imported ${result.imported} users into ${connection}; rejected ${result.rejected.length}`,
        );
        if (result.rejected.length) process.exitCode = 1;
      }),
    );
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON`);
  }
}
