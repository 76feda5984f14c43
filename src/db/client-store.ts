import { randomBytes } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import type { ClientStore } from "../clients/ports.ts";
import type { Executor } from "./client.ts";
import { clients } from "./schema.ts";

/** 32 alphanumeric characters, the shape of an Auth0 client ID. */
function createClientId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // 248 = 4 × 62: rejecting bytes above it keeps every character equally likely.
  const bytes = [...randomBytes(64)].filter((byte) => byte < 248);
  return bytes
    .slice(0, 32)
    .map((byte) => alphabet[byte % 62])
    .join("");
}

export function createDrizzleClientStore(db: Executor): ClientStore {
  const columns = {
    clientId: clients.clientId,
    name: clients.name,
    webOrigins: clients.webOrigins,
    secretHash: clients.secretHash,
    refreshTokens: clients.refreshTokens,
  };
  return {
    async findByClientId(clientId) {
      const [row] = await db.select(columns).from(clients).where(eq(clients.clientId, clientId));
      return row;
    },
    list: () => db.select(columns).from(clients).orderBy(asc(clients.id)),
    async add({ name, webOrigins, secretHash = null, refreshTokens = true }) {
      const [row] = await db
        .insert(clients)
        .values({ clientId: createClientId(), name, webOrigins, secretHash, refreshTokens })
        .returning(columns);
      if (!row) throw new Error("insert returned no row");
      return row;
    },
    async remove(clientId) {
      const [row] = await db
        .delete(clients)
        .where(eq(clients.clientId, clientId))
        .returning(columns);
      return row;
    },
  };
}
