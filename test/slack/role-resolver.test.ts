import { describe, expect, it } from "vitest";
import { ANY_TEAM, type Role } from "../../src/roles/ports.ts";
import {
  canAdminister,
  canRequestReset,
  createRoleResolver,
  type RoleSources,
} from "../../src/slack/role-resolver.ts";
import { createManualClock } from "../support/clock.ts";

type Grant = { teamId: string; slackUserId: string; role: Role };

/** Grants held in memory, read as the Drizzle role store reads them: this team or every team. */
function createMemoryGrants(grants: Grant[] = []) {
  const lookups: Array<[string, string]> = [];
  return {
    grants,
    lookups,
    async rolesOf(teamId: string, slackUserId: string): Promise<Role[]> {
      lookups.push([teamId, slackUserId]);
      return grants
        .filter(
          (grant) => grant.slackUserId === slackUserId && [teamId, ANY_TEAM].includes(grant.teamId),
        )
        .map((grant) => grant.role);
    },
  };
}

/** A stand-in for usergroups.users.list that counts its calls and can be told to fail. */
function createUsergroups(members: Record<string, string[]>) {
  const state = { calls: [] as string[], failing: false, members };
  return {
    state,
    async list(usergroupId: string): Promise<string[]> {
      state.calls.push(usergroupId);
      if (state.failing) throw new Error("slack unreachable");
      const found = state.members[usergroupId];
      if (!found) throw new Error("no_such_subteam");
      return found;
    },
  };
}

function setUp(overrides: Partial<RoleSources> = {}, grants: Grant[] = []) {
  const clock = createManualClock(new Date("2030-01-01T00:00:00Z"));
  const memory = createMemoryGrants(grants);
  const usergroups = createUsergroups({ S0ADMINS: ["U0GROUPADMIN"], S0SUPPORT: ["U0GROUPSUP"] });
  const resolver = createRoleResolver({
    grants: memory,
    bootstrapAdmins: ["U0BOOT"],
    usergroups: {},
    listUsergroupMembers: usergroups.list,
    clock,
    ...overrides,
  });
  const rolesOf = async (userId: string, teamId = "T0001") =>
    [...(await resolver.rolesOf({ teamId, userId }))].sort();
  return { clock, memory, usergroups, resolver, rolesOf };
}

describe("createRoleResolver", () => {
  it("gives nobody a role by default", async () => {
    const { rolesOf } = setUp();

    expect(await rolesOf("U0NOBODY")).toEqual([]);
  });

  it("makes SLACK_ADMIN_USERS admins in every workspace, whatever the database says", async () => {
    const { rolesOf } = setUp();

    expect(await rolesOf("U0BOOT", "T0001")).toEqual(["admin"]);
    expect(await rolesOf("U0BOOT", "T0OTHER")).toEqual(["admin"]);
  });

  it("reads database grants with the requester's own team and user IDs", async () => {
    const { rolesOf, memory } = setUp({}, [
      { teamId: "T0001", slackUserId: "U0SUP", role: "support" },
      { teamId: ANY_TEAM, slackUserId: "U0ADM", role: "admin" },
    ]);

    expect(await rolesOf("U0SUP", "T0001")).toEqual(["support"]);
    expect(await rolesOf("U0SUP", "T0OTHER")).toEqual([]);
    expect(await rolesOf("U0ADM", "T0OTHER")).toEqual(["admin"]);
    expect(memory.lookups).toEqual([
      ["T0001", "U0SUP"],
      ["T0OTHER", "U0SUP"],
      ["T0OTHER", "U0ADM"],
    ]);
  });

  it("looks grants up afresh on every check, so a revoked role stops working at once", async () => {
    const { rolesOf, memory } = setUp({}, [
      { teamId: "T0001", slackUserId: "U0SUP", role: "support" },
    ]);
    expect(await rolesOf("U0SUP")).toEqual(["support"]);

    memory.grants.length = 0;

    expect(await rolesOf("U0SUP")).toEqual([]);
  });

  it("adds the roles of the configured user groups", async () => {
    const { rolesOf } = setUp({ usergroups: { admin: "S0ADMINS", support: "S0SUPPORT" } });

    expect(await rolesOf("U0GROUPADMIN")).toEqual(["admin"]);
    expect(await rolesOf("U0GROUPSUP")).toEqual(["support"]);
    expect(await rolesOf("U0NOBODY")).toEqual([]);
  });

  it("never asks Slack about user groups when none is configured", async () => {
    const { rolesOf, usergroups } = setUp();

    await rolesOf("U0GROUPADMIN");

    expect(usergroups.state.calls).toEqual([]);
  });

  it("caches each group's members for a minute, then asks Slack again", async () => {
    const { rolesOf, usergroups, clock } = setUp({ usergroups: { support: "S0SUPPORT" } });
    await rolesOf("U0GROUPSUP");
    await rolesOf("U0NOBODY");
    clock.advance(59_999);
    usergroups.state.members.S0SUPPORT = ["U0NOBODY"];

    expect(await rolesOf("U0NOBODY")).toEqual([]);
    expect(usergroups.state.calls).toEqual(["S0SUPPORT"]);

    clock.advance(1);

    expect(await rolesOf("U0NOBODY")).toEqual(["support"]);
    expect(await rolesOf("U0GROUPSUP")).toEqual([]);
    expect(usergroups.state.calls).toEqual(["S0SUPPORT", "S0SUPPORT"]);
  });

  it("honours an injected cache lifetime, per group", async () => {
    const { rolesOf, usergroups, clock } = setUp({
      usergroups: { admin: "S0ADMINS", support: "S0SUPPORT" },
      usergroupCacheMillis: 5_000,
    });
    await rolesOf("U0GROUPADMIN");
    clock.advance(4_999);
    await rolesOf("U0GROUPADMIN");
    expect(usergroups.state.calls).toEqual(["S0ADMINS", "S0SUPPORT"]);

    clock.advance(1);
    await rolesOf("U0GROUPADMIN");

    expect(usergroups.state.calls).toEqual(["S0ADMINS", "S0SUPPORT", "S0ADMINS", "S0SUPPORT"]);
  });

  it("grants nothing from a group Slack cannot list, keeps the other sources, and retries next time", async () => {
    const { rolesOf, usergroups } = setUp({ usergroups: { admin: "S0ADMINS" } }, [
      { teamId: "T0001", slackUserId: "U0GROUPADMIN", role: "support" },
    ]);
    usergroups.state.failing = true;

    expect(await rolesOf("U0GROUPADMIN")).toEqual(["support"]);
    expect(await rolesOf("U0BOOT")).toEqual(["admin"]);

    usergroups.state.failing = false;

    expect(await rolesOf("U0GROUPADMIN")).toEqual(["admin", "support"]);
    expect(usergroups.state.calls).toEqual(["S0ADMINS", "S0ADMINS", "S0ADMINS"]);
  });
});

describe("what each role may do", () => {
  it("lets support and admins request resets, and only admins administer", () => {
    const none = new Set<Role>();
    const support = new Set<Role>(["support"]);
    const admin = new Set<Role>(["admin"]);

    expect([none, support, admin].map(canRequestReset)).toEqual([false, true, true]);
    expect([none, support, admin].map(canAdminister)).toEqual([false, false, true]);
  });
});
