import type { App, BlockAction } from "@slack/bolt";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { readSlackProfile, sendTemplateTest, type TestSendOutcome } from "../template-emails.ts";
import { escapeMrkdwn } from "../views/block-kit.ts";
import { buildTemplateNoticeModal } from "../views/template-notice-modal.ts";
import { isAdmin } from "./require-admin.ts";
import { viewActor } from "./views.ts";

const TITLE = "Test email";

/**
 * The card's "Send test" button. A modal opens at once (the trigger lasts 3 seconds, a send can
 * take longer) and then says whether the email went out.
 */
export function registerTemplateTest(app: App, deps: SlackDependencies): void {
  app.action<BlockAction>(ACTION_IDS.sendTemplateTest, async ({ ack, body, client }) => {
    await ack();
    const actor = viewActor(body);
    if (!(await isAdmin(deps, actor, ACTION_IDS.sendTemplateTest))) return;
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
    const outcome = await sendTemplateTest(deps, actor, profile);
    if (!opened.view?.id) return;
    await client.views.update({
      view_id: opened.view.id,
      view: buildTemplateNoticeModal(TITLE, describeTestSend(outcome)),
    });
  });
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
