import { describe, expect, it } from "vitest";
import { CALLBACK_IDS, MANAGE_ROLES_BLOCKS } from "../../../src/slack/contract.ts";
import {
  buildManageRolesModal,
  readManageRolesSubmission,
} from "../../../src/slack/roles/modal.ts";
import {
  blockById,
  expectWithinSlackLimits,
  type Json,
  textsOf,
} from "../../support/slack-blocks.ts";

describe("buildManageRolesModal", () => {
  const view = buildManageRolesModal({
    admins: ["U0ADMIN", "U0BOOT"],
    support: ["U0SUP1", "U0SUP2"],
    bootstrapAdmins: ["U0BOOT"],
  });

  it("has a user picker per role, prefilled, optional, with bootstrap admins listed apart", () => {
    expect(view.callback_id).toBe(CALLBACK_IDS.manageRolesModal);
    expect(view.submit).toBeDefined();
    expectWithinSlackLimits(view);
    const admins = blockById(view, MANAGE_ROLES_BLOCKS.admins);
    const support = blockById(view, MANAGE_ROLES_BLOCKS.support);
    for (const block of [admins, support]) {
      expect(block.optional).toBe(true);
      expect(block.element).toMatchObject({ type: "multi_users_select", action_id: "value" });
    }
    expect((admins.element as Json).initial_users).toEqual(["U0ADMIN"]);
    expect((support.element as Json).initial_users).toEqual(["U0SUP1", "U0SUP2"]);
    expect(textsOf(view.blocks).join("\n")).toMatch(/SLACK_ADMIN_USERS[\s\S]*<@U0BOOT>/);
  });

  it("omits initial_users for an empty role", () => {
    const empty = buildManageRolesModal({ admins: [], support: [], bootstrapAdmins: [] });
    expect(
      (blockById(empty, MANAGE_ROLES_BLOCKS.support).element as Json).initial_users,
    ).toBeUndefined();
  });

  it("reads the chosen users and drops forged or malformed ones", () => {
    expect(
      readManageRolesSubmission({
        [MANAGE_ROLES_BLOCKS.admins]: {
          value: { type: "multi_users_select", selected_users: ["U0A", "U0A", "<!channel>", 7] },
        },
        [MANAGE_ROLES_BLOCKS.support]: { value: { selected_users: "U0B" } },
      }),
    ).toEqual({ admins: ["U0A"], support: [] });
    for (const forged of [null, "x", [], { admins: null }, { support: { value: null } }]) {
      expect(readManageRolesSubmission(forged)).toEqual({ admins: [], support: [] });
    }
  });
});
