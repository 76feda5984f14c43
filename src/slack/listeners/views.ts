import type { App } from "@slack/bolt";
import {
  type AdminSetPasswordResult,
  setPasswordByAdmin,
} from "../../password-reset/admin-set-password.ts";
import { HasherBusyError } from "../../passwords/bounded-hasher.ts";
import { ANY_TEAM, type Role } from "../../roles/ports.ts";
import { CALLBACK_IDS, MANAGE_ROLES_BLOCKS, SET_PASSWORD_BLOCKS } from "../contract.ts";
import { recordDenial, type SlackDependencies } from "../dependencies.ts";
import { canAdminister, type SlackActor } from "../roles.ts";
import { decodeTarget } from "../set-password-target.ts";
import { readManageRolesSubmission } from "../views/manage-roles-modal.ts";
import {
  buildSetPasswordDone,
  HASHER_BUSY_MESSAGE,
  readSetPasswordSubmission,
  setPasswordErrors,
} from "../views/set-password-modal.ts";

interface ViewBody {
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
}

export function viewActor(body: ViewBody): SlackActor {
  return { teamId: body.team?.id ?? body.user.team_id ?? "", userId: body.user.id };
}

/** Modal submissions. The role is checked again here: a forged submission must change nothing. */
export function registerViews(app: App, deps: SlackDependencies): void {
  app.view(CALLBACK_IDS.setPasswordModal, async ({ ack, body, view }) => {
    const actor = viewActor(body);
    if (!canAdminister(await deps.roles.rolesOf(actor))) {
      await recordDenial(deps, actor, CALLBACK_IDS.setPasswordModal);
      return void (await ack({
        response_action: "errors",
        errors: { [SET_PASSWORD_BLOCKS.mode]: "Only Passdesk admins can set passwords." },
      }));
    }
    const target = decodeTarget(view.private_metadata);
    if (!target) {
      return void (await ack({
        response_action: "errors",
        errors: {
          [SET_PASSWORD_BLOCKS.mode]: "This form is out of date: run /set-password again.",
        },
      }));
    }
    const submission = readSetPasswordSubmission(view.state.values);
    let result: AdminSetPasswordResult;
    try {
      result = await setPasswordByAdmin(
        { repo: deps.repo, hasher: deps.hasher, clock: deps.clock },
        {
          ...(submission.mode === "generate"
            ? { mode: "generate" as const }
            : {
                mode: "type" as const,
                password: submission.password ?? "",
                confirmation: submission.confirmation ?? "",
              }),
          userId: target.userId,
          notify: submission.notify,
          actor,
        },
      );
    } catch (error) {
      if (!(error instanceof HasherBusyError)) throw error;
      // On the method block: it is there in both modes, and Slack refuses errors for absent blocks.
      deps.logger.warn({ why: error.why }, "set-password refused: password hashing busy");
      return void (await ack({
        response_action: "errors",
        errors: { [SET_PASSWORD_BLOCKS.mode]: HASHER_BUSY_MESSAGE },
      }));
    }
    if (!result.ok) {
      const errors =
        result.reason === "rejected"
          ? setPasswordErrors(result.rules, result.mismatch)
          : {
              [SET_PASSWORD_BLOCKS.mode]:
                "This user can no longer get a password here: run /set-password again.",
            };
      return void (await ack({ response_action: "errors", errors }));
    }
    if (result.notified) deps.wakeWorker();
    await ack({
      response_action: "update",
      view: buildSetPasswordDone({
        email: result.user.email,
        connection: result.connection.name,
        notified: result.notified,
        ...(result.generatedPassword !== undefined && {
          generatedPassword: result.generatedPassword,
        }),
      }),
    });
  });

  app.view(CALLBACK_IDS.manageRolesModal, async ({ ack, body, view }) => {
    const actor = viewActor(body);
    if (!canAdminister(await deps.roles.rolesOf(actor))) {
      await recordDenial(deps, actor, CALLBACK_IDS.manageRolesModal);
      return void (await ack({
        response_action: "errors",
        errors: { [MANAGE_ROLES_BLOCKS.admins]: "Only Passdesk admins can manage roles." },
      }));
    }
    const wanted = readManageRolesSubmission(view.state.values);
    await applyRoleChanges(deps, actor, { admin: wanted.admins, support: wanted.support });
    await ack();
  });
}

/** Grants and revokes so that the team's database grants match the modal; audits each change. */
async function applyRoleChanges(
  deps: SlackDependencies,
  actor: SlackActor,
  wanted: Record<Role, string[]>,
): Promise<void> {
  const grants = (await deps.repo.roles.list()).filter(
    (grant) => grant.teamId === actor.teamId || grant.teamId === ANY_TEAM,
  );
  for (const role of ["admin", "support"] as const) {
    const current = new Set(
      grants.filter((grant) => grant.role === role).map((grant) => grant.slackUserId),
    );
    const desired = new Set(wanted[role]);
    for (const userId of desired) {
      if (current.has(userId)) continue;
      await deps.repo.roles.grant({
        teamId: actor.teamId,
        slackUserId: userId,
        role,
        grantedBy: actor.userId,
      });
      await audit(deps, actor, "role.granted", { role, slackUserId: userId });
    }
    for (const grant of grants) {
      if (grant.role !== role || desired.has(grant.slackUserId)) continue;
      // Bootstrap admins are not in the admin picker, so their absence there is not a removal.
      if (role === "admin" && deps.bootstrapAdmins.includes(grant.slackUserId)) continue;
      await deps.repo.roles.revoke({ teamId: grant.teamId, slackUserId: grant.slackUserId, role });
      await audit(deps, actor, "role.revoked", { role, slackUserId: grant.slackUserId });
    }
  }
}

function audit(
  deps: SlackDependencies,
  actor: SlackActor,
  action: string,
  details: Record<string, string>,
) {
  return deps.repo.audit.record({
    actorType: "slack",
    actorId: actor.userId,
    action,
    outcome: "success",
    details: { ...details, teamId: actor.teamId },
  });
}
