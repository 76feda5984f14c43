import { describe, expect, it } from "vitest";
import type { SetPasswordApproval } from "../../../src/approvals/ports.ts";
import {
  buildApprovalCard,
  buildClosedCard,
  buildRequesterNotice,
} from "../../../src/slack/approval/card.ts";
import { ACTION_IDS } from "../../../src/slack/contract.ts";

const pending: SetPasswordApproval = {
  id: 7,
  publicId: "apr_abc",
  userId: 3,
  connection: "Username-Password-Authentication",
  requester: { teamId: "T0PASSDESK", userId: "U0ADMIN" },
  reason: "locked out <!channel> & *urgent*",
  status: "pending",
  decidedBy: null,
  decidedAt: null,
  expiresAt: new Date("2026-04-01T00:30:00Z"),
  cardChannel: null,
  cardTs: null,
  createdAt: new Date("2026-04-01T00:00:00Z"),
};

describe("the approval card", () => {
  it("masks the target, escapes the reason, and carries only the public id on its buttons", () => {
    const card = buildApprovalCard(pending, "jane.doe@example.com");
    const json = JSON.stringify(card);
    expect(json).not.toContain("jane.doe");
    expect(json).toContain("j•••@example.com");
    expect(json).toContain("<@U0ADMIN>");
    expect(json).not.toContain("<!channel>");
    expect(json).toContain("&lt;!channel&gt; &amp; *urgent*");
    const actions = card.blocks.find((block) => block.type === "actions");
    expect(actions).toMatchObject({
      elements: [
        { action_id: ACTION_IDS.approveSetPassword, style: "primary", value: "apr_abc" },
        { action_id: ACTION_IDS.denySetPassword, style: "danger", value: "apr_abc" },
      ],
    });
  });

  it("once decided, says by whom and keeps no button", () => {
    const approved = { ...pending, status: "approved" as const, decidedBy: "U0SECOND" };
    const card = buildClosedCard(approved, "jane.doe@example.com");
    expect(card.blocks.some((block) => block.type === "actions")).toBe(false);
    expect(JSON.stringify(card)).toContain("Approved by <@U0SECOND>");
    expect(JSON.stringify(buildClosedCard({ ...pending, status: "expired" }, "j@x.io"))).toContain(
      "Expired",
    );
  });

  it("tells the requester the outcome, without a password", () => {
    const denied = { ...pending, status: "denied" as const, decidedBy: "U0SECOND" };
    expect(buildRequesterNotice(denied, "jane.doe@example.com").text).toContain(
      "Denied by <@U0SECOND>",
    );
  });
});
