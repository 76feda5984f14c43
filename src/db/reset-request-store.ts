import { asc, eq } from "drizzle-orm";
import type { Executor } from "./client.ts";
import { resetRequests } from "./schema.ts";

export type ResetRequestSource = "api" | "slack" | "cli";

export interface NewResetRequest {
  publicId: string;
  email: string;
  connection: string;
  clientId: string | null;
  organization: string | null;
  source: ResetRequestSource;
  requestedBy: Record<string, string> | null;
  clientIp: string | null;
}

export type ResetRequest = typeof resetRequests.$inferSelect;

export interface ResetRequestStore {
  record(request: NewResetRequest): Promise<ResetRequest>;
  findById(id: number): Promise<ResetRequest | undefined>;
  findByPublicId(publicId: string): Promise<ResetRequest | undefined>;
  /** Locks up to `limit` pending requests for this transaction; other workers skip them. */
  claimPending(limit: number): Promise<ResetRequest[]>;
  markProcessed(
    id: number,
    outcome: { status: string; userId: number | null; at: Date },
  ): Promise<void>;
}

export function createDrizzleResetRequestStore(db: Executor): ResetRequestStore {
  return {
    async record(request) {
      const [row] = await db.insert(resetRequests).values(request).returning();
      if (!row) throw new Error("insert returned no row");
      return row;
    },
    async findById(id) {
      const [row] = await db.select().from(resetRequests).where(eq(resetRequests.id, id));
      return row;
    },
    async findByPublicId(publicId) {
      const [row] = await db
        .select()
        .from(resetRequests)
        .where(eq(resetRequests.publicId, publicId));
      return row;
    },
    claimPending(limit) {
      return db
        .select()
        .from(resetRequests)
        .where(eq(resetRequests.status, "pending"))
        .orderBy(asc(resetRequests.id))
        .limit(limit)
        .for("update", { skipLocked: true });
    },
    async markProcessed(id, { status, userId, at }) {
      await db
        .update(resetRequests)
        .set({ status, userId, processedAt: at })
        .where(eq(resetRequests.id, id));
    },
  };
}
