import type { Command } from "commander";
import type { AuditEntry } from "../../audit/ports.ts";
import { changeActorOf, createChangeEvent } from "../../webhooks/events.ts";
import { type CliContext, CliError, type CliRuntime } from "../context.ts";
import { registerUserAddCommands } from "./users-add.ts";
import { registerUserListCommands } from "./users-list.ts";
import { registerUserSignInCommands } from "./users-sign-in.ts";

export function registerUserCommands(program: Command, runtime: CliRuntime): void {
  const { withContext } = runtime;
  const users = program
    .command("users")
    .description(
      "add, import, list, show, block, unblock and delete users; show and lift sign-in blocks",
    );

  registerUserAddCommands(users, runtime);

  users
    .command("show")
    .description("show a user (never the password hash)")
    .argument("<email>", "the user's email")
    .option("--connection <name>", "connection name (default: DEFAULT_CONNECTION)")
    .action((email: string, options: { connection?: string }) =>
      withContext(async (context) => {
        const { user, connection } = await findUser(context, email, options.connection);
        const rows: Array<[string, unknown]> = [
          ["email", user.email],
          ["connection", connection],
          ["email_verified", user.emailVerified],
          ["name", user.name],
          ["given_name", user.givenName],
          ["family_name", user.familyName],
          ["nickname", user.nickname],
          ["username", user.username],
          ["picture", user.picture],
          // As JSON, which escapes control characters: the values are whatever signup was sent.
          [
            "user_metadata",
            Object.keys(user.userMetadata).length > 0 ? JSON.stringify(user.userMetadata) : null,
          ],
          ["blocked", user.blocked],
          ["has_password", user.passwordHash !== null],
          ["password_changed_at", user.passwordChangedAt?.toISOString()],
          ["created_at", user.createdAt.toISOString()],
          ["updated_at", user.updatedAt.toISOString()],
        ];
        for (const [key, value] of rows) context.print(`${key}: ${value ?? "-"}`);
      }),
    );

  for (const [command, blocked] of [
    ["block", true],
    ["unblock", false],
  ] as const) {
    users
      .command(command)
      .description(blocked ? "block a user: no reset email is sent to them" : "unblock a user")
      .argument("<email>", "the user's email")
      .option("--connection <name>", "connection name (default: DEFAULT_CONNECTION)")
      .action((email: string, options: { connection?: string }) =>
        withContext(async (context) => {
          const { user, connection } = await findUser(context, email, options.connection);
          const action = blocked ? "user.blocked" : "user.unblocked";
          const entry = {
            actorType: "cli",
            actorId: context.osUser,
            action,
            outcome: "success",
            targetEmail: user.email,
            connection,
          } satisfies AuditEntry;
          // The block, its audit entry and its event commit together.
          await context.repo.transaction(async (stores) => {
            await stores.users.setBlocked(user.id, blocked);
            await stores.audit.record(entry);
            const by = changeActorOf(entry);
            await stores.changeEvents.publish(
              createChangeEvent(
                action,
                { user, connection, by, block: "account" },
                context.clock.now(),
              ),
            );
          });
          context.print(`${blocked ? "blocked" : "unblocked"} ${user.email} in ${connection}`);
        }),
      );
  }

  users
    .command("delete")
    .description(
      "delete a user, with their password history, reset links and emails; reset requests and audit rows stay",
    )
    .argument("<email>", "the user's email")
    .option("--connection <name>", "connection name (default: DEFAULT_CONNECTION)")
    .action((email: string, options: { connection?: string }) =>
      withContext(async (context) => {
        const { user, connection } = await findUser(context, email, options.connection);
        const deleted = await context.repo.users.delete(user.id);
        if (!deleted) throw new CliError(`no user with email ${email} in ${connection}`);
        await context.audit({
          action: "user.deleted",
          outcome: "success",
          targetEmail: user.email,
          connection,
          details: { ...deleted },
        });
        context.print(`deleted ${user.email} from ${connection}`);
        context.print(
          `also deleted: ${plural(deleted.liveTickets, "unused reset link")}, ${plural(deleted.unsentEmails, "unsent email")} (of ${deleted.emails} in the outbox); kept, unlinked: ${plural(deleted.resetRequests, "reset request")}`,
        );
      }),
    );

  registerUserListCommands(users, runtime);
  registerUserSignInCommands(users, runtime);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

export async function findUser(
  { repo, config }: Pick<CliContext, "repo" | "config">,
  email: string,
  connectionName?: string,
) {
  const connection = connectionName ?? config.defaultConnection;
  const found = await repo.connections.findByName(connection);
  if (!found) throw new CliError(`no such connection: ${connection}`);
  const user = await repo.users.findByEmail(found.id, email);
  if (!user) throw new CliError(`no user with email ${email} in ${connection}`);
  return { user, connection };
}
