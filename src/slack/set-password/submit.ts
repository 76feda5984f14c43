import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from "@slack/bolt";
import { needsApproval } from "../../approvals/setting.ts";
import {
  type AdminSetPasswordResult,
  setPasswordByAdmin,
} from "../../password-reset/admin-set-password.ts";
import { HasherBusyError } from "../../passwords/bounded-hasher.ts";
import { ExternalStoreUnavailableError } from "../../users/external-store.ts";
import { actorOfInteraction } from "../actor.ts";
import { INPUT_ACTION_ID } from "../block-kit.ts";
import { CALLBACK_IDS, SET_PASSWORD_BLOCKS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { requireRole } from "../require-role.ts";
import { deliverReveal } from "../reveal/deliver.ts";
import { findSlackRecipient } from "../reveal/recipient.ts";
import { readTextValue } from "../view-state.ts";
import { buildSetPasswordDone } from "./done-modal.ts";
import { describeIneligible } from "./ineligible-message.ts";
import { HASHER_BUSY_MESSAGE, readSetPasswordSubmission, setPasswordErrors } from "./submission.ts";
import { submitApprovalRequest } from "./submit-request.ts";
import { decodeTarget } from "./target.ts";

type SubmitArgs = Pick<
  SlackViewMiddlewareArgs & AllMiddlewareArgs,
  "ack" | "body" | "view" | "client"
>;

export type SetPasswordSubmitDependencies = Pick<
  SlackDependencies,
  | "repo"
  | "roles"
  | "logger"
  | "hasher"
  | "clock"
  | "wakeWorker"
  | "external"
  | "reveal"
  | "email"
  | "approval"
>;

/**
 * The set-password modal's submission. The role and the target are checked again here: a forged
 * submission must change nothing. Every refusal is an error shown in the modal (on the method
 * block: it is there in both modes, and Slack refuses errors for absent blocks).
 */
export function createSetPasswordSubmit(deps: SetPasswordSubmitDependencies) {
  return async function submitSetPassword({ ack, body, view, client }: SubmitArgs) {
    const refuse = (message: string) =>
      ack({ response_action: "errors", errors: { [SET_PASSWORD_BLOCKS.mode]: message } });
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", CALLBACK_IDS.setPasswordModal))) {
      return void (await refuse("Only Passdesk admins can set passwords."));
    }
    const target = decodeTarget(view.private_metadata);
    if (!target) return void (await refuse("This form is out of date: run /set-password again."));
    // Never trusted from the modal: a form with a reason is a request, and so is any set
    // where approval is required now, whatever form it came from.
    const reason = readTextValue(view.state.values, SET_PASSWORD_BLOCKS.reason, INPUT_ACTION_ID);
    if (
      reason !== undefined ||
      (deps.approval && (await needsApproval(deps.repo, deps.approval, target.connection)))
    ) {
      return submitApprovalRequest(deps, { ack, client }, { actor, target, reason });
    }
    const submission = readSetPasswordSubmission(view.state.values);
    let result: AdminSetPasswordResult;
    try {
      // Asked before anything changes: the DM goes only to the target's own, confirmed account.
      const slackRecipient =
        submission.mode === "send"
          ? await findSlackRecipient(client, target.email, actor.teamId, deps.logger)
          : null;
      result = await setPasswordByAdmin(
        {
          repo: deps.repo,
          hasher: deps.hasher,
          clock: deps.clock,
          external: deps.external,
          ...(deps.reveal && { reveal: deps.reveal }),
        },
        {
          ...(submission.mode === "type"
            ? {
                mode: "type" as const,
                password: submission.password ?? "",
                confirmation: submission.confirmation ?? "",
              }
            : submission.mode === "send"
              ? { mode: "send" as const, slackRecipient }
              : { mode: "generate" as const }),
          target: { connection: target.connection, email: target.email, userId: target.userId },
          notify: submission.notify,
          actor,
        },
      );
    } catch (error) {
      if (error instanceof ExternalStoreUnavailableError) {
        // The look-up of the user (or of their current hash) could not reach the store.
        deps.logger.warn({ why: error.why }, "set-password refused: user store unavailable");
        return void (await refuse(describeStoreFailure("store_unavailable", target.connection)));
      }
      if (!(error instanceof HasherBusyError)) throw error;
      deps.logger.warn({ why: error.why }, "set-password refused: password hashing busy");
      return void (await refuse(HASHER_BUSY_MESSAGE));
    }
    if (!result.ok) {
      if (result.reason === "rejected") {
        return void (await ack({
          response_action: "errors",
          errors: setPasswordErrors(result.rules, result.mismatch),
        }));
      }
      if (result.reason === "store_unavailable" || result.reason === "store_unconfirmed") {
        return void (await refuse(describeStoreFailure(result.reason, target.connection)));
      }
      if (result.reason === "send_unavailable") {
        return void (await refuse(
          `"Send it to the user" needs Passdesk to keep the password's hash, and ${target.connection}'s users live in their own store: choose another method.`,
        ));
      }
      return void (await refuse(describeIneligible(result.reason, target, "plain")));
    }
    if (result.notified) deps.wakeWorker();
    const sentBy = result.reveal
      ? await deliverReveal(
          {
            repo: deps.repo,
            clock: deps.clock,
            logger: deps.logger,
            friendlyName: deps.email.friendlyName,
            wakeWorker: deps.wakeWorker,
          },
          client,
          result.reveal,
          result.user,
        )
      : undefined;
    await ack({
      response_action: "update",
      view: buildSetPasswordDone({
        email: result.user.email,
        connection: result.connection.name,
        notified: result.notified,
        ...(result.reveal &&
          sentBy && { waiting: { by: sentBy, expiresAt: result.reveal.expiresAt } }),
        ...(result.generatedPassword !== undefined && {
          generatedPassword: result.generatedPassword,
        }),
      }),
    });
  };
}

/** The admin's answer when the user's external store did not confirm the new password. */
function describeStoreFailure(
  reason: "store_unavailable" | "store_unconfirmed",
  connection: string,
): string {
  return reason === "store_unavailable"
    ? `The user store of ${connection} did not confirm the new password, so nothing changed. Try again in a minute.`
    : `The user store of ${connection} did not answer in time. It may have taken the new password: Passdesk sends it again and records it within two minutes (see the audit channel). Do not set another one meanwhile.`;
}
