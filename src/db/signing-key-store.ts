import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import type { SigningKeyStore } from "../sign-in/ports.ts";
import type { Executor } from "./client.ts";
import { signingKeys } from "./schema.ts";

const isCurrent = and(isNull(signingKeys.rotatedAt), isNull(signingKeys.revokedAt));

export function createDrizzleSigningKeyStore(db: Executor): SigningKeyStore {
  const columns = {
    kid: signingKeys.kid,
    publicJwk: signingKeys.publicJwk,
    privateKeyEncrypted: signingKeys.privateKeyEncrypted,
    createdAt: signingKeys.createdAt,
    rotatedAt: signingKeys.rotatedAt,
    publishedUntil: signingKeys.publishedUntil,
    revokedAt: signingKeys.revokedAt,
  };
  return {
    async current() {
      const [row] = await db.select(columns).from(signingKeys).where(isCurrent);
      return row;
    },
    published: (at) =>
      db
        .select(columns)
        .from(signingKeys)
        .where(
          and(
            isNull(signingKeys.revokedAt),
            or(isNull(signingKeys.rotatedAt), gt(signingKeys.publishedUntil, at)),
          ),
        )
        .orderBy(desc(signingKeys.id)),
    list: () => db.select(columns).from(signingKeys).orderBy(desc(signingKeys.id)),
    async addCurrent(key) {
      // The partial unique index on the current key turns a second one into a conflict.
      const [row] = await db
        .insert(signingKeys)
        .values(key)
        .onConflictDoNothing()
        .returning(columns);
      return row;
    },
    rotate: (next, at, publishedUntil) =>
      db.transaction(async (tx) => {
        const [retired] = await tx
          .update(signingKeys)
          .set({ rotatedAt: at, publishedUntil })
          .where(isCurrent)
          .returning(columns);
        await tx.insert(signingKeys).values(next);
        return retired;
      }),
    async revoke(kid, at) {
      const [row] = await db
        .update(signingKeys)
        .set({ revokedAt: at })
        .where(and(eq(signingKeys.kid, kid), isNull(signingKeys.revokedAt)))
        .returning(columns);
      return row;
    },
  };
}
