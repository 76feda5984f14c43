import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import {
  type AdminSampleEmailDependencies,
  sendTestToAdmin,
  type TestSendOutcome,
} from "../../email/admin-sample-email.ts";
import { CHANGE_PASSWORD_TEMPLATE, type TemplateName } from "../../email/template.ts";
import { actorOfInteraction } from "../actor.ts";
import { escapeMrkdwn } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { readTemplateName, TEMPLATE_TEXTS } from "./fields.ts";
import { buildTemplateNoticeModal } from "./notice-modal.ts";
import { readSlackProfile } from "./slack-profile.ts";

type ButtonArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "client"
>;

const TITLE = "Test email";

/**
 * A card's "Send test" button: its value names the template. A modal opens at once (the trigger lasts 3 seconds, a send can
 * take longer) and then says whether the email went out.
 */
export function createTestSendButton(
  deps: RoleGuardDependencies & { sampleEmail: AdminSampleEmailDependencies },
) {
  return async function sendTestFromCard({ ack, body, action, client }: ButtonArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.sendTemplateTest))) return;
    const name = readTemplateName(action.value);
    const { noun } = TEMPLATE_TEXTS[name];
    const profile = await readSlackProfile(client, actor.userId);
    const opened = await client.views.open({
      trigger_id: body.trigger_id,
      view: buildTemplateNoticeModal(
        TITLE,
        profile.email
          ? `:hourglass: Sending a test of ${noun} to *${escapeMrkdwn(profile.email)}*…`
          : `:hourglass: Sending a test of ${noun}…`,
      ),
    });
    const outcome = await sendTestToAdmin(deps.sampleEmail, profile, actor, name);
    if (!opened.view?.id) return;
    await client.views.update({
      view_id: opened.view.id,
      view: buildTemplateNoticeModal(TITLE, describeTestSend(name, outcome)),
    });
  };
}

function describeTestSend(name: TemplateName, outcome: TestSendOutcome): string {
  if (outcome.ok) {
    const does = name === CHANGE_PASSWORD_TEMPLATE ? "resets" : "secures";
    return `:white_check_mark: Sent to *${escapeMrkdwn(outcome.to)}*, with "[Test]" in the subject. Its link looks real but ${does} nothing.`;
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
