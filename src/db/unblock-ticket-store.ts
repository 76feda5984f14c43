import { and, eq, gt, isNull } from "drizzle-orm";
import type { UnblockTicket, UnblockTicketStore } from "../sign-in/ports.ts";
import type { Executor } from "./client.ts";
import { unblockTickets } from "./schema.ts";

type Row = typeof unblockTickets.$inferSelect;

// The token hash stays in the adapter: the domain looks tickets up by it, never reads it back.
function toTicket({ tokenHash: _hash, ...ticket }: Row): UnblockTicket {
  return ticket;
}

/** Unblock links in PostgreSQL; only the SHA-256 of each token is stored. */
export function createDrizzleUnblockTicketStore(db: Executor): UnblockTicketStore {
  return {
    async issue(ticket, at) {
      const [row] = await db
        .insert(unblockTickets)
        .values({ ...ticket, createdAt: at })
        .returning();
      if (!row) throw new Error("insert returned no row");
      return toTicket(row);
    },
    async findByTokenHash(tokenHash) {
      const [row] = await db
        .select()
        .from(unblockTickets)
        .where(eq(unblockTickets.tokenHash, tokenHash));
      return row && toTicket(row);
    },
    async consume(tokenHash, at) {
      const [row] = await db
        .update(unblockTickets)
        .set({ usedAt: at })
        .where(
          and(
            eq(unblockTickets.tokenHash, tokenHash),
            isNull(unblockTickets.usedAt),
            isNull(unblockTickets.revokedAt),
            gt(unblockTickets.expiresAt, at),
          ),
        )
        .returning();
      return row && toTicket(row);
    },
    async revokeUnusedForUser(userId, at) {
      const rows = await db
        .update(unblockTickets)
        .set({ revokedAt: at })
        .where(
          and(
            eq(unblockTickets.userId, userId),
            isNull(unblockTickets.usedAt),
            isNull(unblockTickets.revokedAt),
          ),
        )
        .returning({ id: unblockTickets.id });
      return rows.length;
    },
  };
}
