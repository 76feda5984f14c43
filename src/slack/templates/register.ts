import type { App, BlockAction, ButtonAction, GlobalShortcut } from "@slack/bolt";
import { ACTION_IDS, CALLBACK_IDS, SHORTCUTS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { createHistoryButton, createRevertButton } from "./history.ts";
import { createEditButton, createEditShortcut } from "./open-editor.ts";
import { createPreviewButton } from "./preview.ts";
import { createSaveEdit } from "./save-edit.ts";
import { createTestSendButton } from "./test-send.ts";

/**
 * The email templates in Slack: the App Home card's buttons, the "Edit password email"
 * shortcut, and the edit and history modals. Every entry point and submission re-checks the
 * admin role.
 */
export function registerTemplates(app: App, deps: SlackDependencies): void {
  const withStores = {
    ...deps,
    templates: deps.repo.templates,
    transaction: deps.repo.transaction,
    sampleEmail: {
      stores: { templates: deps.repo.templates, audit: deps.repo.audit },
      mailer: deps.mailer,
      settings: deps.email,
      logger: deps.logger,
      clock: deps.clock,
    },
  };
  app.shortcut<GlobalShortcut>(
    SHORTCUTS.editPasswordEmail.callbackId,
    createEditShortcut(withStores),
  );
  // The card buttons' value names the template (see card.ts).
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.openTemplateEdit, createEditButton(withStores));
  app.view(CALLBACK_IDS.templateEditModal, createSaveEdit(withStores));
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.openTemplatePreview,
    createPreviewButton(withStores),
  );
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.sendTemplateTest,
    createTestSendButton(withStores),
  );
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.openTemplateHistory,
    createHistoryButton(withStores),
  );
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.revertTemplate, createRevertButton(withStores));
}
