import { once } from "node:events";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect as connectRaw } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CliSocket, serveCliSocket } from "../../src/db/pglite-cli-socket.ts";

// The server's PGlite is one PostgreSQL session. These tests hold the server's in-process use of
// it (PGlite's query/transaction API, as drizzle uses it) against clients of the CLI socket.

let dir: string;
let pg: PGlite;
let socket: CliSocket;
const clients: postgres.Sql[] = [];

function connect(options: postgres.Options<Record<string, never>> = {}): postgres.Sql {
  const sql = postgres({
    path: socket.path,
    user: "postgres",
    database: "postgres",
    max: 1,
    prepare: false,
    onnotice: () => {},
    ...options,
  });
  clients.push(sql);
  return sql;
}

async function names(): Promise<string[]> {
  const { rows } = await pg.query<{ name: string }>("select name from items order by id");
  return rows.map((row) => row.name);
}

/** True when the session is inside a transaction block someone else left open. */
async function insideLeftoverTransaction(): Promise<boolean> {
  // A simple query outside a block starts its transaction with its statement: now() is then
  // the statement's start. Inside a block left open, now() is when that block began.
  const [result] = await pg.exec("select now() < statement_timestamp() as inside");
  return (result?.rows[0] as { inside?: boolean } | undefined)?.inside === true;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "passdesk-socket-"));
  pg = await PGlite.create();
  await pg.exec("create table items (id serial primary key, name text not null unique)");
});

beforeEach(async () => {
  socket = await serveCliSocket(pg, join(dir, "data.sock"), { idleInTurnMillis: 500 });
});

afterEach(async () => {
  for (const sql of clients.splice(0)) await sql.end({ timeout: 1 });
  await socket.stop();
  await pg.exec("truncate items");
});

afterAll(async () => {
  await pg.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the CLI socket of an embedded database", () => {
  it("is a socket only its owner can open, removed when the server stops", async () => {
    const stat = statSync(socket.path);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
    await socket.stop();
    expect(existsSync(socket.path)).toBe(false);
    socket = await serveCliSocket(pg, join(dir, "data.sock"));
  });

  it("keeps the server's statements out of a client's open transaction, and waits for it", async () => {
    const cli = connect();
    const order: string[] = [];
    await cli
      .begin(async (tx) => {
        await tx`insert into items (name) values ('cli, rolled back')`;
        const server = pg
          .query("insert into items (name) values ('server')")
          .then(() => order.push("server insert done"));
        // Give the server's statement every chance to run inside this transaction.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await tx`select 1`;
        order.push("cli rolls back");
        void server;
        throw new Error("roll back");
      })
      .catch(() => {});
    await expect.poll(() => order.length).toBe(2);

    expect(order).toEqual(["cli rolls back", "server insert done"]);
    expect(await names()).toEqual(["server"]);
    expect(await insideLeftoverTransaction()).toBe(false);
  });

  it("keeps a client's statements out of the server's open transaction", async () => {
    const cli = connect();
    await cli`select 1`;
    let clientInsert: Promise<unknown> | undefined;
    await pg
      .transaction(async (tx) => {
        await tx.query("insert into items (name) values ('server, rolled back')");
        clientInsert = cli`insert into items (name) values ('cli')`.execute();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await tx.query("select 1");
        throw new Error("roll back");
      })
      .catch(() => {});
    await clientInsert;

    expect(await names()).toEqual(["cli"]);
  });

  it("never mixes the server's statements and several clients' parameterised statements", async () => {
    const cliA = connect();
    const cliB = connect();
    const work: Array<Promise<[string, number]>> = [];
    for (let i = 0; i < 60; i++) {
      work.push(
        cliA`select ${i}::int + 1000 as n`.then((rows) => ["a", Number(rows[0]?.n) - 1000]),
        cliB`select ${i}::int + 2000 as n`.then((rows) => ["b", Number(rows[0]?.n) - 2000]),
        pg
          .query<{ n: number }>("select $1::int + 3000 as n", [i])
          .then(({ rows }) => ["server", Number(rows[0]?.n) - 3000]),
        cliA.begin(async (tx) => {
          const [row] = await tx`insert into items (name) values (${`a-${i}`}) returning id`;
          await tx`select ${i}::int`;
          return ["a-tx", row ? i : -1] as [string, number];
        }),
        pg.transaction(async (tx) => {
          await tx.query("insert into items (name) values ($1)", [`server-${i}`]);
          const { rows } = await tx.query<{ n: number }>("select $1::int as n", [i]);
          return ["server-tx", Number(rows[0]?.n)] as [string, number];
        }),
      );
    }
    const results = await Promise.all(work);

    for (const who of ["a", "b", "server", "a-tx", "server-tx"]) {
      const seen = results.filter(([source]) => source === who).map(([, n]) => n);
      expect({ who, seen }).toEqual({ who, seen: Array.from({ length: 60 }, (_, i) => i) });
    }
    expect((await names()).length).toBe(120);
    expect(await insideLeftoverTransaction()).toBe(false);
  });

  it("rolls back the transaction of a client that disconnects in the middle of it", async () => {
    const cli = connect();
    const reserved = await cli.reserve();
    await reserved`begin`;
    await reserved`insert into items (name) values ('never committed')`;
    const server = pg.query("insert into items (name) values ('server')");
    reserved.release();
    await cli.end({ timeout: 0 });
    await server;

    expect(await names()).toEqual(["server"]);
    expect(await insideLeftoverTransaction()).toBe(false);
  });

  it("rolls back and disconnects a client idle in a transaction, so the server is not stalled", async () => {
    const cli = connect();
    const reserved = await cli.reserve();
    await reserved`begin`;
    await reserved`insert into items (name) values ('abandoned')`;
    await pg.query("insert into items (name) values ('server')");
    const error = await reserved`select 1`.catch((caught: Error) => caught);

    expect(error).toBeInstanceOf(Error);
    expect(await names()).toEqual(["server"]);
    expect(await insideLeftoverTransaction()).toBe(false);
  });

  it("undoes a statement a client executed but never synced, as PostgreSQL does", async () => {
    const raw = connectRaw(socket.path);
    await once(raw, "connect");
    raw.write(startupMessage());
    await once(raw, "data");
    raw.write(
      Buffer.concat([
        message("P", "\0insert into items (name) values ('never synced')\0\0\0"),
        message("B", "\0\0\0\0\0\0\0\0"),
        message("E", "\0\0\0\0\0"),
      ]),
    );
    await once(raw, "data");
    raw.destroy();
    await pg.query("insert into items (name) values ('server')");

    expect(await names()).toEqual(["server"]);
    expect(await insideLeftoverTransaction()).toBe(false);
  });
});

function startupMessage(): Buffer {
  const body = Buffer.from("user\0postgres\0database\0postgres\0\0", "utf8");
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4);
  body.copy(message, 8);
  return message;
}

/** A frontend message: type byte, length, then `body` (NULs written as \0). */
function message(type: string, body: string): Buffer {
  const bytes = Buffer.from(body, "latin1");
  const framed = Buffer.alloc(5 + bytes.length);
  framed.write(type, 0, "latin1");
  framed.writeInt32BE(4 + bytes.length, 1);
  bytes.copy(framed, 5);
  return framed;
}
