import type { AuditRecord } from "../audit/ports.ts";
import type { auditLog } from "./schema.ts";

export type AuditRow = typeof auditLog.$inferSelect;

/** An audit_log row as the domain reads it. */
export function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actorType: row.actorType as AuditRecord["actorType"],
    actorId: row.actorId,
    action: row.action,
    outcome: row.outcome,
    targetEmail: row.targetEmail,
    connection: row.connection,
    requestId: row.requestId,
    details: row.details,
    slackAttempts: row.slackAttempts,
  };
}
