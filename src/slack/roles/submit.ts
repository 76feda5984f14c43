import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from "@slack/bolt";
import { type ApplyRoleChangesPorts, applyRoleChanges } from "../../roles/apply-role-changes.ts";
import { actorOfInteraction } from "../actor.ts";
import { CALLBACK_IDS, MANAGE_ROLES_BLOCKS } from "../contract.ts";
import { type RoleGuardDependencies, requireRole } from "../require-role.ts";
import { readManageRolesSubmission } from "./modal.ts";

type SubmitArgs = Pick<SlackViewMiddlewareArgs & AllMiddlewareArgs, "ack" | "body" | "view">;

export type ManageRolesSubmitDependencies = RoleGuardDependencies & {
  grants: ApplyRoleChangesPorts;
  bootstrapAdmins: readonly string[];
};

/** The Manage roles modal's submission; the role is checked again, so a forged one changes nothing. */
export function createManageRolesSubmit(deps: ManageRolesSubmitDependencies) {
  return async function submitManageRoles({ ack, body, view }: SubmitArgs) {
    const actor = actorOfInteraction(body);
    if (!(await requireRole(deps, actor, "admin", CALLBACK_IDS.manageRolesModal))) {
      return void (await ack({
        response_action: "errors",
        errors: { [MANAGE_ROLES_BLOCKS.admins]: "Only Passdesk admins can manage roles." },
      }));
    }
    const wanted = readManageRolesSubmission(view.state.values);
    await applyRoleChanges(deps.grants, {
      actor,
      wanted: { admin: wanted.admins, support: wanted.support },
      bootstrapAdmins: deps.bootstrapAdmins,
    });
    await ack();
  };
}
