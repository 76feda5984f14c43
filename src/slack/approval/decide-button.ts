import type { AllMiddlewareArgs } from "@slack/bolt";
import {
  type DecideApprovalResult,
  decideSetPasswordApproval,
} from "../../approvals/decide-approval.ts";
import type { SetPasswordDecision } from "../../approvals/ports.ts";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { deliverReveal } from "../reveal/deliver.ts";
import { findSlackRecipient } from "../reveal/recipient.ts";
import { type StaffButtonArgs, staffButton } from "../staff-button.ts";
import { tellOutcome } from "./tell.ts";

type DecideArgs = StaffButtonArgs & Pick<AllMiddlewareArgs, "client">;

export type ApprovalButtonDependencies = Pick<
  SlackDependencies,
  "repo" | "roles" | "logger" | "hasher" | "clock" | "wakeWorker" | "external" | "reveal" | "email"
>;

const REFUSALS: Record<Exclude<DecideApprovalResult, { ok: true }>["reason"], string> = {
  not_found: "This request is not on record: nothing changed.",
  self_approval: "You asked for this change: another admin must decide it. Nothing changed.",
  not_pending: "This request is no longer pending (decided, or expired): nothing changed.",
  set_failed:
    "Approved, but the password could not be set (see the audit channel): nothing changed.",
};

/**
 * The approval card's Approve and Deny buttons. Everything is checked on the click: the clicker
 * is an admin now, is not the requester, and the request is still pending and in time.
 */
export function createApprovalButton(
  deps: ApprovalButtonDependencies,
  decision: SetPasswordDecision,
) {
  const attempted =
    decision === "approved" ? ACTION_IDS.approveSetPassword : ACTION_IDS.denySetPassword;
  const guard = {
    role: "admin",
    actionId: attempted,
    refusal: "Only Passdesk admins can decide password requests.",
  } as const;
  return staffButton<DecideArgs>(deps, guard, async function decideApproval(click) {
    const { action, client } = click.args;
    const { actor: decider, reply: say } = click;
    const result = await decideSetPasswordApproval(
      {
        repo: deps.repo,
        hasher: deps.hasher,
        clock: deps.clock,
        external: deps.external,
        ...(deps.reveal && { reveal: deps.reveal }),
        findSlackRecipient: (email) =>
          findSlackRecipient(client, email, decider.teamId, deps.logger),
      },
      { publicId: action.value ?? "", decider, decision },
    );
    if (!result.ok) {
      await say(REFUSALS[result.reason]);
      if (result.reason === "set_failed")
        await tellOutcome(deps, client, result.approval, result.email);
      return;
    }
    if (result.decision === "approved" && result.set.reveal) {
      await deliverReveal(
        {
          repo: deps.repo,
          clock: deps.clock,
          logger: deps.logger,
          friendlyName: deps.email.friendlyName,
          wakeWorker: deps.wakeWorker,
        },
        client,
        result.set.reveal,
        result.set.user,
      );
    }
    await tellOutcome(deps, client, result.approval, result.email);
  });
}
