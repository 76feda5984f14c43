import { desc } from "drizzle-orm";
import type { AuditLog, AuditRecord } from "../audit/audit.ts";
import type { Executor } from "./client.ts";
import { auditLog } from "./schema.ts";

export function createDrizzleAuditLog(db: Executor): AuditLog {
  return {
    async record(entry) {
      await db.insert(auditLog).values({ ...entry, details: entry.details ?? {} });
    },
    async tail(count) {
      const rows = await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(count);
      return rows.reverse().map(
        (row): AuditRecord => ({
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
        }),
      );
    },
  };
}
