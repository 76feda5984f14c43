import type { AuditLog } from "../audit/ports.ts";
import { ROLES, type Role, type RoleStore } from "./ports.ts";
import { listTeamGrants } from "./team-grants.ts";

export interface RoleChange {
  role: Role;
  slackUserId: string;
}

export interface AppliedRoleChanges {
  granted: RoleChange[];
  revoked: RoleChange[];
}

export interface ApplyRoleChangesPorts {
  roles: Pick<RoleStore, "list" | "grant" | "revoke">;
  audit: Pick<AuditLog, "record">;
}

/**
 * Grants and revokes so that a team's database grants are exactly `wanted`, auditing each change
 * as the Slack user `actor`. A grant for every team that is no longer wanted is revoked too: the
 * editor saw it among the team's holders. Bootstrap admins are never revoked the admin role:
 * they are not offered in the admin picker, so their absence there is not a removal.
 */
export async function applyRoleChanges(
  stores: ApplyRoleChangesPorts,
  input: {
    actor: { teamId: string; userId: string };
    wanted: Record<Role, readonly string[]>;
    bootstrapAdmins: readonly string[];
  },
): Promise<AppliedRoleChanges> {
  const { actor } = input;
  const grants = await listTeamGrants(stores.roles, actor.teamId);
  const applied: AppliedRoleChanges = { granted: [], revoked: [] };
  const audit = (action: string, change: RoleChange) =>
    stores.audit.record({
      actorType: "slack",
      actorId: actor.userId,
      action,
      outcome: "success",
      details: { ...change, teamId: actor.teamId },
    });
  for (const role of ROLES) {
    const current = new Set(
      grants.filter((grant) => grant.role === role).map((grant) => grant.slackUserId),
    );
    const desired = new Set(input.wanted[role]);
    for (const slackUserId of desired) {
      if (current.has(slackUserId)) continue;
      await stores.roles.grant({
        teamId: actor.teamId,
        slackUserId,
        role,
        grantedBy: actor.userId,
      });
      await audit("role.granted", { role, slackUserId });
      applied.granted.push({ role, slackUserId });
    }
    for (const grant of grants) {
      if (grant.role !== role || desired.has(grant.slackUserId)) continue;
      if (role === "admin" && input.bootstrapAdmins.includes(grant.slackUserId)) continue;
      await stores.roles.revoke({ teamId: grant.teamId, slackUserId: grant.slackUserId, role });
      await audit("role.revoked", { role, slackUserId: grant.slackUserId });
      applied.revoked.push({ role, slackUserId: grant.slackUserId });
    }
  }
  return applied;
}
