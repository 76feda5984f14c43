import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  GlobalShortcut,
  SlackActionMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  webApi,
} from "@slack/bolt";
import { CHANGE_PASSWORD_TEMPLATE, type TemplateStore } from "../../email/ports.ts";
import type { TemplateName } from "../../email/template.ts";
import { actorOfInteraction } from "../actor.ts";
import { ACTION_IDS, SHORTCUTS } from "../contract.ts";
import type { SlackDependencies } from "../dependencies.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { buildTemplateEditModal } from "./edit-modal.ts";
import { readTemplateName } from "./fields.ts";
import { ADMINS_ONLY_TEXT, buildTemplateNoticeModal } from "./notice-modal.ts";

type ShortcutArgs = Pick<
  SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs,
  "ack" | "body" | "client"
>;
type ButtonArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs,
  "ack" | "body" | "action" | "client"
>;

export type OpenEditorDependencies = RoleGuardDependencies &
  Pick<SlackDependencies, "email"> & {
    /** Read only: the current email, to fill the form. */
    templates: Pick<TemplateStore, "get">;
  };

/**
 * The "Edit password email" shortcut, in everyone's menu: it edits the change-password email (the
 * other template is edited from its App Home card); a non-admin is told no in a notice.
 */
export function createEditShortcut(deps: OpenEditorDependencies) {
  const { callbackId } = SHORTCUTS.editPasswordEmail;
  return async function editFromShortcut({ ack, body, client }: ShortcutArgs) {
    await ack();
    if (!(await requireRole(deps, actorOfInteraction(body), "admin", callbackId))) {
      return void (await client.views.open({
        trigger_id: body.trigger_id,
        view: buildTemplateNoticeModal("Password email", ADMINS_ONLY_TEXT),
      }));
    }
    await openEditModal(deps, client, body.trigger_id, CHANGE_PASSWORD_TEMPLATE);
  };
}

/** An App Home card's Edit button: its value names the template. */
export function createEditButton(deps: OpenEditorDependencies) {
  return async function editFromCard({ ack, body, action, client }: ButtonArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.openTemplateEdit))) return;
    await openEditModal(deps, client, body.trigger_id, readTemplateName(action.value));
  };
}

async function openEditModal(
  deps: OpenEditorDependencies,
  client: webApi.WebClient,
  triggerId: string,
  name: TemplateName,
): Promise<void> {
  const template = await deps.templates.get(name);
  await client.views.open({
    trigger_id: triggerId,
    view: buildTemplateEditModal({ name, template, defaultFrom: deps.email.defaultFrom }),
  });
}
