import { asc, eq } from "drizzle-orm";
import type { ApiStore } from "../sign-in/ports.ts";
import type { Executor } from "./client.ts";
import { apis } from "./schema.ts";

export function createDrizzleApiStore(db: Executor): ApiStore {
  const columns = { identifier: apis.identifier, name: apis.name };
  return {
    async findByIdentifier(identifier) {
      const [row] = await db.select(columns).from(apis).where(eq(apis.identifier, identifier));
      return row;
    },
    list: () => db.select(columns).from(apis).orderBy(asc(apis.id)),
    async add(api) {
      const [row] = await db.insert(apis).values(api).onConflictDoNothing().returning(columns);
      return row;
    },
    async remove(identifier) {
      const [row] = await db.delete(apis).where(eq(apis.identifier, identifier)).returning(columns);
      return row;
    },
  };
}
