import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import {
  type AdminSampleEmailDependencies,
  sendTestToAdmin,
  type TestSendOutcome,
} from "../../email/admin-sample-email.ts";
import { actorOfInteraction } from "../actor.ts";
import { escapeMrkdwn } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { buildTemplateNoticeModal } from "./notice-modal.ts";
import { readSlackProfile } from "./slack-profile.ts";

type ButtonArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs,
  "ack" | "body" | "client"
>;

const TITLE = "Test email";

/**
 * The card's "Send test" button. A modal opens at once (the trigger lasts 3 seconds, a send can
 * take longer) and then says whether the email went out.
 */
export function createTestSendButton(
  deps: RoleGuardDependencies & { sampleEmail: AdminSampleEmailDependencies },
) {
  return async function sendTestFromCard({ ack, body, client }: ButtonArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.sendTemplateTest))) return;
    const profile = await readSlackProfile(client, actor.userId);
    const opened = await client.views.open({
      trigger_id: body.trigger_id,
      view: buildTemplateNoticeModal(
        TITLE,
        profile.email
          ? `:hourglass: Sending a test of the password email to *${escapeMrkdwn(profile.email)}*…`
          : ":hourglass: Sending a test of the password email…",
      ),
    });
    const outcome = await sendTestToAdmin(deps.sampleEmail, profile, actor);
    if (!opened.view?.id) return;
    await client.views.update({
      view_id: opened.view.id,
      view: buildTemplateNoticeModal(TITLE, describeTestSend(outcome)),
    });
  };
}

function describeTestSend(outcome: TestSendOutcome): string {
  if (outcome.ok) {
    return `:white_check_mark: Sent to *${escapeMrkdwn(outcome.to)}*, with "[Test]" in the subject. Its link looks real but resets nothing.`;
  }
  switch (outcome.reason) {
    case "no_profile_email":
      return ":warning: Not sent: Passdesk could not read an email address from your Slack profile.";
    case "render_failed":
      return `:warning: Not sent: the email cannot be rendered: ${escapeMrkdwn(outcome.message)}`;
    case "send_failed":
      return `:warning: Not sent to *${escapeMrkdwn(outcome.to)}*: the mail provider refused it or did not answer (${escapeMrkdwn(outcome.message)}). Try again in a minute.`;
  }
}
