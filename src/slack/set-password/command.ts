import { needsApproval } from "../../approvals/setting.ts";
import {
  checkSetPasswordEligibility,
  type SetPasswordEligibilityPorts,
} from "../../password-reset/set-password-eligibility.ts";
import { actorOfCommand } from "../actor.ts";
import { type CommandArgs, replyPrivately } from "../command-replies.ts";
import { parseCommandText } from "../command-text.ts";
import { usageMessage } from "../command-usage.ts";
import { COMMANDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { describeResetOutcome } from "../reset-password/reply.ts";
import { resolveTargetEmail } from "../resolve-target.ts";
import { buildApprovalRequestModal } from "./approval-modal.ts";
import { describeIneligible } from "./ineligible-message.ts";
import { buildSetPasswordModal } from "./modal.ts";
import { encodeTarget } from "./target.ts";

export type SetPasswordCommandDependencies = RoleGuardDependencies &
  Pick<SlackDependencies, "defaultConnection" | "approval"> & { repo: SetPasswordEligibilityPorts };

/**
 * `/set-password <email | @user> [connection]`: opens the set-password modal for an admin, once
 * the target is known to be eligible; says why not otherwise.
 */
export function createSetPasswordCommand(deps: SetPasswordCommandDependencies) {
  return async function setPasswordCommand({ command, ack, respond, client }: CommandArgs) {
    await ack();
    const actor = actorOfCommand(command);
    const reply = (text: string) => replyPrivately(respond, text);
    if (!(await requireRole(deps, actor, "admin", COMMANDS.setPassword))) {
      return void (await reply("Only Passdesk *admins* can set passwords."));
    }
    const parsed = parseCommandText(command.text);
    if (!parsed.ok) {
      return void (await reply(
        parsed.reason === "invalid_email"
          ? "That is not a valid email address. Give an email or an @mention."
          : usageMessage(COMMANDS.setPassword, deps.defaultConnection),
      ));
    }
    const connectionName = parsed.connection ?? deps.defaultConnection;
    const resolved = await resolveTargetEmail(client, parsed.target);
    if (!resolved.ok) {
      return void (await reply(
        describeResetOutcome(resolved, { email: "", connection: connectionName }),
      ));
    }
    const target = { email: resolved.email, connection: connectionName };
    const eligibility = await checkSetPasswordEligibility(deps.repo, target);
    if (!eligibility.ok) return void (await reply(describeIneligible(eligibility.reason, target)));
    const { user, connection } = eligibility;
    const privateMetadata = encodeTarget({
      userId: user.id,
      email: user.email,
      name: user.name,
      connection: connection.name,
    });
    if (deps.approval && (await needsApproval(deps.repo, deps.approval, connection.name))) {
      return void (await client.views.open({
        trigger_id: command.trigger_id,
        view: buildApprovalRequestModal({
          target: { email: user.email, connection: connection.name },
          lifetimeSeconds: deps.approval.lifetimeSeconds,
          privateMetadata,
        }),
      }));
    }
    await client.views.open({
      trigger_id: command.trigger_id,
      view: buildSetPasswordModal({
        target: { email: user.email, name: user.name, connection: connection.name },
        policy: connection.policy,
        mode: "type",
        privateMetadata,
      }),
    });
  };
}
