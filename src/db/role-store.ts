import { and, asc, eq, inArray } from "drizzle-orm";
import { ANY_TEAM, type Role, type RoleStore } from "../roles/ports.ts";
import type { Executor } from "./client.ts";
import { roleGrants } from "./schema.ts";

export function createDrizzleRoleStore(db: Executor): RoleStore {
  return {
    async rolesOf(teamId, slackUserId) {
      const rows = await db
        .selectDistinct({ role: roleGrants.role })
        .from(roleGrants)
        .where(
          and(
            eq(roleGrants.slackUserId, slackUserId),
            inArray(roleGrants.teamId, [teamId, ANY_TEAM]),
          ),
        );
      return rows.map((row) => row.role as Role);
    },
    async grant(grant) {
      const rows = await db
        .insert(roleGrants)
        .values(grant)
        .onConflictDoNothing()
        .returning({ id: roleGrants.id });
      return rows.length > 0;
    },
    async revoke({ teamId, slackUserId, role }) {
      const rows = await db
        .delete(roleGrants)
        .where(
          and(
            eq(roleGrants.teamId, teamId),
            eq(roleGrants.slackUserId, slackUserId),
            eq(roleGrants.role, role),
          ),
        )
        .returning({ id: roleGrants.id });
      return rows.length > 0;
    },
    async list() {
      const rows = await db
        .select()
        .from(roleGrants)
        .orderBy(asc(roleGrants.slackUserId), asc(roleGrants.teamId), asc(roleGrants.role));
      return rows.map(({ id: _id, ...grant }) => ({ ...grant, role: grant.role as Role }));
    },
  };
}
