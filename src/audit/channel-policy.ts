import { ANCHOR_ACTION } from "./chain.ts";
import type { AuditEntry } from "./ports.ts";

export interface AuditChannelPolicy {
  /** Whether an audit channel is configured at all. */
  hasChannel: boolean;
  /** SLACK_AUDIT_PUBLIC_REQUESTS: public reset requests too (they can be many). */
  publicRequests: boolean;
  /** SLACK_AUDIT_SIGN_IN_EVENTS: which sign-in and signup events (all by default). */
  signInEvents?: readonly SignInChannelEvent[];
}

export const SIGN_IN_CHANNEL_EVENTS = ["lockouts", "unblocks", "throttles", "signups"] as const;
export type SignInChannelEvent = (typeof SIGN_IN_CHANNEL_EVENTS)[number];

// Support acts on these from the channel (a block's Unblock button); there are few of them.
const ACTIONS_OF: Record<SignInChannelEvent, string> = {
  lockouts: "sign_in.blocked",
  unblocks: "sign_in.unblocked",
  throttles: "sign_in.ip_throttled",
  signups: "signup",
};

/**
 * Posted whatever the settings: the chain's daily anchor, and a user securing their account
 * ("this wasn't me"), which staff must act on.
 */
const ALWAYS_POSTED = new Set([ANCHOR_ACTION, "user.secured"]);

/** Every sign-in and every refresh: far too many for people to read, whatever the settings. */
const NEVER_POSTED = new Set(["sign_in", "refresh_token.reused", "refresh_token.revoked"]);

/**
 * Which audit entries are also posted to the audit channel: the chain's daily anchor, secured
 * accounts, what staff did in Slack, every
 * completed reset, every account created by signup, and sign-in blocks, unblocks and throttled
 * IPs; other public requests (refused signups included) only when asked for, as anyone on the
 * internet can make them.
 */
export function createAuditChannelFilter(policy: AuditChannelPolicy) {
  const events = new Set(policy.signInEvents ?? SIGN_IN_CHANNEL_EVENTS);
  const chosen = new Set([...events].map((event) => ACTIONS_OF[event]));
  const governed = new Set(Object.values(ACTIONS_OF));
  // A refused signup is a public request like any other: posted only when those are.
  const signInEvent = (entry: AuditEntry) =>
    chosen.has(entry.action) &&
    (entry.action !== "signup" || entry.outcome === "success" || policy.publicRequests);
  return (entry: AuditEntry): boolean =>
    policy.hasChannel &&
    !NEVER_POSTED.has(entry.action) &&
    (ALWAYS_POSTED.has(entry.action) ||
      (governed.has(entry.action)
        ? signInEvent(entry)
        : entry.actorType === "slack" ||
          entry.action === "password_reset.completed" ||
          (policy.publicRequests && entry.actorType === "public")));
}
