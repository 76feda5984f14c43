/* Staff roles granted in Passdesk's database (the Slack app adds bootstrap admins and user groups). */

export type Role = "admin" | "support";

export const ROLES: readonly Role[] = ["admin", "support"];

/** A grant in this team holds in every workspace the app serves. */
export const ANY_TEAM = "*";

export interface RoleGrant {
  teamId: string;
  slackUserId: string;
  role: Role;
  grantedBy: string | null;
  createdAt: Date;
}

export interface RoleStore {
  /** Roles granted to the user in that team or in every team. */
  rolesOf(teamId: string, slackUserId: string): Promise<Role[]>;
  /** Returns false when the grant already existed. */
  grant(grant: {
    teamId: string;
    slackUserId: string;
    role: Role;
    grantedBy: string | null;
  }): Promise<boolean>;
  /** Returns false when there was no such grant. */
  revoke(grant: { teamId: string; slackUserId: string; role: Role }): Promise<boolean>;
  list(): Promise<RoleGrant[]>;
}
