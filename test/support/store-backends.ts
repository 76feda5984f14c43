import type { Clock } from "../../src/clock.ts";
import type { Repository } from "../../src/db/stores.ts";
import { createArgon2Hasher } from "../../src/passwords/argon2-hasher.ts";
import { type BackendName, backends, openMigratedDatabase } from "./database.ts";
import { createMemoryStores } from "./memory/stores.ts";

export type StoreBackendName = "memory" | BackendName;

/**
 * Where a store contract runs: the in-memory fakes and the Drizzle stores on every database
 * engine, so that a fake cannot drift from the store it stands in for.
 */
export const storeBackends: StoreBackendName[] = ["memory", ...backends];

/**
 * Every store on `backend`; `clock` is the memory stores' `now()` (a database has its own). Both
 * check passwords with argon2, so a hash made for one verifies on the other.
 */
export async function openStores(
  backend: StoreBackendName,
  clock?: Clock,
): Promise<{ repo: Repository; close(): Promise<void> }> {
  if (backend === "memory") {
    return {
      repo: createMemoryStores({ clock, hasher: createArgon2Hasher() }),
      close: async () => {},
    };
  }
  const { repo, close } = await openMigratedDatabase(backend);
  return { repo, close };
}
