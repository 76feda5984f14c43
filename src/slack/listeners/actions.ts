import type { App, BlockAction, RadioButtonsAction } from "@slack/bolt";
import { ANY_TEAM } from "../../roles/ports.ts";
import { ACTION_IDS } from "../contract.ts";
import { recordDenial, type SlackDependencies } from "../dependencies.ts";
import { canAdminister } from "../roles.ts";
import { decodeTarget } from "../set-password-target.ts";
import { buildManageRolesModal } from "../views/manage-roles-modal.ts";
import { buildSetPasswordModal } from "../views/set-password-modal.ts";
import { viewActor } from "./views.ts";

/** Button clicks and mode switches; each re-checks the clicker's role. */
export function registerActions(app: App, deps: SlackDependencies): void {
  app.action<BlockAction<RadioButtonsAction>>(
    ACTION_IDS.setPasswordMode,
    async ({ ack, body, action, client }) => {
      await ack();
      const actor = viewActor(body);
      if (!canAdminister(await deps.roles.rolesOf(actor)))
        return void (await recordDenial(deps, actor, ACTION_IDS.setPasswordMode));
      const target = decodeTarget(body.view?.private_metadata);
      if (!target || !body.view) return;
      const connection = await deps.repo.connections.findByName(target.connection);
      if (!connection) return;
      await client.views.update({
        view_id: body.view.id,
        hash: body.view.hash,
        view: buildSetPasswordModal({
          target: { email: target.email, name: target.name, connection: target.connection },
          policy: connection.policy,
          mode: action.selected_option?.value === "generate" ? "generate" : "type",
          privateMetadata: body.view.private_metadata,
        }),
      });
    },
  );

  app.action<BlockAction>(ACTION_IDS.openManageRoles, async ({ ack, body, client }) => {
    await ack();
    const actor = viewActor(body);
    if (!canAdminister(await deps.roles.rolesOf(actor)))
      return void (await recordDenial(deps, actor, ACTION_IDS.openManageRoles));
    const grants = (await deps.repo.roles.list()).filter(
      (grant) => grant.teamId === actor.teamId || grant.teamId === ANY_TEAM,
    );
    const holders = (role: string) => [
      ...new Set(grants.filter((grant) => grant.role === role).map((grant) => grant.slackUserId)),
    ];
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildManageRolesModal({
        admins: holders("admin"),
        support: holders("support"),
        bootstrapAdmins: [...deps.bootstrapAdmins],
      }),
    });
  });
}
