import { describe, expect, it } from "vitest";
import { auth0LogType, type ExportedEntry, toJsonLine, toOcsf } from "../../src/audit/export.ts";

const entry = (action: string, outcome: string, details = {}): ExportedEntry => ({
  id: 41,
  seq: 40,
  hash: "a".repeat(64),
  at: new Date("2026-12-06T12:00:00.000Z"),
  actorType: "user",
  actorId: null,
  action,
  outcome,
  targetEmail: "jane@example.com",
  connection: "Username-Password-Authentication",
  requestId: "req_1",
  details,
  slackAttempts: 0,
});

describe("audit export", () => {
  it("maps a completed reset to OCSF 3001 Password Reset, with Auth0's scp beside", () => {
    expect(toOcsf(entry("password_reset.completed", "success"))).toMatchObject({
      class_uid: 3001,
      category_uid: 3,
      activity_id: 4,
      type_uid: 300104,
      status_id: 1,
      time: Date.parse("2026-12-06T12:00:00.000Z"),
      user: { email_addr: "jane@example.com" },
      metadata: { uid: "41", correlation_uid: "req_1", product: { name: "Passdesk" } },
      unmapped: { auth0_log_type: "scp", chain: { seq: 40, hash: "a".repeat(64) } },
    });
  });

  it("maps an administrator's password change to 3001 Password Change", () => {
    expect(toOcsf(entry("password.set", "success"))).toMatchObject({
      class_uid: 3001,
      activity_id: 3,
      type_uid: 300103,
    });
  });

  it("maps a reset request refused to a failure with Auth0's fcpr", () => {
    const event = toOcsf(entry("password_reset.requested", "refused"));
    expect(event).toMatchObject({ activity_id: 4, status_id: 2, status_detail: "refused" });
    expect(auth0LogType(entry("password_reset.requested", "queued"))).toBe("scpr");
  });

  it("maps lockouts and unblocks to Lock and Unlock, sign-ins to 3002, keeping recorded codes", () => {
    const lock = entry("sign_in.blocked", "blocked", { logType: "limit_wc" });
    expect(toOcsf(lock)).toMatchObject({ class_uid: 3001, activity_id: 9 });
    expect(auth0LogType(lock)).toBe("limit_wc");
    expect(toOcsf(entry("sign_in.unblocked", "success"))).toMatchObject({ activity_id: 12 });
    expect(toOcsf(entry("sign_in", "refused", { logType: "fp" }))).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      unmapped: { auth0_log_type: "fp" },
    });
  });

  it("maps other changes to 3004 Entity Management", () => {
    expect(toOcsf(entry("connection.policy_changed", "success"))).toMatchObject({
      class_uid: 3004,
      activity_id: 3,
    });
  });

  it("writes JSON lines with every field and the chain's position", () => {
    expect(toJsonLine(entry("password.set", "success"))).toEqual({
      id: 41,
      seq: 40,
      hash: "a".repeat(64),
      at: "2026-12-06T12:00:00.000Z",
      actor: { type: "user", id: null },
      action: "password.set",
      outcome: "success",
      target_email: "jane@example.com",
      connection: "Username-Password-Authentication",
      request_id: "req_1",
      details: {},
      auth0_log_type: "scp",
    });
  });
});
