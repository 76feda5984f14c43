import type { App, BlockAction, GlobalShortcut, webApi } from "@slack/bolt";
import { CHANGE_PASSWORD_TEMPLATE } from "../../email/ports.ts";
import { saveChangePasswordTemplate } from "../../email/template-edit.ts";
import { ACTION_IDS, CALLBACK_IDS, SHORTCUTS, TEMPLATE_EDIT_BLOCKS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { publishAppHome } from "../publish-app-home.ts";
import { previewTemplate, readSlackProfile } from "../template-emails.ts";
import { buildTemplateEditModal } from "../views/template-edit-modal.ts";
import {
  decodeTemplateEditMetadata,
  readTemplateEditSubmission,
  templateEditErrors,
} from "../views/template-edit-submission.ts";
import {
  ADMINS_ONLY_TEXT,
  buildTemplateNoticeModal,
  buildTemplateSavedModal,
} from "../views/template-notice-modal.ts";
import { buildTemplatePreviewModal } from "../views/template-preview-modal.ts";
import { isAdmin } from "./require-admin.ts";
import { registerTemplateHistory } from "./template-history.ts";
import { registerTemplateTest } from "./template-test.ts";
import { viewActor } from "./views.ts";

/**
 * The change-password email in Slack: the App Home card's buttons, the "Edit password email"
 * shortcut and the edit modal. Every entry point and the submission re-check the admin role.
 */
export function registerTemplates(app: App, deps: SlackDependencies): void {
  const { callbackId } = SHORTCUTS.editPasswordEmail;
  app.shortcut<GlobalShortcut>(callbackId, async ({ ack, body, client }) => {
    await ack();
    const actor = viewActor(body);
    // The shortcut is in everyone's menu: a refusal is said, in a modal with no form.
    if (!(await isAdmin(deps, actor, callbackId))) {
      return void (await client.views.open({
        trigger_id: body.trigger_id,
        view: buildTemplateNoticeModal("Password email", ADMINS_ONLY_TEXT),
      }));
    }
    await openEditModal(deps, client, body.trigger_id);
  });

  app.action<BlockAction>(ACTION_IDS.openTemplateEdit, async ({ ack, body, client }) => {
    await ack();
    if (!(await isAdmin(deps, viewActor(body), ACTION_IDS.openTemplateEdit))) return;
    await openEditModal(deps, client, body.trigger_id);
  });

  app.action<BlockAction>(ACTION_IDS.openTemplatePreview, async ({ ack, body, client }) => {
    await ack();
    const actor = viewActor(body);
    if (!(await isAdmin(deps, actor, ACTION_IDS.openTemplatePreview))) return;
    const profile = await readSlackProfile(client, actor.userId);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildTemplatePreviewModal(await previewTemplate(deps, profile)),
    });
  });

  app.view(CALLBACK_IDS.templateEditModal, async ({ ack, body, view, client }) => {
    const actor = viewActor(body);
    const refuse = (message: string, blockId: string = TEMPLATE_EDIT_BLOCKS.from) =>
      ack({ response_action: "errors", errors: { [blockId]: message } });
    if (!(await isAdmin(deps, actor, CALLBACK_IDS.templateEditModal))) {
      return void (await refuse("Only Passdesk admins can edit the password email."));
    }
    const metadata = decodeTemplateEditMetadata(view.private_metadata);
    if (!metadata)
      return void (await refuse("This form is out of date: close it and open it again."));
    const outcome = await deps.repo.transaction((stores) =>
      saveChangePasswordTemplate(stores, {
        changes: readTemplateEditSubmission(view.state.values, metadata),
        baseVersion: metadata.version,
        editedBy: actor.userId,
        actor: { actorType: "slack", actorId: actor.userId },
      }),
    );
    if (!outcome.ok) {
      switch (outcome.reason) {
        case "invalid":
          return void (await ack({
            response_action: "errors",
            errors: templateEditErrors(outcome.problems, metadata.bodyShown),
          }));
        case "version_conflict":
          // Never a silent overwrite: the other admin's version must be seen before it is replaced.
          return void (await refuse(
            `Someone saved the email (version ${outcome.current.version}) after you opened this form. Close it and open it again to edit the newest version; your changes here are not saved.`,
          ));
        case "unchanged":
          return void (await ack({
            response_action: "update",
            view: buildTemplateNoticeModal("Password email", "Nothing changed: nothing was saved."),
          }));
      }
    }
    await ack({
      response_action: "update",
      view: buildTemplateSavedModal({
        version: outcome.template.version,
        changedFields: outcome.changedFields,
      }),
    });
    await publishAppHome(deps, client, actor);
  });

  registerTemplateTest(app, deps);
  registerTemplateHistory(app, deps);
}

async function openEditModal(
  deps: SlackDependencies,
  client: webApi.WebClient,
  triggerId: string,
): Promise<void> {
  const template = await deps.repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
  await client.views.open({
    trigger_id: triggerId,
    view: buildTemplateEditModal({ template, defaultFrom: deps.email.defaultFrom }),
  });
}
