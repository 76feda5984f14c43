import { describe, expect, it } from "vitest";
import { decideSetPasswordApproval } from "../../src/approvals/decide-approval.ts";
import { expireDueApprovals } from "../../src/approvals/expire-approvals.ts";
import type { SetPasswordApproval } from "../../src/approvals/ports.ts";
import { requestSetPasswordApproval } from "../../src/approvals/request-approval.ts";
import type { Repository } from "../../src/db/stores.ts";
import type { SlackRecipient } from "../../src/password-reset/ports.ts";
import { CHANGE_EVENT_TYPES } from "../../src/webhooks/events.ts";
import { createMemoryReset } from "../support/memory-reset.ts";
import { DEFAULT_CONNECTION, silentLogger } from "../support/reset-fixture.ts";

// Four-eyes approval of /set-password, on the memory stores: asked by one admin, decided by
// another, once; nothing changes for the requester's own click, a late one or a replay.

const REQUESTER = { teamId: "T0PASSDESK", userId: "U0ADMIN" };
const APPROVER = { teamId: "T0PASSDESK", userId: "U0SECOND" };
const sealer = {
  seal: (plain: string) => `sealed:${Buffer.from(plain).toString("base64")}`,
  open: (sealed: string) => Buffer.from(sealed.slice("sealed:".length), "base64").toString(),
};

async function setUp() {
  const reset = createMemoryReset();
  const user = await reset.addUser("jane@example.com");
  const recipient: { current: SlackRecipient | null } = { current: null };
  const request = async (reason = "locked out, on the phone with the helpdesk") => {
    const requested = await requestSetPasswordApproval(
      { repo: reset.repo, clock: reset.clock, lifetimeSeconds: 30 * 60 },
      {
        target: { connection: DEFAULT_CONNECTION, email: user.email, userId: user.id },
        requester: REQUESTER,
        reason,
      },
    );
    if (!requested.ok) throw new Error(`request refused: ${requested.reason}`);
    return requested.approval;
  };
  const decide = (
    approval: SetPasswordApproval,
    decider: typeof APPROVER,
    decision: "approved" | "denied" = "approved",
  ) =>
    decideSetPasswordApproval(
      {
        repo: reset.repo,
        hasher: reset.hasher,
        clock: reset.clock,
        reveal: { sealer, lifetimeSeconds: 24 * 3600 },
        findSlackRecipient: async () => recipient.current,
      },
      { publicId: approval.publicId, decider, decision },
    );
  const hashOf = async () => (await reset.repo.users.findById(user.id))?.passwordHash;
  return { reset, user, recipient, request, decide, hashOf };
}

const actions = async (repo: Repository) =>
  (await repo.audit.tail(100)).map(({ action, outcome, actorId }) => [action, outcome, actorId]);

