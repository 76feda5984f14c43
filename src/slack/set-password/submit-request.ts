import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from "@slack/bolt";
import {
  type RequestApprovalResult,
  requestSetPasswordApproval,
} from "../../approvals/request-approval.ts";
import type { SlackActor } from "../actor.ts";
import { buildApprovalCard } from "../approval/card.ts";
import { SET_PASSWORD_BLOCKS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { buildApprovalWaiting } from "./approval-modal.ts";
import { describeIneligible } from "./ineligible-message.ts";
import type { SetPasswordTarget } from "./target.ts";

type RequestArgs = Pick<SlackViewMiddlewareArgs & AllMiddlewareArgs, "ack" | "client">;

export type ApprovalRequestDependencies = Pick<
  SlackDependencies,
  "repo" | "logger" | "clock" | "approval"
>;

const REFUSALS: Record<
  Exclude<RequestApprovalResult, { ok: true }>["reason"],
  (target: SetPasswordTarget) => string
> = {
  reason_missing: () => "Say why the password needs setting: the approving admin reads it.",
  reason_too_long: () => "Keep the reason under 500 characters.",
  send_unavailable: (target) =>
    `${target.connection}'s users live in their own store, so a password cannot be sent to them: approval cannot work here.`,
  connection_not_found: (target) => describeIneligible("connection_not_found", target, "plain"),
  not_a_database_connection: (target) =>
    describeIneligible("not_a_database_connection", target, "plain"),
  user_not_found: (target) => describeIneligible("user_not_found", target, "plain"),
};

/**
 * The set-password modal's submission when a second admin must approve: the request is recorded
 * (no password: it is generated on approval), its card posted, and the modal says it waits.
 */
export async function submitApprovalRequest(
  deps: ApprovalRequestDependencies,
  { ack, client }: RequestArgs,
  input: { actor: SlackActor; target: SetPasswordTarget; reason: string | undefined },
): Promise<void> {
  const { target, reason } = input;
  const refuse = (message: string) =>
    ack({ response_action: "errors", errors: { [SET_PASSWORD_BLOCKS.reason]: message } });
  if (reason === undefined) {
    // A form opened before approval was turned on: it has no reason field to answer on.
    return void (await ack({
      response_action: "errors",
      errors: {
        [SET_PASSWORD_BLOCKS.mode]:
          "A second admin must now approve password sets here: run /set-password again.",
      },
    }));
  }
  const channel = deps.approval?.channel;
  if (!deps.approval || !channel) {
    return void (await refuse(
      "Approval needs a channel for its cards: set SLACK_APPROVAL_CHANNEL (or SLACK_AUDIT_CHANNEL). Nothing was requested.",
    ));
  }
  const requested = await requestSetPasswordApproval(
    { repo: deps.repo, clock: deps.clock, lifetimeSeconds: deps.approval.lifetimeSeconds },
    { target, requester: input.actor, reason },
  );
  if (!requested.ok) return void (await refuse(REFUSALS[requested.reason](target)));
  const { approval, email } = requested;
  try {
    const posted = await client.chat.postMessage({
      channel,
      ...buildApprovalCard(approval, email),
    });
    if (!posted.ts) throw new Error("chat.postMessage returned no ts");
    await deps.repo.setPasswordApprovals.setCard(approval.id, posted.channel ?? channel, posted.ts);
  } catch (error) {
    // The request stays pending unseen (its id is on no card) and expires: nothing changes.
    deps.logger.error({ err: error, approval: approval.publicId }, "approval card not posted");
    return void (await refuse(
      "Slack did not post the approval card, so no admin can approve it: try again in a minute.",
    ));
  }
  await ack({
    response_action: "update",
    view: buildApprovalWaiting({
      email,
      connection: approval.connection,
      expiresAt: approval.expiresAt,
    }),
  });
}
