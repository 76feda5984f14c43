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

  it("nothing without a channel", () => {
    const none = createAuditChannelFilter({ hasChannel: false, publicRequests: true });
    expect(none(signup("success"))).toBe(false);
  });
});
