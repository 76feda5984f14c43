import type { AuditRecord } from "./ports.ts";

/** An audit entry with its place in the chain (null for entries older than the chain). */
export interface ExportedEntry extends AuditRecord {
  seq: number | null;
  hash: string | null;
}

export const EXPORT_FORMATS = ["jsonl", "ocsf"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The entry as one JSON line: every field, and the chain's position and hash to check it by. */
export function toJsonLine(entry: ExportedEntry): Record<string, unknown> {
  return {
    id: entry.id,
    seq: entry.seq,
    hash: entry.hash,
    at: entry.at.toISOString(),
    actor: { type: entry.actorType, id: entry.actorId },
    action: entry.action,
    outcome: entry.outcome,
    target_email: entry.targetEmail,
    connection: entry.connection,
    request_id: entry.requestId,
    details: entry.details,
    auth0_log_type: auth0LogType(entry),
  };
}

/**
 * Auth0's log event type for the entry, where it has one: the code Passdesk recorded (sign-in,
 * signup, refresh tokens, blocks), else the code of the same event in Auth0's logs.
 */
export function auth0LogType(entry: AuditRecord): string | null {
  const recorded = entry.details.logType;
  if (typeof recorded === "string") return recorded;
  const success = isSuccess(entry.outcome);
  switch (entry.action) {
    case "password_reset.requested":
      return success ? "scpr" : "fcpr";
    case "password_reset.completed":
    case "password.set":
      return success ? "scp" : "fcp";
    case "user.deleted":
      return success ? "sdu" : "fdu";
    default:
      return null;
  }
}

const SUCCESS = new Set(["success", "queued", "sent", "done", "granted", "revoked"]);
const FAILURE = new Set(["refused", "failed", "failure", "denied", "error", "forbidden"]);
const isSuccess = (outcome: string) => SUCCESS.has(outcome);

/** OCSF classes used: Account Change, Authentication, Entity Management, User Access Management. */
interface OcsfClass {
  classUid: number;
  className: string;
  activityId: number;
  activityName: string;
}

const ACCOUNT_CHANGE: Record<string, [number, string]> = {
  "password_reset.requested": [4, "Password Reset"],
  "password_reset.completed": [4, "Password Reset"],
  "password.set": [3, "Password Change"],
  "user.created": [1, "Create"],
  signup: [1, "Create"],
  "user.deleted": [6, "Delete"],
  "sign_in.blocked": [9, "Lock"],
  "sign_in.unblocked": [12, "Unlock"],
};

function ocsfClassOf(action: string): OcsfClass {
  const change = ACCOUNT_CHANGE[action];
  if (change) {
    return {
      classUid: 3001,
      className: "Account Change",
      activityId: change[0],
      activityName: change[1],
    };
  }
  if (action === "sign_in") {
    return { classUid: 3002, className: "Authentication", activityId: 1, activityName: "Logon" };
  }
  if (action === "role.granted" || action === "role.revoked") {
    const granted = action === "role.granted";
    return {
      classUid: 3005,
      className: "User Access Management",
      activityId: granted ? 1 : 2,
      activityName: granted ? "Assign Privileges" : "Revoke Privileges",
    };
  }
  const verb = action.split(".").at(-1) ?? "";
  const [activityId, activityName] = /created|added|imported/.test(verb)
    ? [1, "Create"]
    : /removed|deleted/.test(verb)
      ? [4, "Delete"]
      : /changed|updated|rotated|revoked|sent/.test(verb)
        ? [3, "Update"]
        : [99, "Other"];
  return { classUid: 3004, className: "Entity Management", activityId, activityName };
}

/**
 * The entry as an OCSF event (schema 1.1): password changes and resets, blocks and account
 * creation as class 3001 Account Change, sign-ins as 3002 Authentication, role grants as 3005,
 * everything else (templates, connections, clients) as 3004 Entity Management. Auth0's log type
 * code and the chain's position and hash go in `unmapped`.
 */
export function toOcsf(entry: ExportedEntry): Record<string, unknown> {
  const ocsf = ocsfClassOf(entry.action);
  const statusId = isSuccess(entry.outcome) ? 1 : FAILURE.has(entry.outcome) ? 2 : 99;
  const actorName = entry.actorId ?? entry.actorType;
  return {
    class_uid: ocsf.classUid,
    class_name: ocsf.className,
    category_uid: 3,
    category_name: "Identity & Access Management",
    activity_id: ocsf.activityId,
    activity_name: ocsf.activityName,
    type_uid: ocsf.classUid * 100 + ocsf.activityId,
    time: entry.at.getTime(),
    severity_id: statusId === 2 ? 3 : 1,
    status_id: statusId,
    status: statusId === 1 ? "Success" : statusId === 2 ? "Failure" : "Other",
    status_detail: entry.outcome,
    message: `${entry.action}: ${entry.outcome}`,
    metadata: {
      version: "1.1.0",
      uid: String(entry.id),
      correlation_uid: entry.requestId ?? undefined,
      log_name: "audit_log",
      product: { name: "Passdesk", vendor_name: "Passdesk" },
    },
    actor: { user: { uid: actorName, type: entry.actorType } },
    ...(entry.targetEmail && { user: { email_addr: entry.targetEmail } }),
    unmapped: {
      auth0_log_type: auth0LogType(entry),
      passdesk_action: entry.action,
      connection: entry.connection,
      details: entry.details,
      chain: { seq: entry.seq, hash: entry.hash },
    },
  };
}

export function formatExportLine(entry: ExportedEntry, format: ExportFormat): string {
  return JSON.stringify(format === "ocsf" ? toOcsf(entry) : toJsonLine(entry));
}
