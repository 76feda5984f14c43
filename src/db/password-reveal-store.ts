import { and, desc, eq, isNull, lte, sql } from "drizzle-orm";
import type { PasswordReveal, PasswordRevealStore } from "../password-reset/ports.ts";
import type { Executor } from "./client.ts";
import { rowsOf } from "./rows.ts";
import { passwordReveals as reveals } from "./schema.ts";

type Row = typeof reveals.$inferSelect;

// The sealed password and the token's hash stay in the adapter: the domain never reads them back
// (but for `take`, which hands the sealed password over once as it erases it).
function toReveal({ sealedPassword: _sealed, tokenHash: _hash, ...reveal }: Row): PasswordReveal {
  return reveal;
}

const pending = and(isNull(reveals.revealedAt), isNull(reveals.expiredAt));

interface TakenRow {
  id: string | number;
  sealed_password: string | null;
}

/** Passwords waiting for their user, in PostgreSQL. */
export function createDrizzlePasswordRevealStore(db: Executor): PasswordRevealStore {
  const findBy = async (where: ReturnType<typeof eq>) => {
    const [row] = await db.select().from(reveals).where(where);
    return row && toReveal(row);
  };
  return {
    async create(reveal, at) {
      const [row] = await db
        .insert(reveals)
        .values({ ...reveal, createdAt: at })
        .returning();
      if (!row) throw new Error("insert returned no row");
      return toReveal(row);
    },
    findByPublicId: (publicId) => findBy(eq(reveals.publicId, publicId)),
    findByMessageRef: (messageRef) => findBy(eq(reveals.messageRef, messageRef)),
    findByTokenHash: (tokenHash) => findBy(eq(reveals.tokenHash, tokenHash)),
    async setTokenHash(id, tokenHash) {
      await db.update(reveals).set({ tokenHash }).where(eq(reveals.id, id));
    },
    async setSlackMessage(id, channel, ts) {
      await db
        .update(reveals)
        .set({ slackChannel: channel, slackTs: ts })
        .where(eq(reveals.id, id));
    },
    async switchToEmail(id, messageRef) {
      await db.update(reveals).set({ channel: "email", messageRef }).where(eq(reveals.id, id));
    },
    async take(id, at) {
      // The old sealed value comes from the locked row read in the same statement: a second,
      // concurrent take waits for the lock, then finds the reveal no longer pending.
      const when = at.toISOString();
      const taken = rowsOf<TakenRow>(
        await db.execute(sql`
          update password_reveals r
             set revealed_at = ${when}::timestamptz, sealed_password = null
            from (select id, sealed_password from password_reveals where id = ${id} for update) old
           where r.id = old.id and r.revealed_at is null and r.expired_at is null
             and r.expires_at > ${when}::timestamptz
          returning old.sealed_password`),
      );
      const sealedPassword = taken[0]?.sealed_password;
      if (!sealedPassword) return undefined;
      const [row] = await db.select().from(reveals).where(eq(reveals.id, id));
      return row && { reveal: toReveal(row), sealedPassword };
    },
    async listDue(at, limit) {
      const rows = await db
        .select()
        .from(reveals)
        .where(and(pending, lte(reveals.expiresAt, at)))
        .orderBy(reveals.expiresAt)
        .limit(limit);
      return rows.map(toReveal);
    },
    async close(id, at) {
      const [row] = await db
        .update(reveals)
        .set({ expiredAt: at, sealedPassword: null })
        .where(and(eq(reveals.id, id), pending))
        .returning();
      return row && toReveal(row);
    },
    async listPending(limit) {
      const rows = await db
        .select()
        .from(reveals)
        .where(pending)
        .orderBy(desc(reveals.createdAt))
        .limit(limit);
      return rows.map(toReveal);
    },
  };
}
