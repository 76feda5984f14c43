import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog } from "../../../src/db/schema.ts";
import { ACTION_IDS, CALLBACK_IDS, MANAGE_ROLES_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import { appHomeOpenedEvent, createTriggerId } from "../../support/slack-requests.ts";
import { blockIds, manageRolesState, type OpenedView, viewOf } from "../../support/slack-views.ts";

const NEW_ADMIN = "U0NEWADMIN";
const NEW_SUPPORT = "U0NEWSUP";
const GROUP_MEMBER = "U0GROUPIE";
const SUPPORT_GROUP = "S0SUPPORT";

describe.each(backends)("roles in Slack on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      env: { SLACK_SUPPORT_USERGROUP: SUPPORT_GROUP },
      async seed(repo) {
        await createTestUser(repo, "jane@example.com", { name: "Jane Doe" });
      },
    });
    slack.fake.setUsergroup(SUPPORT_GROUP, [GROUP_MEMBER]);
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  async function openHome(userId: string): Promise<string> {
    const response = await slack.send(
      JSON.stringify(appHomeOpenedEvent({ userId, teamId: SLACK.teamId })),
    );
    expect(response.status).toBe(200);
    const published = await slack.fake.waitForCall(
      "views.publish",
      (call) => call.args.user_id === userId,
    );
    expect(viewOf(published)).toMatchObject({ type: "home" });
    return JSON.stringify(viewOf(published).blocks);
  }

  function clickManageRoles(userId: string, triggerId = createTriggerId()) {
    return slack.action({
      userId,
      teamId: SLACK.teamId,
      actionId: ACTION_IDS.openManageRoles,
      blockId: "roles",
      triggerId,
      view: { type: "home", viewId: "VHOME" },
    });
  }

  function submitRoles(
    roles: { admins: string[]; support: string[] },
    userId: string = STAFF.admin,
  ) {
    return slack.submitView({
      userId,
      teamId: SLACK.teamId,
      callbackId: CALLBACK_IDS.manageRolesModal,
      values: manageRolesState(roles),
    });
  }

  async function resetReply(userId: string): Promise<string> {
    return (await (await slack.command(userId, "/reset-password", "jane@example.com")).reply())
      .text;
  }

  describe("the App Home tab", () => {
    it("shows an admin both commands and the Manage roles button", async () => {
      const home = await openHome(STAFF.admin);

      expect(home).toContain(`"action_id":"${ACTION_IDS.openManageRoles}"`);
      expect(home).toContain("Manage roles");
      expect(home).toContain("/set-password");
    });

    it("shows support staff /reset-password, without admin tools", async () => {
      const home = await openHome(STAFF.support);

      expect(home).toContain("/reset-password");
      expect(home).not.toContain(ACTION_IDS.openManageRoles);
      expect(home).not.toContain("/set-password");
    });

    it("tells a user without a role whom to ask, with no button", async () => {
      const home = await openHome(STAFF.nobody);

      expect(home).toContain("You have no Passdesk role");
      expect(home).toContain(`<@${STAFF.admin}>`);
      expect(home).not.toContain(ACTION_IDS.openManageRoles);
    });
  });

  describe("the Manage roles modal", () => {
    it("opens for an admin with the click's trigger_id, prefilled from the database", async () => {
      const triggerId = createTriggerId();

      expect((await clickManageRoles(STAFF.admin, triggerId)).status).toBe(200);

      const opened = await slack.fake.waitForCall("views.open");
      expect(opened.args.trigger_id).toBe(triggerId);
      const view: OpenedView = viewOf(opened);
      expect(view.callback_id).toBe(CALLBACK_IDS.manageRolesModal);
      expect(blockIds(view)).toEqual([MANAGE_ROLES_BLOCKS.admins, MANAGE_ROLES_BLOCKS.support]);
      const [admins, support] = view.blocks as Array<{ element: { initial_users?: string[] } }>;
      expect(admins?.element.initial_users).toBeUndefined();
      expect(support?.element.initial_users).toEqual([STAFF.support]);
      expect(JSON.stringify(view.blocks)).toContain(`Always admins, from`);
    });

    it("does not open for support staff, and audits the attempt", async () => {
      await clickManageRoles(STAFF.support);

      const message = await slack.waitForAuditMessage("<@U0SUPPORT> was denied access");
      expect(message.args.text).toBe("<@U0SUPPORT> was denied access (denied)");
      expect(slack.fake.calls("views.open")).toEqual([]);
    });

    it("grants the roles chosen, audits each grant, and the new roles work at once", async () => {
      const submitted = await submitRoles({
        admins: [NEW_ADMIN],
        support: [STAFF.support, NEW_SUPPORT, "not-a-user-id"],
      });

      expect(submitted.response.status).toBe(200);
      expect(submitted.raw).toBe("");
      await slack.waitForAuditMessage(`granted the *admin* role to <@${NEW_ADMIN}>`);
      await slack.waitForAuditMessage(`granted the *support* role to <@${NEW_SUPPORT}>`);
      expect(await resetReply(NEW_SUPPORT)).toContain("queued");
      const roles = await slack.inspect((repo) => repo.roles.list());
      expect(
        roles.map(({ slackUserId, role, teamId, grantedBy }) => ({
          slackUserId,
          role,
          teamId,
          grantedBy,
        })),
      ).toEqual([
        { slackUserId: NEW_ADMIN, role: "admin", teamId: SLACK.teamId, grantedBy: STAFF.admin },
        { slackUserId: NEW_SUPPORT, role: "support", teamId: SLACK.teamId, grantedBy: STAFF.admin },
        { slackUserId: STAFF.support, role: "support", teamId: SLACK.teamId, grantedBy: null },
      ]);
      const setPassword = await slack.command(NEW_ADMIN, "/set-password", "jane@example.com");
      expect(setPassword.response.status).toBe(200);
      await slack.fake.waitForCall("views.open");
    });

    it("changes nothing on a forged submission from support staff, and audits it", async () => {
      const forged = await submitRoles({ admins: [STAFF.support], support: [] }, STAFF.support);

      expect(forged.body).toEqual({
        response_action: "errors",
        errors: { [MANAGE_ROLES_BLOCKS.admins]: "Only Passdesk admins can manage roles." },
      });
      await slack.waitForAuditMessage("<@U0SUPPORT> was denied access");
      const setPassword = await slack.command(STAFF.support, "/set-password", "jane@example.com");
      expect((await setPassword.reply()).text).toBe("Only Passdesk *admins* can set passwords.");
      expect(await resetReply(NEW_SUPPORT)).toContain("queued");
    });

    it("revokes the roles removed, audits each, and the revoked role stops working at once", async () => {
      await submitRoles({ admins: [], support: [STAFF.support] });

      await slack.waitForAuditMessage(`revoked the *admin* role from <@${NEW_ADMIN}>`);
      await slack.waitForAuditMessage(`revoked the *support* role from <@${NEW_SUPPORT}>`);
      expect(await resetReply(NEW_SUPPORT)).toContain("You need the *support* or *admin* role");
      const after = await slack.inspect(async (repo, db) => ({
        roles: await repo.roles.list(),
        changes: await db.select().from(auditLog).where(eq(auditLog.actorId, STAFF.admin)),
        denials: await db.select().from(auditLog).where(eq(auditLog.action, "access.denied")),
      }));
      expect(after.roles.map((grant) => [grant.slackUserId, grant.role])).toEqual([
        [STAFF.support, "support"],
      ]);
      const forged = after.denials.filter(
        (row) => row.details.attempted === CALLBACK_IDS.manageRolesModal,
      );
      expect(forged.map((row) => row.actorId)).toEqual([STAFF.support]);
      const roleChanges = after.changes
        .filter((row) => row.action.startsWith("role."))
        .map((row) => [row.action, row.details.role, row.details.slackUserId]);
      expect(roleChanges).toEqual([
        ["role.granted", "admin", NEW_ADMIN],
        ["role.granted", "support", NEW_SUPPORT],
        ["role.revoked", "admin", NEW_ADMIN],
        ["role.revoked", "support", NEW_SUPPORT],
      ]);
    });
  });

  describe("user groups", () => {
    it("give support to members of SLACK_SUPPORT_USERGROUP, without a grant", async () => {
      expect(await resetReply(GROUP_MEMBER)).toContain("queued");
      expect(await resetReply("U0OUTSIDER")).toContain("You need the *support* or *admin* role");
    });
  });
});
