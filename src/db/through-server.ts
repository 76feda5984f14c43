import { lstat } from "node:fs/promises";
import { resolve } from "node:path";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Database, DatabaseHandle } from "./client.ts";
import { isHolding } from "./data-dir-lock.ts";
import { DatabaseOpenError, type DataDirInUseError } from "./errors.ts";
import { cliSocketPath } from "./pglite-cli-socket.ts";
import { postgresQuery } from "./raw-query.ts";
import * as schema from "./schema.ts";

/** How long a command waits for the holder of the directory to serve its socket or let go. */
const STARTING_SERVER_MILLIS = 10_000;

/**
 * Opens the embedded database through the server that holds it: its CLI socket beside the data
 * directory (see serveCliSocket). One connection, and no named prepared statements: every client
 * of that socket shares the server's one PostgreSQL session, where names would collide and stay.
 */
export async function openThroughServer(busy: DataDirInUseError): Promise<DatabaseHandle> {
  const path = cliSocketPath(resolve(busy.dataDir));
  const client = postgres({
    path,
    user: "postgres",
    database: "postgres",
    max: 1,
    prepare: false,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "passdesk-cli" },
  });
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 1 });
    const why = (error as { code?: string }).code ?? "error";
    throw new DatabaseOpenError(
      `the embedded database at ${busy.dataDir} is in use by process ${busy.ownerPid}, and its CLI socket ${path} does not answer (${why})`,
      { cause: error },
    );
  }
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    db,
    kind: "pglite-server",
    query: postgresQuery(client, { prepare: false }),
    // Only migrations take it, and a command does not migrate a database a server holds.
    withAdvisoryLock: (_key, work) => work(db),
    async ping() {
      await client`select 1`;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * "socket" once the holder's socket exists and is this user's own; "released" when the holder
 * let go meanwhile (a command that finished). A server still starting gets a moment.
 */
export async function waitForCliSocket(busy: DataDirInUseError): Promise<"socket" | "released"> {
  const path = cliSocketPath(resolve(busy.dataDir));
  const lockFile = `${resolve(busy.dataDir)}.lock`;
  const deadline = Date.now() + STARTING_SERVER_MILLIS;
  for (;;) {
    const found = await lstat(path).catch(() => undefined);
    if (found) {
      // Someone else's socket (or a file put there) could answer with anything.
      const uid = process.getuid?.();
      if (!found.isSocket() || (uid !== undefined && found.uid !== uid)) {
        throw new DatabaseOpenError(
          `the embedded database at ${busy.dataDir} is in use by process ${busy.ownerPid}; ${path} is not a socket of this user, so it is not used`,
        );
      }
      return "socket";
    }
    if (!isHolding(busy.ownerPid, lockFile)) return "released";
    if (Date.now() > deadline) {
      throw new DatabaseOpenError(
        `${busy.message} (it serves no CLI socket at ${path}: another passdesk command, or a server older than this command)`,
      );
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
}
