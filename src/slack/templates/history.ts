import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from "@slack/bolt";
import type { TemplateStore } from "../../email/ports.ts";
import type { TemplateName } from "../../email/template.ts";
import {
  type RevertTemplateOutcome,
  revertTemplate,
  type TemplateEditPorts,
} from "../../email/template-edit.ts";
import type { Transaction } from "../../unit-of-work.ts";
import { actorOfInteraction } from "../actor.ts";
import { type AppHomeDependencies, publishAppHome } from "../app-home/publish.ts";
import { escapeMrkdwn, type ModalView } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { labelChangedFields, readTemplateName, TEMPLATE_FIELD_LABELS } from "./fields.ts";
import {
  buildTemplateHistoryModal,
  decodeHistoryMetadata,
  HISTORY_VERSIONS_SHOWN,
} from "./history-modal.ts";

type ButtonArgs<Action extends BlockAction> = Pick<
  SlackActionMiddlewareArgs<Action> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "client"
>;

export type HistoryDependencies = RoleGuardDependencies & {
  /** Read only: the versions listed. */
  templates: Pick<TemplateStore, "get" | "history">;
};

export type RevertDependencies = HistoryDependencies &
  AppHomeDependencies & { transaction: Transaction<TemplateEditPorts> };

/** A card's "History" button: its value names the template. */
export function createHistoryButton(deps: HistoryDependencies) {
  return async function showHistory({
    ack,
    body,
    action,
    client,
  }: ButtonArgs<BlockAction<ButtonAction>>) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.openTemplateHistory))) return;
    const view = await loadHistory(deps, readTemplateName(action.value));
    await client.views.open({ trigger_id: body.trigger_id, view });
  };
}

/** The history modal's Revert buttons: each revert is saved as a new version. */
export function createRevertButton(deps: RevertDependencies) {
  return async function revertFromHistory({
    ack,
    body,
    action,
    client,
  }: ButtonArgs<BlockAction<ButtonAction>>) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.revertTemplate)) || !body.view) return;
    const listed = decodeHistoryMetadata(body.view.private_metadata);
    const toVersion = /^\d{1,9}$/.test(action.value ?? "") ? Number(action.value) : undefined;
    if (listed === undefined || toVersion === undefined) return;
    const name = listed.template;
    const outcome = await deps.transaction((stores) =>
      revertTemplate(stores, {
        name,
        toVersion,
        baseVersion: listed.version,
        editedBy: actor.userId,
        actor: { actorType: "slack", actorId: actor.userId },
      }),
    );
    await client.views.update({
      view_id: body.view.id,
      view: await loadHistory(deps, name, describeRevert(outcome, toVersion)),
    });
    if (outcome.ok) await publishAppHome(deps, client, actor);
  };
}

async function loadHistory(
  deps: HistoryDependencies,
  name: TemplateName,
  notice?: string,
): Promise<ModalView> {
  const current = await deps.templates.get(name);
  const versions = await deps.templates.history(name, HISTORY_VERSIONS_SHOWN);
  return buildTemplateHistoryModal({
    name,
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