describe("four-eyes approval of /set-password", () => {
  it("a request approved by a second admin sets a generated password only the user can reveal", async () => {
    const { reset, user, request, decide } = await setUp();
    const approval = await request();
    const decided = await decide(approval, APPROVER);
    expect(decided).toMatchObject({ ok: true, decision: "approved" });
    if (!decided.ok || decided.decision !== "approved") return;
    expect(decided.set.generatedPassword).toBeUndefined();
    const reveal = decided.set.reveal;
    expect(reveal).toMatchObject({ channel: "email", requestedBy: "U0SECOND" });
    const taken = await reset.repo.passwordReveals.take(reveal?.id ?? 0, reset.clock.now());
    const hash = (await reset.repo.users.findById(user.id))?.passwordHash ?? "";
    expect(await reset.hasher.verify(hash, sealer.open(taken?.sealedPassword ?? ""))).toBe(true);
    expect(await reset.repo.setPasswordApprovals.findByPublicId(approval.publicId)).toMatchObject({
      status: "approved",
      decidedBy: "U0SECOND",
    });
    expect(await actions(reset.repo)).toEqual(
      expect.arrayContaining([
        ["password.set_requested", "pending", "U0ADMIN"],
        ["password.set_approved", "approved", "U0SECOND"],
        ["password.set", "success", "U0SECOND"],
      ]),
    );
    const [set] = (await reset.repo.audit.tail(100)).filter((e) => e.action === "password.set");
    expect(set?.details).toMatchObject({
      mode: "send",
      approval: approval.publicId,
      requestedBy: "U0ADMIN",
    });
  });

  it("sends the password by Slack DM when the user has a confirmed Slack account", async () => {
    const { recipient, request, decide } = await setUp();
    recipient.current = { teamId: "T0PASSDESK", userId: "U0JANE" };
    const decided = await decide(await request(), APPROVER);
    expect(decided).toMatchObject({
      ok: true,
      set: { reveal: { channel: "slack", slackUserId: "U0JANE" } },
    });
  });

  it("the requester's own approval is refused, audited, and changes nothing", async () => {
    const { reset, request, decide, hashOf } = await setUp();
    const before = await hashOf();
    const approval = await request();
    expect(await decide(approval, REQUESTER)).toMatchObject({
      ok: false,
      reason: "self_approval",
    });
    expect(await hashOf()).toBe(before);
    expect(await reset.repo.setPasswordApprovals.findByPublicId(approval.publicId)).toMatchObject({
      status: "pending",
    });
    expect(await actions(reset.repo)).toContainEqual([
      "password.approval_refused",
      "self_approval",
      "U0ADMIN",
    ]);
  });

  it("a replayed approval after the decision changes nothing", async () => {
    const { reset, request, decide, hashOf } = await setUp();
    const approval = await request();
    expect(await decide(approval, APPROVER)).toMatchObject({ ok: true });
    const after = await hashOf();
    const third = { teamId: "T0PASSDESK", userId: "U0THIRD" };
    expect(await decide(approval, third)).toMatchObject({ ok: false, reason: "not_pending" });
    expect(await decide(approval, APPROVER, "denied")).toMatchObject({
      ok: false,
      reason: "not_pending",
    });
    expect(await hashOf()).toBe(after);
    const sets = (await reset.repo.audit.tail(100)).filter((e) => e.action === "password.set");
    expect(sets).toHaveLength(1);
  });

  it("a denied request changes nothing, and cannot be approved afterwards", async () => {
    const { reset, request, decide, hashOf } = await setUp();
    const before = await hashOf();
    const approval = await request();
    expect(await decide(approval, APPROVER, "denied")).toMatchObject({
      ok: true,
      decision: "denied",
    });
    expect(await decide(approval, APPROVER)).toMatchObject({ ok: false, reason: "not_pending" });
    expect(await hashOf()).toBe(before);
    expect(await actions(reset.repo)).toContainEqual(["password.set_denied", "denied", "U0SECOND"]);
  });

  it("an expired request is closed by the job, told of once, and approves nothing", async () => {
    const { reset, request, decide, hashOf } = await setUp();
    const before = await hashOf();
    const approval = await request();
    reset.clock.advance(30 * 60_000);
    expect(await decide(approval, APPROVER)).toMatchObject({ ok: false, reason: "not_pending" });
    const told: string[] = [];
    const expiry = {
      repo: reset.repo,
      clock: reset.clock,
      logger: silentLogger,
      onExpired: async (expired: SetPasswordApproval) => void told.push(expired.publicId),
    };
    expect(await expireDueApprovals(expiry)).toBe(1);
    expect(await expireDueApprovals(expiry)).toBe(0);
    expect(told).toEqual([approval.publicId]);
    expect(await hashOf()).toBe(before);
    expect(await actions(reset.repo)).toContainEqual([
      "password.set_request_expired",
      "expired",
      null,
    ]);
  });

  it("refuses a request without a reason, or with one too long", async () => {
    const { request } = await setUp();
    await expect(request("   ")).rejects.toThrow("reason_missing");
    await expect(request("x".repeat(501))).rejects.toThrow("reason_too_long");
  });

  it("the webhook event of an approved set names the approver, the requester and the approval", async () => {
    const { reset, request, decide } = await setUp();
    await reset.repo.webhookEndpoints.add({
      id: "whk_all",
      url: "https://app.example.com/hooks",
      events: [...CHANGE_EVENT_TYPES],
      sealedSecret: "sealed",
      createdAt: new Date(0),
    });
    await decide(await request(), APPROVER);
    const [delivery] = await reset.repo.webhookDeliveries.recent(10);
    expect(delivery?.event).toMatchObject({
      type: "password.changed",
      data: { by: { type: "staff", id: "U0SECOND", via: "approval", requested_by: "U0ADMIN" } },
    });
  });
});
