import { ANCHOR_ACTION, parseAnchor } from "../../audit/chain.ts";
import { maskEmail, maskEmailsIn } from "../../users/email.ts";
import { escapeMrkdwn, type KnownBlock, mentionUser, mrkdwn } from "../block-kit.ts";
import { labelChangedFields, readTemplateName, TEMPLATE_TEXTS } from "../templates/fields.ts";

export interface AuditMessageEntry {
  at: Date;
  actorSlackUserId?: string | null;
  /** Who acted when it was not a Slack user: "public API", "CLI"… */
  actorLabel?: string;
  action: string;
  outcome: string;
  targetEmail?: string | null;
  connection?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
  /** The reset email's delivery status, as SendGrid's events report it. */
  delivery?: { status: string; reason?: string | null };
}

export interface AuditMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Messages that ask staff to act now, marked so that they stand out in the channel. */
const ALERTS = new Set(["user.secured"]);

// An allow-list, not a deny-list: a detail is posted only when it is known to be harmless, so
// a password, token, link or API key added to `details` by a future caller is never posted.
const POSTED_DETAILS: Record<string, string> = {
  role: "Role",
  slackUserId: "User",
  teamId: "Team",
  reason: "Reason",
  count: "Count",
  version: "Version",
  attempted: "Attempted",
  ip: "IP",
};

// Even an allowed key shows only a short identifier-like value: no "@" (an unmasked email),
// no "://" (a link), nothing long.
const POSTABLE_VALUE = /^[\p{L}\p{N} ._:/+-]{1,80}$/u;

type PostedDetails = Record<string, string | number>;

// `raw` is the unfiltered details: a phrase reads from it only what it checks itself.
const ACTIONS: Record<string, (details: PostedDetails, raw: Record<string, unknown>) => string> = {
  "password_reset.requested": () => "requested a password reset",
  "password_reset.completed": () => "completed a password reset",
  "password.set": () => "set a password",
  "password.set_requested": () => "asked for a password set, for a second admin to approve",
  "password.set_approved": () => "approved a password set",
  "password.set_denied": () => "denied a password set",
  "password.set_request_expired": () => "expired a password set request nobody decided",
  "password.approval_refused": () => "was refused deciding a password set",
  signup: () => "created an account (signup)",
  "role.granted": (details) => `granted ${roleAndUser(details, "to")}`,
  "role.revoked": (details) => `revoked ${roleAndUser(details, "from")}`,
  "access.denied": () => "was denied access",
  "template.updated": (_details, raw) => `changed ${templateNoun(raw)}${templateFields(raw)}`,
  "template.reverted": (_details, raw) =>
    `reverted ${templateNoun(raw)}${revertedTo(raw)}${templateFields(raw)}`,
  "template.test_sent": (_details, raw) => `sent a test of ${templateNoun(raw)}`,
  "sign_in.blocked": () => "blocked sign-in after too many failed attempts",
  "sign_in.unblocked": () => "unblocked sign-in",
  "sign_in.ip_throttled": () => "throttled sign-in from an IP with too many failures",
  "user.secured": () => "reported a password change that was not theirs and secured the account",
  "user.blocked": () => "blocked the account",
  "user.unblocked": () => "unblocked the account",
  // The anchor is the chain's position and hash: kept here, outside the database.
  [ANCHOR_ACTION]: (_details, raw) => {
    const anchor = typeof raw.anchor === "string" ? parseAnchor(raw.anchor) : undefined;
    return anchor
      ? `anchored the audit log: \`passdesk audit verify --anchor ${anchor.seq}:${anchor.hash}\``
      : "anchored the audit log";
  },
};

/**
 * The audit-channel message for one audited event: who, what, outcome, masked target,
 * connection, time and request ID. Never carries a secret: the target's local part is masked
 * and only allow-listed `details` are shown.
 */
