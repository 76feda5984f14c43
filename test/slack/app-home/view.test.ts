import { describe, expect, it } from "vitest";
import { buildAppHome } from "../../../src/slack/app-home/view.ts";
import { ACTION_IDS, COMMANDS } from "../../../src/slack/contract.ts";
import {
  blocksOf,
  expectWithinSlackLimits,
  type Json,
  textsOf,
} from "../../support/slack-blocks.ts";

describe("buildAppHome", () => {
  const home = (roles: { admin: boolean; support: boolean }) =>
    buildAppHome({ userId: "U0ME", roles, defaultConnection: "Username-Password" });
  const buttons = (view: { blocks: unknown[] }) =>
    blocksOf(view).flatMap((block) => {
      const accessory = block.accessory as Json | undefined;
      return accessory?.type === "button" ? [accessory.action_id] : [];
    });

  it("shows support staff /reset-password, escaped so Slack does not read it as a link", () => {
    const view = home({ admin: false, support: true });
    expect(view.type).toBe("home");
    expect(blocksOf(view)[0]).toMatchObject({ type: "header", text: { text: "Passdesk" } });
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain(`${COMMANDS.resetPassword} &lt;email | @user&gt; [connection]`);
    expect(texts).toContain("Username-Password");
    expect(texts).not.toContain(COMMANDS.setPassword);
    expect(buttons(view)).toEqual([]);
    expectWithinSlackLimits(view);
  });

  it("shows admins both commands and the Manage roles button", () => {
    const view = home({ admin: true, support: false });
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain(COMMANDS.resetPassword);
    expect(texts).toContain(COMMANDS.setPassword);
    expect(buttons(view)).toEqual([ACTION_IDS.openManageRoles]);
  });

  it("lists admins the passwords still waiting for their user, and only admins", () => {
    const waitingReveals = [
      {
        email: "jane@example.com",
        connection: "Username-Password",
        requestedBy: "U0OTHER",
        channel: "slack" as const,
        expiresAt: new Date("2026-12-08T10:00:00Z"),
      },
    ];
    const admin = buildAppHome({
      userId: "U0ME",
      roles: { admin: true, support: false },
      defaultConnection: "Username-Password",
      waitingReveals,
    });
    const texts = textsOf(admin.blocks).join("\n");
    expect(texts).toContain("*Waiting for the user*");
    expect(texts).toContain("jane@example.com");
    expect(texts).toContain("<@U0OTHER>");
    expect(texts).toContain("Slack DM");
    expectWithinSlackLimits(admin);
    const support = buildAppHome({
      userId: "U0ME",
      roles: { admin: false, support: true },
      defaultConnection: "Username-Password",
      waitingReveals,
    });
    expect(textsOf(support.blocks).join("\n")).not.toContain("jane@example.com");
  });

  it("tells a user without a role that they have none and whom to ask", () => {
    const view = buildAppHome({
      userId: "U0ME",
      roles: { admin: false, support: false },
      defaultConnection: "Username-Password",
      adminUserIds: ["U0BOOT"],
    });
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain("You have no Passdesk role");
    expect(texts).toContain("<@U0BOOT>");
    expect(texts).not.toContain(COMMANDS.resetPassword);
    expect(buttons(view)).toEqual([]);
  });
});
