import type { Command } from "commander";
import type { UserFilter } from "../../users/ports.ts";
import { CliError, type CliRuntime, parseIntegerOption } from "../context.ts";

interface ListOptions {
  connection?: string;
  blocked?: boolean;
  email?: string;
  limit: number;
  after?: number;
}

export function registerUserListCommands(users: Command, { withContext }: CliRuntime): void {
  users
    .command("list")
    .description("list users, oldest first, one per line: id, email, connection, state, created")
    .option("--connection <name>", "only this connection's users (default: every connection)")
    .option("--blocked", "only blocked users")
    .option("--no-blocked", "only users who are not blocked")
    .option("--email <text>", "only emails containing this text (any case)")
    .option(
      "--limit <n>",
      "at most this many (1-10000)",
      parseIntegerOption("--limit", 1, 10_000),
      100,
    )
    .option(
      "--after <id>",
      "only users after this id: the next page starts after the last id shown",
      parseIntegerOption("--after", 0, Number.MAX_SAFE_INTEGER),
    )
    .action((options: ListOptions) =>
      withContext(async ({ repo, print }) => {
        const connections = new Map(
          (await repo.connections.list()).map((connection) => [connection.id, connection.name]),
        );
        const filter: UserFilter = {
          ...(options.blocked !== undefined && { blocked: options.blocked }),
          ...(options.email !== undefined && { emailContains: options.email.trim() }),
        };
        if (options.connection !== undefined) {
          const found = [...connections].find(([, name]) => name === options.connection);
          if (!found) throw new CliError(`no such connection: ${options.connection}`);
          filter.connectionId = found[0];
        }
        // One more than asked: whether to say where the next page starts.
        const page = await repo.users.list(filter, {
          limit: options.limit + 1,
          ...(options.after !== undefined && { afterId: options.after }),
        });
        const shown = page.slice(0, options.limit);
        for (const user of shown) {
          // A link row knows only who the user is in their store (`connections test` shows more).
          const state = user.externalId
            ? `external:${user.externalId}`
            : [
                user.blocked ? "blocked" : "active",
                user.emailVerified ? "verified" : "unverified",
                user.hasPassword ? "password" : "no-password",
              ].join(",");
          const created = user.createdAt.toISOString();
          print(
            `${user.id}\t${user.email}\t${connections.get(user.connectionId)}\t${state}\t${created}`,
          );
        }
        const last = shown.at(-1);
        if (page.length > options.limit && last) {
          process.stderr.write(`more users: run again with --after ${last.id}\n`);
        }
      }),
    );
}