export function buildAuditMessage(entry: AuditMessageEntry): AuditMessage {
  const details = postableDetails(entry.details ?? {});
  const actor = describeActor(entry);
  const phrase = Object.hasOwn(ACTIONS, entry.action) ? ACTIONS[entry.action] : undefined;
  const what = phrase ? phrase(details, entry.details ?? {}) : `\`${escapeMrkdwn(entry.action)}\``;
  const target = entry.targetEmail ? escapeMrkdwn(maskEmail(entry.targetEmail)) : null;
  const alert = ALERTS.has(entry.action) ? ":rotating_light: " : "";
  const headline = `${alert}${actor} ${what}${target ? ` for ${target}` : ""}`;
  const fields = [
    mrkdwn(`*Outcome*\n\`${escapeMrkdwn(entry.outcome)}\``),
    ...(entry.connection ? [mrkdwn(`*Connection*\n${escapeMrkdwn(entry.connection)}`)] : []),
    ...(entry.requestId ? [mrkdwn(`*Request ID*\n\`${escapeMrkdwn(entry.requestId)}\``)] : []),
    ...Object.entries(details).map(([key, value]) =>
      mrkdwn(`*${POSTED_DETAILS[key]}*\n${formatDetail(key, value)}`),
    ),
    ...(entry.delivery ? [mrkdwn(`*Email*\n${describeDelivery(entry.delivery)}`)] : []),
  ];
  return {
    text: `${headline} (${escapeMrkdwn(entry.outcome)})`,
    blocks: [
      { type: "section", text: mrkdwn(headline), fields },
      { type: "context", elements: [mrkdwn(formatTime(entry.at))] },
    ],
  };
}

const DELIVERY_LABELS: Record<string, string> = {
  processed: ":outbox_tray: accepted by SendGrid",
  deferred: ":hourglass: deferred, retrying",
  delivered: ":white_check_mark: delivered",
  bounce: ":x: bounced",
  dropped: ":x: dropped",
};

// Providers quote the recipient in bounce reasons: mask any address, cap the length.
function describeDelivery(delivery: { status: string; reason?: string | null }): string {
  const label = DELIVERY_LABELS[delivery.status] ?? escapeMrkdwn(delivery.status);
  if (!delivery.reason) return label;
  return `${label}: ${escapeMrkdwn(maskEmailsIn(delivery.reason))}`;
}

function describeActor(entry: AuditMessageEntry): string {
  if (entry.actorSlackUserId) return mentionUser(entry.actorSlackUserId);
  return entry.actorLabel ? escapeMrkdwn(entry.actorLabel) : "An unknown actor";
}

function postableDetails(details: Record<string, unknown>): PostedDetails {
  const kept: PostedDetails = {};
  for (const key of Object.keys(POSTED_DETAILS)) {
    if (!Object.hasOwn(details, key)) continue;
    const value = details[key];
    if (typeof value === "number" && Number.isFinite(value)) kept[key] = value;
    if (typeof value === "string" && POSTABLE_VALUE.test(value) && !value.includes("://")) {
      kept[key] = value;
    }
  }
  return kept;
}

function formatDetail(key: string, value: string | number): string {
  if (key === "slackUserId" && typeof value === "string") return mentionUser(value);
  return escapeMrkdwn(String(value));
}

function roleAndUser(details: PostedDetails, preposition: string): string {
  const role =
    typeof details.role === "string" ? `the *${escapeMrkdwn(details.role)}* role` : "a role";
  const user =
    typeof details.slackUserId === "string"
      ? ` ${preposition} ${mentionUser(details.slackUserId)}`
      : "";
  return `${role}${user}`;
}

// Field names only, and only known ones: never a value, so never the body.
/** Which email: entries from before there were two templates name none (change_password). */
function templateNoun(raw: Record<string, unknown>): string {
  return TEMPLATE_TEXTS[readTemplateName(raw.template)].noun;
}

function templateFields(raw: Record<string, unknown>): string {
  const fields = labelChangedFields(raw.changedFields);
  return fields.length > 0 ? ` (fields: ${fields.join(", ")})` : "";
}

function revertedTo(raw: Record<string, unknown>): string {
  const version = raw.revertedTo;
  if (!Number.isInteger(version) || (version as number) < 0) return "";
  return version === 0 ? " to the built-in default" : ` to version ${version}`;
}

/** Slack shows `<!date^…>` in the reader's time zone, and the ISO fallback where it cannot. */
function formatTime(at: Date): string {
  const epochSeconds = Math.floor(at.getTime() / 1000);
  return `<!date^${epochSeconds}^{date_short_pretty} {time}|${at.toISOString()}>`;
}
