import { and, eq, isNull } from "drizzle-orm";
import type { RefreshTokenStore } from "../sign-in/ports.ts";
import type { Executor } from "./client.ts";
import { refreshTokens } from "./schema.ts";

const isLive = and(isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt));

export function createDrizzleRefreshTokenStore(db: Executor): RefreshTokenStore {
  const columns = {
    id: refreshTokens.id,
    familyId: refreshTokens.familyId,
    userId: refreshTokens.userId,
    clientId: refreshTokens.clientId,
    scope: refreshTokens.scope,
    audience: refreshTokens.audience,
    createdAt: refreshTokens.createdAt,
    expiresAt: refreshTokens.expiresAt,
    usedAt: refreshTokens.usedAt,
    revokedAt: refreshTokens.revokedAt,
  };
  return {
    async add(token) {
      const [row] = await db.insert(refreshTokens).values(token).returning(columns);
      if (!row) throw new Error("insert returned no row");
      return row;
    },
    async findByHash(tokenHash) {
      const [row] = await db
        .select(columns)
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash));
      return row;
    },
    async markUsed(id, at) {
      const rows = await db
        .update(refreshTokens)
        .set({ usedAt: at })
        .where(and(eq(refreshTokens.id, id), isLive))
        .returning({ id: refreshTokens.id });
      return rows.length === 1;
    },
    async revokeFamily(familyId, reason, at) {
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: at, revokedReason: reason })
        .where(and(eq(refreshTokens.familyId, familyId), isLive))
        .returning({ id: refreshTokens.id });
      return rows.length;
    },
    async revokeForUser(userId, reason, at) {
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: at, revokedReason: reason })
        .where(and(eq(refreshTokens.userId, userId), isLive))
        .returning({ id: refreshTokens.id });
      return rows.length;
    },
  };
}
