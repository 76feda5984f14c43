import { requestStaffReset } from "../../password-reset/staff-reset.ts";
import { listSignInBlocks } from "../../sign-in/staff-unblock.ts";
import { actorOfCommand } from "../actor.ts";
import { type CommandArgs, replyPrivately } from "../command-replies.ts";
import { parseCommandText } from "../command-text.ts";
import { usageMessage } from "../command-usage.ts";
import { COMMANDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { requireRole } from "../require-role.ts";
import { resolveTargetEmail } from "../resolve-target.ts";
import { describeLockout, describeResetOutcome, describeStaffReset } from "./reply.ts";

export type ResetPasswordCommandDependencies = Pick<
  SlackDependencies,
  "repo" | "roles" | "logger" | "clock" | "limits" | "defaultConnection" | "wakeWorker"
>;

/** `/reset-password <email | @user> [connection]`: support staff send a reset email. */
export function createResetPasswordCommand(deps: ResetPasswordCommandDependencies) {
  return async function resetPasswordCommand({ command, ack, respond, client }: CommandArgs) {
    await ack();
    const actor = actorOfCommand(command);
    const reply = (text: string) => replyPrivately(respond, text);
    if (!(await requireRole(deps, actor, "support", COMMANDS.resetPassword))) {
      return void (await reply(
        describeResetOutcome({ reason: "denied" }, { email: "", connection: "" }),
      ));
    }
    const parsed = parseCommandText(command.text);
    if (!parsed.ok) {
      return void (await reply(
        parsed.reason === "invalid_email"
          ? describeResetOutcome(
              { reason: "invalid_email" },
              { email: command.text.trim().split(/\s+/)[0] ?? "", connection: "" },
            )
          : usageMessage(COMMANDS.resetPassword, deps.defaultConnection),
      ));
    }
    const connection = parsed.connection ?? deps.defaultConnection;
    const resolved = await resolveTargetEmail(client, parsed.target);
    if (!resolved.ok) {
      return void (await reply(describeResetOutcome(resolved, { email: "", connection })));
    }
    const result = await requestStaffReset(
      { repo: deps.repo, clock: deps.clock, limits: deps.limits },
      {
        email: resolved.email,
        connection,
        requestedBy: { ...actor, channelId: command.channel_id },
      },
    );
    if (result.outcome === "queued") deps.wakeWorker();
    const blocks = await listSignInBlocks(deps.repo, {
      connection,
      email: resolved.email,
      at: deps.clock.now(),
    });
    const lockedOutIps = blocks.ok ? blocks.counts.filter((count) => count.active).length : 0;
    await reply(
      [describeStaffReset(result, resolved.email, connection), describeLockout(lockedOutIps)]
        .filter(Boolean)
        .join("\n"),
    );
  };
}
