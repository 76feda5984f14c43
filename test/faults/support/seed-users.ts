import type { Repository } from "../../../src/db/stores.ts";
import { DEFAULT_CONNECTION, testHasher } from "../../support/reset-fixture.ts";

export const SEED_PASSWORD = "correct horse battery staple";

/**
 * Adds users to the default connection with one shared (cheap) hash: hundreds of users in a
 * second, where hashing each password would take most of a test's budget.
 */
export async function seedUsers(repo: Repository, emails: readonly string[]): Promise<void> {
  const connection = await repo.connections.findByName(DEFAULT_CONNECTION);
  if (!connection) throw new Error(`no ${DEFAULT_CONNECTION} connection`);
  const passwordHash = await testHasher.hash(SEED_PASSWORD);
  for (const email of emails) {
    const user = await repo.users.add(connection.id, { email, passwordHash });
    if (!user) throw new Error(`could not seed ${email}`);
  }
}

/** `prefix-0001@example.org` … : addresses that sort in the order they were made. */
export function numberedEmails(prefix: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${prefix}-${String(i + 1).padStart(4, "0")}@example.org`,
  );
}
