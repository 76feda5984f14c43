import { ANY_TEAM, type RoleStore } from "../../../src/roles/ports.ts";
import { copy, type MemoryDatabase } from "./database.ts";

/** RoleStore over an array, with src/db/role-store.ts's semantics. */
export function createMemoryRoleStore(database: MemoryDatabase): RoleStore {
  const { tables, clock } = database;
  return {
    async rolesOf(teamId, slackUserId) {
      const roles = tables.roleGrants
        .filter(
          (grant) =>
            grant.slackUserId === slackUserId &&
            (grant.teamId === teamId || grant.teamId === ANY_TEAM),
        )
        .map((grant) => grant.role);
      return [...new Set(roles)];
    },
    async grant({ teamId, slackUserId, role, grantedBy }) {
      const exists = tables.roleGrants.some(
        (grant) =>
          grant.teamId === teamId && grant.slackUserId === slackUserId && grant.role === role,
      );
      if (exists) return false;
      tables.roleGrants.push({
        id: database.nextId("roleGrants"),
        teamId,
        slackUserId,
        role,
        grantedBy,
        createdAt: clock.now(),
      });
      return true;
    },
    async revoke({ teamId, slackUserId, role }) {
      const before = tables.roleGrants.length;
      tables.roleGrants = tables.roleGrants.filter(
        (grant) =>
          !(grant.teamId === teamId && grant.slackUserId === slackUserId && grant.role === role),
      );
      return tables.roleGrants.length < before;
    },
    async list() {
      const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      return [...tables.roleGrants]
        .sort(
          (a, b) =>
            order(a.slackUserId, b.slackUserId) ||
            order(a.teamId, b.teamId) ||
            order(a.role, b.role),
        )
        .map(({ id: _id, ...grant }) => copy(grant));
    },
  };
}
