import type { Command } from "commander";
import {
  BRUTE_FORCE_MODES,
  BRUTE_FORCE_SHIELDS,
  describeBruteForce,
  MAX_ATTEMPTS_RANGE,
  readBruteForceChanges,
} from "../../sign-in/settings.ts";
import type { BruteForceSettings } from "../../users/connection.ts";
import { isDatabaseConnection } from "../../users/connection.ts";
import { CliError, type CliRuntime, parseIntegerOption } from "../context.ts";

interface BruteForceOptions {
  protection?: boolean;
  maxAttempts?: number;
  mode?: string;
  shields?: string;
  allowlist?: string;
}

/** `connections brute-force NAME [options]`: show or change a connection's protection. */
export function registerBruteForceCommand(connections: Command, { withContext }: CliRuntime): void {
  connections
    .command("brute-force")
    .description("show a database connection's brute-force protection, or change the options given")
    .argument("<name>", "the connection")
    .option("--protection", "count failed sign-ins and act on the shields")
    .option("--no-protection", "count nothing, block nothing")
    .option(
      "--max-attempts <n>",
      `failed sign-ins before the shields act (${MAX_ATTEMPTS_RANGE.min}-${MAX_ATTEMPTS_RANGE.max})`,
      parseIntegerOption("--max-attempts", MAX_ATTEMPTS_RANGE.min, MAX_ATTEMPTS_RANGE.max),
    )
    .option("--mode <mode>", `what is counted: ${BRUTE_FORCE_MODES.join(" or ")}`)
    .option("--shields <list>", `comma-separated: ${BRUTE_FORCE_SHIELDS.join(", ")}; or none`)
    .option("--allowlist <list>", "comma-separated IPs and CIDRs never counted; or none")
    .action((name: string, options: BruteForceOptions) =>
      withContext(async ({ repo, print, audit }) => {
        const before = await repo.connections.findByName(name);
        if (!before) throw new CliError(`no such connection: ${name}`);
        if (!isDatabaseConnection(before))
          throw new CliError(
            `${name} is a ${before.strategy} connection: its users sign in elsewhere`,
          );
        const read = readBruteForceChanges({
          ...(options.protection !== undefined && { enabled: options.protection }),
          ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
          ...(options.mode !== undefined && { mode: options.mode }),
          ...(options.shields !== undefined && { shields: options.shields }),
          ...(options.allowlist !== undefined && { allowlist: options.allowlist }),
        });
        if (!read.ok) throw new CliError(read.problems.join("; "));
        if (Object.keys(read.changes).length === 0) {
          print(`${name}: ${describeBruteForce(before.bruteForce)}`);
          return;
        }
        const after = await repo.connections.updateBruteForce(name, read.changes);
        if (!after) throw new CliError(`no such connection: ${name}`);
        const changed = (Object.keys(read.changes) as Array<keyof BruteForceSettings>).filter(
          (field) =>
            JSON.stringify(before.bruteForce[field]) !== JSON.stringify(after.bruteForce[field]),
        );
        await audit({
          action: "connection.brute_force_changed",
          outcome: changed.length > 0 ? "success" : "unchanged",
          connection: name,
          details: Object.fromEntries(
            changed.map((field) => [
              field,
              { from: before.bruteForce[field], to: after.bruteForce[field] },
            ]),
          ),
        });
        print(
          `${changed.length > 0 ? "changed" : "unchanged:"} ${name}: ${describeBruteForce(after.bruteForce)}`,
        );
      }),
    );
}
