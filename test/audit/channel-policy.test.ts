import { describe, expect, it } from "vitest";
import { createAuditChannelFilter } from "../../src/audit/channel-policy.ts";
import type { AuditEntry } from "../../src/audit/ports.ts";

const signup = (outcome: string): AuditEntry => ({
  actorType: "public",
  actorId: "203.0.113.9",
  action: "signup",
  outcome,
  targetEmail: "new@example.com",
  details: outcome === "success" ? { logType: "ss" } : { logType: "fs", reason: "user_exists" },
});
const resetRequest: AuditEntry = {
  actorType: "public",
  action: "password_reset.requested",
  outcome: "rate_limited",
};

describe("which audit entries the audit channel gets", () => {
  it("every account created by signup, but refused signups only with public requests", () => {
    const quiet = createAuditChannelFilter({ hasChannel: true, publicRequests: false });
    expect(quiet(signup("success"))).toBe(true);
    expect(quiet(signup("failure"))).toBe(false);
    expect(quiet(resetRequest)).toBe(false);
    const chatty = createAuditChannelFilter({ hasChannel: true, publicRequests: true });
    expect(chatty(signup("failure"))).toBe(true);
    expect(chatty(resetRequest)).toBe(true);
  });

  it("a user securing their account, whatever the settings: staff must act on it", () => {
    const secured: AuditEntry = {
      actorType: "user",
      actorId: "7",
      action: "user.secured",
      outcome: "blocked",
    };
    const quiet = createAuditChannelFilter({
      hasChannel: true,
      publicRequests: false,
      signInEvents: [],
    });
    expect(quiet(secured)).toBe(true);
    expect(quiet({ ...secured, action: "sign_in.unblocked" })).toBe(false);
    expect(createAuditChannelFilter({ hasChannel: false, publicRequests: true })(secured)).toBe(
      false,
    );
  });

  it("nothing without a channel", () => {
    const none = createAuditChannelFilter({ hasChannel: false, publicRequests: true });
    expect(none(signup("success"))).toBe(false);
  });

  it("lockouts, unblocks, throttles and signups as SLACK_AUDIT_SIGN_IN_EVENTS says; never sign-ins", () => {
    const entry = (action: string, outcome = "success"): AuditEntry => ({
      actorType: "public",
      actorId: "203.0.113.9",
      action,
      outcome,
    });
    const all = createAuditChannelFilter({ hasChannel: true, publicRequests: true });
    for (const action of ["sign_in.blocked", "sign_in.unblocked", "sign_in.ip_throttled"]) {
      expect(all(entry(action))).toBe(true);
    }
    for (const action of ["sign_in", "refresh_token.reused", "refresh_token.revoked"]) {
      expect(all(entry(action))).toBe(false);
      expect(all(entry(action, "failed"))).toBe(false);
    }
    const lockoutsOnly = createAuditChannelFilter({
      hasChannel: true,
      publicRequests: true,
      signInEvents: ["lockouts"],
    });
    expect(lockoutsOnly(entry("sign_in.blocked"))).toBe(true);
    expect(lockoutsOnly(entry("sign_in.unblocked"))).toBe(false);
    expect(lockoutsOnly({ ...entry("sign_in.unblocked"), actorType: "slack" })).toBe(false);
    expect(lockoutsOnly(signup("success"))).toBe(false);
    expect(lockoutsOnly(resetRequest)).toBe(true);
  });
});
