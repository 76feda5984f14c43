import { and, eq, gt, isNull } from "drizzle-orm";
import type { Executor } from "./client.ts";
import { tickets } from "./schema.ts";

export type Ticket = typeof tickets.$inferSelect;

export interface NewTicket {
  tokenHash: string;
  userId: number;
  requestId: number | null;
  expiresAt: Date;
  resultUrl: string | null;
  includeEmailInRedirect: boolean;
}

export interface TicketStore {
  /** Stores a ticket and revokes the user's other unused tickets: only the newest link works. */
  issue(ticket: NewTicket, at: Date): Promise<Ticket>;
  findByTokenHash(tokenHash: string): Promise<Ticket | undefined>;
  /**
   * Marks the ticket used if it is still unused, unrevoked and unexpired at `at`, in one guarded
   * UPDATE: of any number of simultaneous calls, exactly one gets the ticket back.
   */
  consume(tokenHash: string, at: Date): Promise<Ticket | undefined>;
  revoke(id: number, at: Date): Promise<void>;
  revokeUnusedForUser(userId: number, at: Date): Promise<void>;
}

const unused = () => and(isNull(tickets.usedAt), isNull(tickets.revokedAt));

export function createDrizzleTicketStore(db: Executor): TicketStore {
  return {
    async issue(ticket, at) {
      await db
        .update(tickets)
        .set({ revokedAt: at })
        .where(and(eq(tickets.userId, ticket.userId), unused()));
      const [row] = await db
        .insert(tickets)
        .values({ ...ticket, createdAt: at })
        .returning();
      if (!row) throw new Error("insert returned no row");
      return row;
    },
    async findByTokenHash(tokenHash) {
      const [row] = await db.select().from(tickets).where(eq(tickets.tokenHash, tokenHash));
      return row;
    },
    async consume(tokenHash, at) {
      const [row] = await db
        .update(tickets)
        .set({ usedAt: at })
        .where(and(eq(tickets.tokenHash, tokenHash), unused(), gt(tickets.expiresAt, at)))
        .returning();
      return row;
    },
    async revoke(id, at) {
      await db
        .update(tickets)
        .set({ revokedAt: at })
        .where(and(eq(tickets.id, id), isNull(tickets.revokedAt)));
    },
    async revokeUnusedForUser(userId, at) {
      await db
        .update(tickets)
        .set({ revokedAt: at })
        .where(and(eq(tickets.userId, userId), unused()));
    },
  };
}
