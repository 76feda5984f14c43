import { and, eq, gt, isNull } from "drizzle-orm";
import type { SecureAccountTicket, SecureAccountTicketStore } from "../password-reset/ports.ts";
import type { Executor } from "./client.ts";
import { secureAccountTickets } from "./schema.ts";

type Row = typeof secureAccountTickets.$inferSelect;

// The token hash stays in the adapter: the domain looks tickets up by it, never reads it back.
function toTicket({ tokenHash: _hash, ...ticket }: Row): SecureAccountTicket {
  return ticket;
}

const unused = and(isNull(secureAccountTickets.usedAt), isNull(secureAccountTickets.revokedAt));

/** "Secure my account" links in PostgreSQL; only the SHA-256 of each token is stored. */
export function createDrizzleSecureAccountTicketStore(db: Executor): SecureAccountTicketStore {
  return {
    async issue(ticket, at) {
      const [row] = await db
        .insert(secureAccountTickets)
        .values({ ...ticket, createdAt: at })
        .returning();
      if (!row) throw new Error("insert returned no row");
      return toTicket(row);
    },
    async findByTokenHash(tokenHash) {
      const [row] = await db
        .select()
        .from(secureAccountTickets)
        .where(eq(secureAccountTickets.tokenHash, tokenHash));
      return row && toTicket(row);
    },
    async consume(tokenHash, at) {
      const [row] = await db
        .update(secureAccountTickets)
        .set({ usedAt: at })
        .where(
          and(
            eq(secureAccountTickets.tokenHash, tokenHash),
            unused,
            gt(secureAccountTickets.expiresAt, at),
          ),
        )
        .returning();
      return row && toTicket(row);
    },
    async revoke(id, at) {
      await db
        .update(secureAccountTickets)
        .set({ revokedAt: at })
        .where(and(eq(secureAccountTickets.id, id), unused));
    },
    async revokeUnusedForUser(userId, at) {
      const rows = await db
        .update(secureAccountTickets)
        .set({ revokedAt: at })
        .where(and(eq(secureAccountTickets.userId, userId), unused))
        .returning({ id: secureAccountTickets.id });
      return rows.length;
    },
  };
}
