import type { Command } from "commander";
import { type CliRuntime, parseIntegerOption } from "../context.ts";

export function registerAuditCommands(program: Command, { withContext }: CliRuntime): void {
  program
    .command("audit")
    .description("read the audit log")
    .command("tail")
    .description("print the newest audit entries, oldest first")
    .option("-n, --lines <n>", "how many entries", parseIntegerOption("-n", 1, 10_000), 20)
    .action((options: { lines: number }) =>
      withContext(async ({ repo, print }) => {
        for (const entry of await repo.audit.tail(options.lines)) {
          const parts = [
            entry.at.toISOString(),
            `${entry.actorType}${entry.actorId ? `:${entry.actorId}` : ""}`,
            entry.action,
            entry.outcome,
            entry.targetEmail,
            entry.connection,
            entry.requestId && `request=${entry.requestId}`,
            Object.keys(entry.details).length ? JSON.stringify(entry.details) : null,
          ];
          print(parts.filter(Boolean).join("  "));
        }
      }),
    );
}
