import { and, eq, isNull, lte, or, sql } from "drizzle-orm";
import type { AuditStreamCheckpoints } from "../audit/stream.ts";
import type { Executor } from "./client.ts";
import { auditStreamCheckpoints as checkpoints } from "./schema.ts";

export function createDrizzleAuditStreamCheckpoints(db: Executor): AuditStreamCheckpoints {
  const owned = (name: string, owner: string) =>
    and(eq(checkpoints.name, name), eq(checkpoints.leaseOwner, owner));
  return {
    async claim(name, owner, now, leaseUntil) {
      await db.insert(checkpoints).values({ name }).onConflictDoNothing();
      const [row] = await db
        .update(checkpoints)
        .set({ leaseOwner: owner, leaseUntil, updatedAt: now })
        .where(
          and(
            eq(checkpoints.name, name),
            or(isNull(checkpoints.leaseUntil), lte(checkpoints.leaseUntil, now)),
            or(isNull(checkpoints.nextAttemptAt), lte(checkpoints.nextAttemptAt, now)),
          ),
        )
        .returning({ lastId: checkpoints.lastId, attempts: checkpoints.attempts });
      return row;
    },
    async advance(name, owner, lastId, leaseUntil) {
      const rows = await db
        .update(checkpoints)
        .set({ lastId, attempts: 0, nextAttemptAt: null, leaseUntil, updatedAt: sql`now()` })
        .where(owned(name, owner))
        .returning({ name: checkpoints.name });
      return rows.length > 0;
    },
    async retryAt(name, owner, at) {
      await db
        .update(checkpoints)
        .set({
          attempts: sql`${checkpoints.attempts} + 1`,
          nextAttemptAt: at,
          leaseOwner: null,
          leaseUntil: null,
          updatedAt: sql`now()`,
        })
        .where(owned(name, owner));
    },
    async release(name, owner) {
      await db
        .update(checkpoints)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(owned(name, owner));
    },
  };
}
