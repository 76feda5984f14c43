import type { AuditEntry } from "./ports.ts";

export interface AuditChannelPolicy {
  /** Whether an audit channel is configured at all. */
  hasChannel: boolean;
  /** SLACK_AUDIT_PUBLIC_REQUESTS: public reset requests too (they can be many). */
  publicRequests: boolean;
}

// Support acts on these from the channel (the block's Unblock button); there are few of them.
const SIGN_IN_ACTIONS = new Set(["sign_in.blocked", "sign_in.unblocked", "sign_in.ip_throttled"]);

/**
 * Which audit entries are also posted to the audit channel: what staff did in Slack, every
 * completed reset, every account created by signup, and sign-in blocks, unblocks and throttled
 * IPs; other public requests (refused signups included) only when asked for, as anyone on the
 * internet can make them.
 */
export function createAuditChannelFilter(policy: AuditChannelPolicy) {
  return (entry: AuditEntry): boolean =>
    policy.hasChannel &&
    (entry.actorType === "slack" ||
      entry.action === "password_reset.completed" ||
      SIGN_IN_ACTIONS.has(entry.action) ||
      (entry.action === "signup" && entry.outcome === "success") ||
      (policy.publicRequests && entry.actorType === "public"));
}
