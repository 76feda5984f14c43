import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../src/audit/ports.ts";
import { applyRoleChanges } from "../../src/roles/apply-role-changes.ts";
import { ANY_TEAM, type Role, type RoleGrant, type RoleStore } from "../../src/roles/ports.ts";
import { listRoleHolders } from "../../src/roles/team-grants.ts";

type Grant = Pick<RoleGrant, "teamId" | "slackUserId" | "role">;

/** A RoleStore in memory, with an audit log beside it. */
function createMemoryRoles(initial: Grant[]) {
  let grants: RoleGrant[] = initial.map((grant) => ({
    ...grant,
    grantedBy: null,
    createdAt: new Date(0),
  }));
  const audited: AuditEntry[] = [];
  const same = (a: Grant, b: Grant) =>
    a.teamId === b.teamId && a.slackUserId === b.slackUserId && a.role === b.role;
  const roles: Pick<RoleStore, "list" | "grant" | "revoke"> = {
    list: async () => grants,
    async grant(grant) {
      if (grants.some((held) => same(held, grant))) return false;
      grants = [...grants, { ...grant, createdAt: new Date(0) }];
      return true;
    },
    async revoke(grant) {
      const before = grants.length;
      grants = grants.filter((held) => !same(held, grant));
      return grants.length < before;
    },
  };
  const audit = { record: async (entry: AuditEntry) => void audited.push(entry) };
  const held = () =>
    grants.map((grant) => `${grant.teamId}:${grant.slackUserId}:${grant.role}`).sort();
  return { stores: { roles, audit }, audited, held };
}

const ACTOR = { teamId: "T1", userId: "U0ADMIN" };

function want(admin: string[], support: string[]): Record<Role, string[]> {
  return { admin, support };
}

describe("applyRoleChanges", () => {
  it("grants the new and revokes the removed in the actor's team, auditing each", async () => {
    const memory = createMemoryRoles([
      { teamId: "T1", slackUserId: "U0OLD", role: "support" },
      { teamId: "T1", slackUserId: "U0KEPT", role: "admin" },
    ]);

    const applied = await applyRoleChanges(memory.stores, {
      actor: ACTOR,
      wanted: want(["U0KEPT"], ["U0NEW"]),
      bootstrapAdmins: [],
    });

    expect(applied).toEqual({
      granted: [{ role: "support", slackUserId: "U0NEW" }],
      revoked: [{ role: "support", slackUserId: "U0OLD" }],
    });
    expect(memory.held()).toEqual(["T1:U0KEPT:admin", "T1:U0NEW:support"]);
    expect(memory.audited.map((entry) => [entry.action, entry.details])).toEqual([
      ["role.granted", { role: "support", slackUserId: "U0NEW", teamId: "T1" }],
      ["role.revoked", { role: "support", slackUserId: "U0OLD", teamId: "T1" }],
    ]);
    expect(memory.audited.every((entry) => entry.actorId === ACTOR.userId)).toBe(true);
  });

  it("leaves other teams' grants alone, and revokes an every-team grant the editor removed", async () => {
    const memory = createMemoryRoles([
      { teamId: "T2", slackUserId: "U0ELSEWHERE", role: "admin" },
      { teamId: ANY_TEAM, slackUserId: "U0EVERYWHERE", role: "support" },
    ]);

    const applied = await applyRoleChanges(memory.stores, {
      actor: ACTOR,
      wanted: want([], []),
      bootstrapAdmins: [],
    });

    expect(applied.revoked).toEqual([{ role: "support", slackUserId: "U0EVERYWHERE" }]);
    expect(memory.held()).toEqual(["T2:U0ELSEWHERE:admin"]);
  });

  it("never revokes a bootstrap admin's admin grant, which the picker does not show", async () => {
    const memory = createMemoryRoles([
      { teamId: "T1", slackUserId: "U0BOOT", role: "admin" },
      { teamId: "T1", slackUserId: "U0BOOT", role: "support" },
    ]);

    const applied = await applyRoleChanges(memory.stores, {
      actor: ACTOR,
      wanted: want([], []),
      bootstrapAdmins: ["U0BOOT"],
    });

    expect(applied).toEqual({
      granted: [],
      revoked: [{ role: "support", slackUserId: "U0BOOT" }],
    });
    expect(memory.held()).toEqual(["T1:U0BOOT:admin"]);
  });

  it("changes and audits nothing when the grants already match", async () => {
    const memory = createMemoryRoles([{ teamId: ANY_TEAM, slackUserId: "U0A", role: "admin" }]);

    const applied = await applyRoleChanges(memory.stores, {
      actor: ACTOR,
      wanted: want(["U0A"], []),
      bootstrapAdmins: [],
    });

    expect(applied).toEqual({ granted: [], revoked: [] });
    expect(memory.audited).toEqual([]);
  });
});

describe("listRoleHolders", () => {
  it("lists each role's holders in a team, every-team grants included, each user once", async () => {
    const memory = createMemoryRoles([
      { teamId: "T1", slackUserId: "U0A", role: "admin" },
      { teamId: ANY_TEAM, slackUserId: "U0A", role: "admin" },
      { teamId: ANY_TEAM, slackUserId: "U0S", role: "support" },
      { teamId: "T2", slackUserId: "U0OTHER", role: "support" },
    ]);

    expect(await listRoleHolders(memory.stores.roles, "T1")).toEqual({
      admin: ["U0A"],
      support: ["U0S"],
    });
  });
});
