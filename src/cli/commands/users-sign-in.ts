import type { Command } from "commander";
import { systemClock } from "../../clock.ts";
import { listSignInBlocks, unblockSignIn } from "../../sign-in/staff-unblock.ts";
import { normalizeEmail } from "../../users/email.ts";
import { CliError, type CliRuntime } from "../context.ts";

/** `users blocks` and `users unblock-ip`: brute-force counts and blocks, per IP. */
export function registerUserSignInCommands(users: Command, { withContext }: CliRuntime): void {
  users
    .command("blocks")
    .description("show a user's failed sign-ins and sign-in blocks, per IP ('*': all IPs)")
    .argument("<email>", "the user's email (or any identifier tried)")
    .option("--connection <name>", "connection name (default: DEFAULT_CONNECTION)")
    .action((email: string, options: { connection?: string }) =>
      withContext(async (context) => {
        const connection = options.connection ?? context.config.defaultConnection;
        const listed = await listSignInBlocks(context.repo, {
          connection,
          email,
          at: systemClock.now(),
        });
        if (!listed.ok) throw new CliError(`no such connection: ${connection}`);
        if (listed.counts.length === 0) {
          context.print(`no failed sign-ins for ${email} in ${connection}`);
          return;
        }
        for (const count of listed.counts) {
          const state = count.active
            ? `blocked since ${count.blockedAt?.toISOString()}`
            : count.blockedAt
              ? `block expired (${count.blockedAt.toISOString()})`
              : "not blocked";
          context.print(
            `${count.ip}\tfailures: ${count.failures}\tlast: ${count.lastFailureAt.toISOString()}\t${state}`,
          );
        }
      }),
    );

  users
    .command("unblock-ip")
    .description("lift a user's sign-in blocks: from one IP, or every IP when none is given")
    .argument("<email>", "the user's email (or any identifier tried)")
    .argument("[ip]", "the blocked IP ('*' for a connection that counts per identifier only)")
    .option("--connection <name>", "connection name (default: DEFAULT_CONNECTION)")
    .action((email: string, ip: string | undefined, options: { connection?: string }) =>
      withContext(async (context) => {
        const connection = options.connection ?? context.config.defaultConnection;
        const result = await unblockSignIn(context.repo, {
          connection,
          email,
          ...(ip !== undefined && { ip }),
          actor: { actorType: "cli", actorId: context.osUser },
          at: context.clock.now(),
        });
        if (!result.ok) throw new CliError(`no such connection: ${connection}`);
        const where = ip === undefined ? "" : ` from ${ip}`;
        context.print(
          result.lifted > 0
            ? `unblocked sign-in for ${normalizeEmail(email)} in ${connection}${where} (${result.lifted} ${result.lifted === 1 ? "block" : "blocks"} lifted)`
            : `${normalizeEmail(email)} was not blocked in ${connection}${where}; failed-attempt counts cleared`,
        );
      }),
    );
}
