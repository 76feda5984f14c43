import type { Clock } from "../clock.ts";
import type { Role, RoleStore } from "../roles/ports.ts";
import type { SlackActor } from "./actor.ts";

export interface RoleSources {
  grants: Pick<RoleStore, "rolesOf">;
  /** SLACK_ADMIN_USERS: admins in every workspace, whatever the database says. */
  bootstrapAdmins: readonly string[];
  usergroups: { admin?: string | undefined; support?: string | undefined };
  listUsergroupMembers(usergroupId: string): Promise<string[]>;
  clock: Clock;
  usergroupCacheMillis?: number;
}

export interface RoleResolver {
  /** Every role the actor holds now; looked up afresh (user groups cached briefly) on each call. */
  rolesOf(actor: SlackActor): Promise<Set<Role>>;
}

export function createRoleResolver(sources: RoleSources): RoleResolver {
  const cacheMillis = sources.usergroupCacheMillis ?? 60_000;
  const cache = new Map<string, { members: Set<string>; until: number }>();

  async function membersOf(usergroupId: string): Promise<Set<string>> {
    const now = sources.clock.now().getTime();
    const cached = cache.get(usergroupId);
    if (cached && cached.until > now) return cached.members;
    const members = new Set(await sources.listUsergroupMembers(usergroupId));
    cache.set(usergroupId, { members, until: now + cacheMillis });
    return members;
  }

  async function inUsergroup(usergroupId: string | undefined, userId: string): Promise<boolean> {
    if (!usergroupId) return false;
    try {
      return (await membersOf(usergroupId)).has(userId);
    } catch {
      // Slack unreachable: fall back to the other sources rather than granting or failing.
      return false;
    }
  }

  return {
    async rolesOf({ teamId, userId }) {
      const roles = new Set<Role>(await sources.grants.rolesOf(teamId, userId));
      if (sources.bootstrapAdmins.includes(userId)) roles.add("admin");
      if (await inUsergroup(sources.usergroups.admin, userId)) roles.add("admin");
      if (await inUsergroup(sources.usergroups.support, userId)) roles.add("support");
      return roles;
    },
  };
}

/** Support staff send reset emails; admins may do everything support may, and more. */
export function canRequestReset(roles: Set<Role>): boolean {
  return roles.has("support") || roles.has("admin");
}

export function canAdminister(roles: Set<Role>): boolean {
  return roles.has("admin");
}
