import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { auditLog, emailTemplates, resetRequests, users } from "../../src/db/schema.ts";
import { linesOf, runCli, runProcess } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { startServerProcess } from "../support/server-process.ts";

// `passdesk` commands while a server runs: on PostgreSQL they share the database as any two
// clients do; on PGlite they reach the server's one session through its CLI socket, where the
// commands' transactions and the server's own must take turns without mixing.

const IMPORTED = 40;
const REQUESTS = 80;
const DEFAULT = "Username-Password-Authentication";

function email(i: number): string {
  return `user-${i % IMPORTED}@example.com`;
}

async function count(handle: DatabaseHandle, query: ReturnType<typeof sql>): Promise<number> {
  const result = await handle.db.execute(query);
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  return Number((rows[0] as { n: string | number }).n);
}

describe.each(backends)("passdesk commands beside a busy server on %s", (backend) => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    dir = await mkdtemp(join(tmpdir(), "passdesk-beside-"));
    const rows = Array.from({ length: IMPORTED }, (_, i) => ({
      email: email(i),
      name: `User ${i}`,
      email_verified: true,
    }));
    await writeFile(join(dir, "users.json"), JSON.stringify(rows));
  });

  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs imports, template saves and policy changes while reset requests pour in; nothing is lost, mixed or left open", async () => {
    const server = await startServerProcess(database.env, { RATE_LIMIT_PER_IP_BURST: "1000" });
    const passdesk = (...args: string[]) => runCli(database.env, args);

    const requests = Array.from({ length: REQUESTS }, async (_, i) => {
      // Spread over the commands' lifetime, so the worker resolves them in between.
      await new Promise((resolve) => setTimeout(resolve, i * 40));
      const response = await fetch(`${server.baseUrl}/dbconnections/change_password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: email(i), connection: DEFAULT }),
      });
      return response.status;
    });
    const commands = [
      passdesk("users", "import", join(dir, "users.json")),
      passdesk("templates", "set", "--subject", "Choose a new {{ friendly_name }} password"),
      passdesk("connections", "add", "Partners", "--strategy", "database"),
      passdesk(
        "users",
        "add",
        "--email",
        "solo@example.com",
        "--password",
        "a long passphrase to keep",
      ),
      passdesk("connections", "set", DEFAULT, "--history", "3"),
    ];
    const results = await Promise.all(commands);
    expect(await Promise.all(requests)).toEqual(Array(REQUESTS).fill(200));
    for (const result of results)
      expect({ ...result, stdout: "" }).toMatchObject({ code: 0, stderr: "" });
    expect(results[0]?.stdout).toBe(`imported ${IMPORTED} users into ${DEFAULT}; rejected 0\n`);
    expect(linesOf((await passdesk("users", "list", "--limit", "1000")).stdout)).toHaveLength(
      IMPORTED + 1,
    );

    const { handle } = await database.open({ throughRunningServer: true });
    try {
      await expect
        .poll(
          () =>
            count(handle, sql`select count(*) as n from ${resetRequests} where status = 'pending'`),
          { timeout: 60_000, interval: 250 },
        )
        .toBe(0);
      expect(await count(handle, sql`select count(*) as n from ${resetRequests}`)).toBe(REQUESTS);
      // Resolved against the user with that very email, or against nobody (before the import).
      expect(
        await count(
          handle,
          sql`select count(*) as n from ${resetRequests} r left join ${users} u on u.id = r.user_id
            where (r.status = 'queued') <> (u.id is not null) or u.email <> r.email`,
        ),
      ).toBe(0);
      expect(
        await count(
          handle,
          sql`select count(*) as n from reset_requests r
            where r.status = 'queued' and (select count(*) from email_outbox o
              where o.request_id = r.id and o.user_id = r.user_id and o.to_address = r.email) <> 1`,
        ),
      ).toBe(0);
      expect(
        await count(
          handle,
          sql`select count(*) as n from ${auditLog} where action = 'password_reset.requested'`,
        ),
      ).toBe(REQUESTS);
      const cliActions = await handle.db
        .select({ action: auditLog.action })
        .from(auditLog)
        .where(eq(auditLog.actorType, "cli"));
      expect(cliActions.map((row) => row.action).sort()).toEqual([
        "connection.created",
        "connection.policy_changed",
        "template.updated",
        "user.created",
        "users.imported",
      ]);
      const [template] = await handle.db.select().from(emailTemplates);
      expect(template).toMatchObject({
        version: 1,
        subject: "Choose a new {{ friendly_name }} password",
      });

      if ("PGLITE_DATA_DIR" in database.env) {
        // Through the socket, in the simple protocol: inside a block someone left open, now()
        // would be that block's start, earlier than this statement's.
        const probe = postgres({ path: `${database.env.PGLITE_DATA_DIR}.sock`, max: 1 });
        try {
          const rows = await probe
            .unsafe("select now() < statement_timestamp() as inside")
            .simple();
          expect([...rows]).toEqual([{ inside: false }]);
        } finally {
          await probe.end();
        }
      }
    } finally {
      await handle.close();
    }

    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output().stderr).toBe("");
    const { handle: reopened } = await database.open();
    try {
      expect(await count(reopened, sql`select count(*) as n from ${users}`)).toBe(IMPORTED + 1);
      expect(await count(reopened, sql`select count(*) as n from ${resetRequests}`)).toBe(REQUESTS);
    } finally {
      await reopened.close();
    }
  });
});

describe("passdesk commands beside a server on PGlite", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase("pglite");
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("go through the socket the banner names, which only this user can open, and leave migrations to the server", async () => {
    if (!("PGLITE_DATA_DIR" in database.env)) throw new Error("a PGlite database");
    const dataDir = database.env.PGLITE_DATA_DIR;
    const server = await startServerProcess(database.env);
    const banner = () =>
      server
        .output()
        .stdout.split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
    await expect
      .poll(banner)
      .toContain(
        `CLI: passdesk commands reach this database through ${dataDir}.sock (owner-only Unix socket)`,
      );
    expect(statSync(`${dataDir}.sock`).mode & 0o777).toBe(0o600);

    expect(await runCli(database.env, ["migrate"])).toEqual({
      code: 0,
      stdout: "database is up to date\n",
      stderr: "",
    });

    // A checkout newer than the running server: the command refuses rather than migrate under it.
    const { handle } = await database.open({ throughRunningServer: true });
    try {
      await handle.db.execute(
        sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`,
      );
    } finally {
      await handle.close();
    }
    const refused = await runCli(database.env, ["users", "list"]);
    expect({ code: refused.code, stderr: linesOf(refused.stderr) }).toEqual({
      code: 1,
      stderr: [
        "passdesk: the running server has not applied 1 migration(s) of this version of passdesk; restart the server to apply them",
      ],
    });

    // A second server is still refused: the socket is for commands.
    const second = await runProcess(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...database.env, PORT: "0", HOST: "127.0.0.1" },
    });
    expect(second.code).toBe(1);
    expect(linesOf(second.stderr)).toEqual([
      `passdesk: the embedded database at ${dataDir} is in use by process ${server.child.pid}; stop it or set DATABASE_URL`,
    ]);

    expect(await server.stop("SIGTERM")).toBe(0);
    expect(existsSync(`${dataDir}.sock`)).toBe(false);
  });

  it("does not use a file at the socket's path that is not a socket", async () => {
    if (!("PGLITE_DATA_DIR" in database.env)) throw new Error("a PGlite database");
    const dataDir = database.env.PGLITE_DATA_DIR;
    // Held by a live process (this test's), with a plain file where the socket would be.
    await rm(`${dataDir}.sock`, { force: true });
    await writeFile(`${dataDir}.lock`, String(process.pid));
    await writeFile(`${dataDir}.sock`, "not a socket");
    try {
      const result = await runCli(database.env, ["users", "list"]);
      expect({ code: result.code, stderr: linesOf(result.stderr) }).toEqual({
        code: 1,
        stderr: [
          `passdesk: the embedded database at ${dataDir} is in use by process ${process.pid}; ${dataDir}.sock is not a socket of this user, so it is not used`,
        ],
      });
    } finally {
      await rm(`${dataDir}.lock`, { force: true });
      await rm(`${dataDir}.sock`, { force: true });
    }
  });
});
