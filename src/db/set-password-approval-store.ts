import { and, eq, gt, lte, ne } from "drizzle-orm";
import type { SetPasswordApproval, SetPasswordApprovalStore } from "../approvals/ports.ts";
import type { Executor } from "./client.ts";
import { setPasswordApprovals as approvals } from "./schema.ts";

type Row = typeof approvals.$inferSelect;

function toApproval({ requesterTeamId, requesterUserId, ...row }: Row): SetPasswordApproval {
  return { ...row, requester: { teamId: requesterTeamId, userId: requesterUserId } };
}

const pending = eq(approvals.status, "pending");

/** Requests for a second admin's approval, in PostgreSQL. */
export function createDrizzleSetPasswordApprovalStore(db: Executor): SetPasswordApprovalStore {
  return {
    async create({ requester, ...request }, at) {
      const [row] = await db
        .insert(approvals)
        .values({
          ...request,
          requesterTeamId: requester.teamId,
          requesterUserId: requester.userId,
          createdAt: at,
        })
        .returning();
      if (!row) throw new Error("insert returned no row");
      return toApproval(row);
    },
    async findByPublicId(publicId) {
      const [row] = await db.select().from(approvals).where(eq(approvals.publicId, publicId));
      return row && toApproval(row);
    },
    async setCard(id, channel, ts) {
      await db
        .update(approvals)
        .set({ cardChannel: channel, cardTs: ts })
        .where(eq(approvals.id, id));
    },
    async decide(id, decision, deciderUserId, at) {
      // One statement: two approvers, or a double click, find the row pending once.
      const [row] = await db
        .update(approvals)
        .set({ status: decision, decidedBy: deciderUserId, decidedAt: at })
        .where(
          and(
            eq(approvals.id, id),
            pending,
            gt(approvals.expiresAt, at),
            ne(approvals.requesterUserId, deciderUserId),
          ),
        )
        .returning();
      return row && toApproval(row);
    },
    async markFailed(id) {
      const [row] = await db
        .update(approvals)
        .set({ status: "failed" })
        .where(and(eq(approvals.id, id), eq(approvals.status, "approved")))
        .returning();
      return row && toApproval(row);
    },
    async listDue(at, limit) {
      const rows = await db
        .select()
        .from(approvals)
        .where(and(pending, lte(approvals.expiresAt, at)))
        .orderBy(approvals.expiresAt)
        .limit(limit);
      return rows.map(toApproval);
    },
    async expire(id, at) {
      const [row] = await db
        .update(approvals)
        .set({ status: "expired", decidedAt: at })
        .where(and(eq(approvals.id, id), pending))
        .returning();
      return row && toApproval(row);
    },
  };
}
