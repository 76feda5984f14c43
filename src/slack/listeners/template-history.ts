import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { CHANGE_PASSWORD_TEMPLATE } from "../../email/ports.ts";
import {
  type RevertTemplateOutcome,
  revertChangePasswordTemplate,
} from "../../email/template-edit.ts";
import { ACTION_IDS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { publishAppHome } from "../publish-app-home.ts";
import { escapeMrkdwn, type ModalView } from "../views/block-kit.ts";
import { labelChangedFields, TEMPLATE_FIELD_LABELS } from "../views/template-fields.ts";
import {
  buildTemplateHistoryModal,
  decodeHistoryMetadata,
  HISTORY_VERSIONS_SHOWN,
} from "../views/template-history-modal.ts";
import { isAdmin } from "./require-admin.ts";
import { viewActor } from "./views.ts";

/** The card's "History" button, and the modal's Revert buttons (each revert a new version). */
export function registerTemplateHistory(app: App, deps: SlackDependencies): void {
  app.action<BlockAction>(ACTION_IDS.openTemplateHistory, async ({ ack, body, client }) => {
    await ack();
    if (!(await isAdmin(deps, viewActor(body), ACTION_IDS.openTemplateHistory))) return;
    await client.views.open({ trigger_id: body.trigger_id, view: await loadHistory(deps) });
  });

  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.revertTemplate,
    async ({ ack, body, action, client }) => {
      await ack();
      const actor = viewActor(body);
      if (!(await isAdmin(deps, actor, ACTION_IDS.revertTemplate)) || !body.view) return;
      const baseVersion = decodeHistoryMetadata(body.view.private_metadata);
      const toVersion = /^\d{1,9}$/.test(action.value ?? "") ? Number(action.value) : undefined;
      if (baseVersion === undefined || toVersion === undefined) return;
      const outcome = await deps.repo.transaction((stores) =>
        revertChangePasswordTemplate(stores, {
          toVersion,
          baseVersion,
          editedBy: actor.userId,
          actor: { actorType: "slack", actorId: actor.userId },
        }),
      );
      await client.views.update({
        view_id: body.view.id,
        view: await loadHistory(deps, describeRevert(outcome, toVersion)),
      });
      if (outcome.ok) await publishAppHome(deps, client, actor);
    },
  );
}

async function loadHistory(deps: SlackDependencies, notice?: string): Promise<ModalView> {
  const current = await deps.repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
  const versions = await deps.repo.templates.history(
    CHANGE_PASSWORD_TEMPLATE,
    HISTORY_VERSIONS_SHOWN,
  );
  return buildTemplateHistoryModal({
    currentVersion: current.version,
    versions,
    ...(notice && { notice }),
  });
}

function describeRevert(outcome: RevertTemplateOutcome, toVersion: number): string {
  const version = toVersion === 0 ? "the built-in default" : `version ${toVersion}`;
  if (outcome.ok) {
    const fields = labelChangedFields(outcome.changedFields).join(", ");
    return `:white_check_mark: Reverted to ${version}: saved as version ${outcome.template.version} (changed: ${fields}).`;
  }
  switch (outcome.reason) {
    case "version_conflict":
      return `:warning: Not reverted: someone saved the email (version ${outcome.current.version}) since this list was shown. The list is reloaded: check it, then revert again if you still want to.`;
    case "unchanged":
      return `Not reverted: ${version} is the same as the current email.`;
    case "version_not_found":
      return `:warning: Not reverted: there is no ${version}.`;
    case "invalid": {
      const problems = outcome.problems
        .map((problem) => `${TEMPLATE_FIELD_LABELS[problem.field]} ${problem.message}`)
        .join("; ")
        .slice(0, 2000);
      return `:warning: Not reverted: ${version} fails today's checks: ${escapeMrkdwn(problems)}. Use Edit instead.`;
    }
  }
}
