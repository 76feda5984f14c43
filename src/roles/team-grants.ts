import { ANY_TEAM, ROLES, type Role, type RoleGrant, type RoleStore } from "./ports.ts";

/** The grants that hold in a team: its own and those for every team (`ANY_TEAM`). */
export async function listTeamGrants(
  roles: Pick<RoleStore, "list">,
  teamId: string,
): Promise<RoleGrant[]> {
  return (await roles.list()).filter(
    (grant) => grant.teamId === teamId || grant.teamId === ANY_TEAM,
  );
}

/** Who holds each role in a team by a database grant, each user once. */
export async function listRoleHolders(
  roles: Pick<RoleStore, "list">,
  teamId: string,
): Promise<Record<Role, string[]>> {
  const grants = await listTeamGrants(roles, teamId);
  const holders = (role: Role) => [
    ...new Set(grants.filter((grant) => grant.role === role).map((grant) => grant.slackUserId)),
  ];
  return Object.fromEntries(ROLES.map((role) => [role, holders(role)])) as Record<Role, string[]>;
}
