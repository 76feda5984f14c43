import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { RoleStore } from "../../roles/ports.ts";
import { listRoleHolders } from "../../roles/team-grants.ts";
import { actorOfInteraction } from "../actor.ts";
import { ACTION_IDS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { buildManageRolesModal } from "./modal.ts";

type OpenArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs,
  "ack" | "body" | "client"
>;

export type OpenManageRolesDependencies = RoleGuardDependencies & {
  grants: Pick<RoleStore, "list">;
  bootstrapAdmins: readonly string[];
};

/** The App Home's "Manage roles" button: the modal, prefilled with the team's grants. */
export function createOpenManageRoles(deps: OpenManageRolesDependencies) {
  return async function openManageRoles({ ack, body, client }: OpenArgs) {
    await ack();
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", ACTION_IDS.openManageRoles))) return;
    const holders = await listRoleHolders(deps.grants, actor.teamId);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildManageRolesModal({
        admins: holders.admin,
        support: holders.support,
        bootstrapAdmins: [...deps.bootstrapAdmins],
      }),
    });
  };
}
