import { type BackendName, createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../../support/fake-sendgrid.ts";
import { type ServerProcess, startServerProcess } from "../../support/server-process.ts";
import { seedUsers } from "./seed-users.ts";

/**
 * Rate limits out of the way: a fault test is not about them, sends every request for a user,
 * and posts every reset-page submission from 127.0.0.1.
 */
export const NO_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_PER_IP_BURST: "100000",
  RATE_LIMIT_PER_IP_PER_MINUTE: "100000",
  RATE_LIMIT_PER_RECIPIENT_BURST: "1000000",
  RESET_PAGE_RATE_LIMIT_PER_IP_BURST: "100000",
  RESET_PAGE_RATE_LIMIT_PER_IP_PER_MINUTE: "100000",
};

/** A database of its own and a fake SendGrid, for Passdesk processes to fail against. */
export interface SendGridRig {
  database: TestDatabase;
  sendgrid: FakeSendGrid;
  /** Starts a Passdesk on the rig's database, mailing through the fake, with NO_RATE_LIMITS. */
  startServer(env: Record<string, string>): Promise<ServerProcess>;
  /** Kills every server it started that still runs, stops the fake and drops the database. */
  close(): Promise<void>;
}

/**
 * `users` are seeded into the migrated database; without them the database is left empty, not
 * even migrated, for the servers to migrate.
 */
export async function startSendGridRig(
  backend: BackendName,
  { users }: { users?: readonly string[] } = {},
): Promise<SendGridRig> {
  const database = await createTestDatabase(backend);
  if (users) {
    const { handle, repo } = await database.open();
    await seedUsers(repo, users);
    await handle.close();
  }
  const sendgrid = await startFakeSendGrid();
  const servers: ServerProcess[] = [];
  return {
    database,
    sendgrid,
    async startServer(env) {
      const server = await startServerProcess(database.env, {
        SENDGRID_API_URL: sendgrid.url,
        ...NO_RATE_LIMITS,
        ...env,
      });
      servers.push(server);
      return server;
    },
    async close() {
      await Promise.all(servers.map((server) => server.stop("SIGKILL")));
      await sendgrid.close();
      await database.drop();
    },
  };
}
