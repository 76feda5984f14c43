import type { AuditEntry } from "./ports.ts";

export interface AuditChannelPolicy {
  /** Whether an audit channel is configured at all. */
  hasChannel: boolean;
  /** SLACK_AUDIT_PUBLIC_REQUESTS: public reset requests too (they can be many). */
  publicRequests: boolean;
}

/**
 * Which audit entries are also posted to the audit channel: what staff did in Slack, every
 * completed reset and every account created by signup; other public requests (refused signups
 * included) only when asked for, as anyone on the internet can make them.
 */
export function createAuditChannelFilter(policy: AuditChannelPolicy) {
  return (entry: AuditEntry): boolean =>
    policy.hasChannel &&
    (entry.actorType === "slack" ||
      entry.action === "password_reset.completed" ||
      (entry.action === "signup" && entry.outcome === "success") ||
      (policy.publicRequests && entry.actorType === "public"));
}
